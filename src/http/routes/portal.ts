import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { checkInput, HifazatError, type FieldIssue } from '../../domain/errors.ts';
import { pakistanToday } from '../../domain/pakistan-time.ts';
import { confirmsLastGroup, parseReceipt } from '../../domain/receipt.ts';
import {
  detailsWindowMinutes,
  followUpSchema,
  languages,
  reportDetailsSchema,
  reporterMessageSchema,
  reportInputSchema,
  reportKinds,
  type ReportKind,
} from '../../domain/report.ts';
import type { Services } from '../../services/index.ts';
import type { FollowUpView } from '../../services/follow-up.ts';
import { clientLimit, clientOf } from '../client.ts';
import { sendPage, type RenderRejected } from '../errors.ts';
import { readReportForm, single, yesOrNo, type FormBody } from '../form-input.ts';
import { messages, negotiateLanguage } from '../i18n/index.ts';
import type { PageContext } from '../views/layout.ts';
import { followUpPage } from '../views/follow-up.ts';
import { landingPage } from '../views/pages.ts';
import type { FormValues } from '../views/report-form.ts';
import {
  detailsAddedPage,
  detailsExpiredPage,
  detailsPage,
  firstStepPage,
  kindPaths,
  receiptPage,
  reportChoicePage,
} from '../views/report-steps.ts';

export function portalRoutes(services: Services): FastifyPluginAsync {
  // Reports are limited per client by the SubmissionGate; a refused report is shown again (renderRefused).
  const followUpLimit = clientLimit(services, services.throttleRules.followUp);

  return async (app) => {
    app.get('/', async (request, reply) =>
      reply.header('Vary', 'Accept-Language').redirect(`/${negotiateLanguage(request.headers['accept-language'])}/`, 302),
    );

    for (const lang of languages) {
      const ctx = (page: string): PageContext => ({ lang, t: messages[lang], page });

      /** A kind's first step, shown fresh, again with what was typed, or with the problems found. */
      const firstStep = (
        kind: ReportKind,
        values: FormValues,
        state: { issues?: readonly FieldIssue[]; extraUrlField?: boolean; idempotencyKey?: string | undefined; notice?: string } = {},
      ) =>
        firstStepPage(ctx(`/report/${kindPaths[kind]}`), {
          kind,
          values,
          issues: state.issues ?? [],
          notice: state.notice,
          extraUrlField: state.extraUrlField ?? false,
          idempotencyKey: state.idempotencyKey ?? randomUUID(),
          powChallengeUrl: '/api/v1/pow-challenge',
        });

      app.get(`/${lang}`, async (_request, reply) => reply.redirect(`/${lang}/`, 301));
      app.get(`/${lang}/`, async (_request, reply) => sendPage(reply, landingPage(ctx('/'))));
      app.get(`/${lang}/report`, async (_request, reply) => sendPage(reply, reportChoicePage(ctx('/report'))));
      for (const kind of reportKinds) {
        app.get(`/${lang}/report/${kindPaths[kind]}`, async (_request, reply) => sendPage(reply, firstStep(kind, {})));
      }

      /** A report refused for load (not for its content) comes back with everything typed. */
      const renderRefused: RenderRejected = async (request, error) => {
        if (error.code !== 'rate_limited') return undefined;
        const body = formBody(request);
        const kind = kindIn(body);
        const notice = messages[lang].errors.tooMany;
        return kind ? firstStep(kind, body, { notice, idempotencyKey: readReportForm(body).idempotencyKey }) : undefined;
      };

      app.post(`/${lang}/report`, { config: { renderRejected: renderRefused } }, async (request, reply) => {
        const body = formBody(request);
        const form = readReportForm(body);
        const kind = kindIn(body);
        const parsed = checkInput(reportInputSchema(pakistanToday()), form.input);
        if (!kind) {
          // Only a hand-made request has no kind (the forms carry it): the choice is where to start.
          return sendPage(reply, reportChoicePage(ctx('/report')), parsed.ok ? undefined : parsed.error);
        }
        if (form.action === 'add_url') {
          return sendPage(reply, firstStep(kind, body, { extraUrlField: true, idempotencyKey: form.idempotencyKey }));
        }
        if (form.action === 'switch') {
          const other = reportKinds.find((k) => k !== kind)!;
          return sendPage(reply, firstStep(other, { ...body, kind: other }, { idempotencyKey: form.idempotencyKey }));
        }
        if (!parsed.ok) {
          return sendPage(reply, firstStep(kind, body, { issues: parsed.error.issues, idempotencyKey: form.idempotencyKey }), parsed.error);
        }
        const submitted = await services.reports.submit(parsed.data, {
          source: 'portal',
          idempotencyKey: form.idempotencyKey,
          proofOfWork: form.proofOfWork,
          client: clientOf(request),
        });
        return sendPage(
          reply,
          receiptPage(ctx('/report'), {
            receipt: submitted.receipt,
            kind,
            inDangerNow: parsed.data.inDangerNow,
            continuation: submitted.continuation,
            detailsWindowMinutes,
          }),
        );
      });

      /** The optional check that she kept the code: the receipt page again, saying whether the last group she typed matches. */
      app.post(`/${lang}/report/receipt-check`, async (request, reply) => {
        const body = formBody(request);
        const receipt = parseReceipt(single(body.receipt) ?? '');
        const kind = kindIn(body);
        if ('problem' in receipt || !kind) throw new HifazatError('validation_failed', 'This form comes only from the receipt page.');
        const typed = single(body.lastGroup) ?? '';
        return sendPage(
          reply,
          receiptPage(ctx('/report'), {
            receipt: receipt.receipt,
            kind,
            inDangerNow: yesOrNo(body.inDangerNow),
            continuation: single(body.continuation),
            detailsWindowMinutes,
            confirmation: { typed, matches: confirmsLastGroup(receipt.receipt, typed) },
          }),
        );
      });

      /** Details after the receipt: the form (opened from the receipt page), then the answers, attached through the continuation. */
      app.post(`/${lang}/report/details`, async (request, reply) => {
        const body = formBody(request);
        const form = readReportForm(body);
        const continuation = form.continuation ?? '';
        const kind = kindIn(body) ?? 'abuse';
        const page = async (values: FormValues, issues: readonly FieldIssue[] = []) =>
          detailsPage(ctx('/report'), { continuation, kind, values, issues, districts: await services.districts.list() });
        const expired = (error: HifazatError) => sendPage(reply, detailsExpiredPage(ctx('/report')), error);
        try {
          if (form.action === 'open') {
            await services.reports.assertDetailsOpen(continuation);
            return sendPage(reply, await page({}));
          }
          const { kind: _kind, language: _language, ...details } = form.input;
          const parsed = checkInput(reportDetailsSchema(pakistanToday()), details);
          if (!parsed.ok) return sendPage(reply, await page(body, parsed.error.issues), parsed.error);
          await services.reports.addDetails(continuation, parsed.data);
          return sendPage(reply, detailsAddedPage(ctx('/report')));
        } catch (error) {
          if (error instanceof HifazatError && error.code === 'details_link_expired') return expired(error);
          throw error;
        }
      });

      app.get(`/${lang}/follow-up`, async (_request, reply) => sendPage(reply, followUpPage(ctx('/follow-up'), {})));

      /** A follow-up refused for its client's limit comes back with the receipt typed. */
      const followUpRefused: RenderRejected = async (request, error) => {
        if (error.code !== 'rate_limited') return undefined;
        const body = request.body !== null && typeof request.body === 'object' ? (request.body as FormBody) : {};
        return followUpPage(ctx('/follow-up'), { receipt: single(body.receipt) ?? '', notice: messages[lang].followUp.tooManyAttempts });
      };
      const followUpRoute = { preHandler: followUpLimit, config: { renderRejected: followUpRefused } };

      app.post(`/${lang}/follow-up`, followUpRoute, async (request, reply) => {
        const parsed = checkInput(followUpSchema, formBody(request));
        if (!parsed.ok) {
          return sendPage(reply, followUpPage(ctx('/follow-up'), { issues: parsed.error.issues }), parsed.error);
        }
        return withFollowUp(reply, ctx('/follow-up'), parsed.data.receipt, () =>
          services.followUp.view(parsed.data.receipt, clientOf(request)),
        );
      });

      app.post(`/${lang}/follow-up/reply`, followUpRoute, async (request, reply) => {
        const body = formBody(request);
        const parsed = checkInput(reporterMessageSchema, body);
        const receipt = single(body.receipt) ?? '';
        if (!parsed.ok) {
          return withFollowUp(reply, ctx('/follow-up'), receipt, () => services.followUp.view(receipt, clientOf(request)), {
            replyRefused: parsed.error,
            reply: single(body.body) ?? '',
          });
        }
        return withFollowUp(
          reply,
          ctx('/follow-up'),
          receipt,
          () => services.followUp.addReporterMessage(parsed.data.receipt, parsed.data.body, clientOf(request)),
          { sent: true },
        );
      });
    }
  };
}

/** The kind of report a form carries, if it is one. */
function kindIn(body: FormBody): ReportKind | undefined {
  const posted = single(body.kind);
  return reportKinds.find((kind) => kind === posted);
}

/** The posted form; a page's forms are only ever sent urlencoded. */
function formBody(request: FastifyRequest): FormBody {
  const type = request.headers['content-type']?.toLowerCase() ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') || request.body === null || typeof request.body !== 'object') {
    throw new HifazatError('unsupported_media_type', 'Send the form as application/x-www-form-urlencoded.');
  }
  return request.body as FormBody;
}

/**
 * Shows the thread for a receipt, or the receipt form again with the reason in the page's
 * language when the receipt is mistyped, unknown or throttled.
 */
async function withFollowUp(
  reply: FastifyReply,
  ctx: PageContext,
  receipt: string,
  load: () => Promise<FollowUpView>,
  extra: { replyRefused?: HifazatError; reply?: string; sent?: boolean } = {},
) {
  let view: FollowUpView;
  try {
    view = await load();
  } catch (error) {
    if (!(error instanceof HifazatError)) throw error;
    const f = ctx.t.followUp;
    if (error.code === 'validation_failed') return sendPage(reply, followUpPage(ctx, { receipt, issues: error.issues }), error);
    if (error.code === 'unknown_receipt') return sendPage(reply, followUpPage(ctx, { receipt, notice: f.unknownReceipt }), error);
    if (error.code === 'too_many_attempts') return sendPage(reply, followUpPage(ctx, { receipt, notice: f.tooManyAttempts }), error);
    throw error;
  }
  const { replyRefused, ...shown } = extra;
  const page = followUpPage(ctx, { receipt, view, ...shown, ...(replyRefused ? { replyIssues: replyRefused.issues } : {}) });
  return replyRefused ? sendPage(reply, page, replyRefused) : sendPage(reply, page);
}
