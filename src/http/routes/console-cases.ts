import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { may } from '../../domain/actor.ts';
import { type CaseState, type ClosureReason } from '../../domain/case.ts';
import { isUuid } from '../../domain/uuid.ts';
import { queueFilterFields, queueFilterSchema } from '../../domain/case-search.ts';
import { checkInput, HifazatError } from '../../domain/errors.ts';
import type { Language } from '../../domain/report.ts';
import type { Permission } from '../../domain/staff.ts';
import type { Services } from '../../services/index.ts';
import { casePage, queuePage, reportPage, type ReportPageState } from '../views/console/case-pages.ts';
import { filedPage, fileReportPage } from '../views/console/file-report-page.ts';
import { sendPage } from '../errors.ts';
import { list, readReportForm, single, yesOrNo, type FormBody } from '../form-input.ts';
import { pakistanDateTime, pakistanToday } from '../../domain/pakistan-time.ts';
import { filingIssues, reportInputSchema, type FilingChannel } from '../../domain/report.ts';
import { randomUUID } from 'node:crypto';
import type { ConsoleContext } from '../views/console/layout.ts';
import { wholeNumber, type IntegerColumn } from '../../domain/whole-number.ts';

type Fields = Record<string, string | string[] | undefined>;
type Params = { id: string };

/** A console form's fields without its CSRF token; an empty answer is no answer. */
function fields(request: FastifyRequest): Fields {
  const out: Fields = {};
  for (const [name, value] of Object.entries((request.body ?? {}) as Fields)) {
    if (name === '_csrf' || value === '') continue;
    out[name] = value;
  }
  return out;
}

/** A number in a path or a field, within its column's range; anything else names nothing there is. */
function numberOr404(text: string | string[] | undefined, column: IntegerColumn, what: string): number {
  const value = wholeNumber(text, column);
  if (value === undefined) throw new HifazatError('not_found', `No such ${what}.`);
  return value;
}

function classificationInput(f: Fields) {
  return {
    category: single(f.category),
    legalBases: list(f.legalBases),
    interpolBaseline: yesOrNo(f.interpolBaseline),
    tags: list(f.tags),
    ...(f.victimAgeBand ? { victimAgeBand: single(f.victimAgeBand) } : {}),
    ...(f.victimSex ? { victimSex: single(f.victimSex) } : {}),
    materialViewed: yesOrNo(f.materialViewed),
    ...(f.viewedBy ? { viewedBy: single(f.viewedBy) } : {}),
  };
}

/**
 * The triage queue, reports and cases. Each route names its permission (checked by the console
 * plugin); the CaseWork service checks the object is within the staff member's reach.
 */
export function registerCaseRoutes(
  app: FastifyInstance,
  services: Services,
  lang: Language,
  ctx: (request: FastifyRequest, reply: FastifyReply, page: string) => ConsoleContext,
  recentlyReauthenticated: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  const staffOf = (request: FastifyRequest) => request.staffSession!.staff;
  const path = (page: string) => `/console/${lang}${page}`;

  const renderReport = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    extra: Omit<ReportPageState, 'report' | 'duplicates' | 'staff' | 'districts'> = {},
    refusal?: HifazatError,
  ) => {
    const actor = staffOf(request);
    const report = await services.cases.viewReport(actor, request.params.id);
    const duplicates = await services.cases.duplicates(actor, report.id);
    const staff = await services.staff.list();
    const districts = await services.districts.list();
    return sendPage(
      reply,
      reportPage(ctx(request, reply, `/reports/${report.id}`), { report, duplicates, staff, districts, ...extra }),
      refusal,
    );
  };

  const renderCase = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    issues?: { form: string; error: HifazatError; typed: Fields },
  ) => {
    const actor = staffOf(request);
    const view = await services.cases.viewCase(actor, request.params.id);
    const page = casePage(ctx(request, reply, `/cases/${view.id}`), {
      case: view,
      staff: await services.staff.list(),
      agencies: may(actor, 'workCases') ? await services.cases.listAgencies(actor) : [],
      zarra: await services.cases.zarraStatus(actor, view.id),
      issues: issues?.error.issues,
      issuesFor: issues?.form,
      typed: issues?.typed,
    });
    return sendPage(reply, page, issues?.error);
  };

  /** Runs a change; on bad input shows the page again with the problems beside the form. */
  const change =
    (
      form: string,
      page: 'report' | 'case',
      work: (request: FastifyRequest<{ Params: Params }>, f: Fields) => Promise<unknown>,
      after: (request: FastifyRequest<{ Params: Params }>) => string,
    ) =>
    async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
      const f = fields(request);
      try {
        await work(request, f);
      } catch (error) {
        if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
        return page === 'report'
          ? renderReport(request, reply, { issues: error.issues, issuesFor: form, typed: f }, error)
          : renderCase(request, reply, { form, error, typed: f });
      }
      return reply.redirect(after(request), 303);
    };

  const read = { config: { consoleAccess: 'readCases' as const } };
  const work = { config: { consoleAccess: 'workCases' as const } };
  // The classification forms' checkboxes send these names once per box ticked.
  const classify = { config: { ...work.config, consoleFormLists: ['legalBases', 'tags'] } };
  // Contact details and a live link are shown only after a recent re-authentication (console.ts).
  const reveal = { config: { consoleAccess: 'revealContact' as const }, preHandler: recentlyReauthenticated };
  const copy = { ...work, preHandler: recentlyReauthenticated };

  // The queue and its search. Filters live in the address (a GET form, checked by
  // queueFilterSchema); a link never does: it is sent by a POST form, and this page is its answer.
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(path('/'), read, async (request, reply) => {
    const typed: Record<string, string> = {};
    const asked: Record<string, unknown> = {};
    for (const field of [...queueFilterFields, 'page'] as const) {
      const value = request.query[field];
      if (value === undefined || value === '') continue;
      asked[field] = value;
      if (typeof value === 'string') typed[field] = value;
    }
    const checked = checkInput(queueFilterSchema, asked);
    const actor = staffOf(request);
    const queue = await services.cases.queue(actor, checked.ok ? checked.data : {});
    const search = { typed, issues: checked.ok ? undefined : checked.error.issues };
    const page = queuePage(ctx(request, reply, '/'), {
      queue,
      search,
      staff: await services.staff.list(),
      districts: await services.districts.list(),
      agencies: await services.cases.listAgencies(actor),
    });
    return sendPage(reply, page, checked.ok ? undefined : checked.error);
  });

  app.post(path('/find-link'), read, async (request, reply) => {
    const link = single(fields(request).link) ?? '';
    // The results are paged like the queue: the next page is this form again, with the link and a page.
    const page = single(fields(request).page);
    const paged = checkInput(queueFilterSchema, page === undefined || page === '' ? {} : { page });
    const actor = staffOf(request);
    let queue;
    let refusal: HifazatError | undefined;
    try {
      queue = await services.cases.queue(actor, paged.ok ? paged.data : {}, { link });
    } catch (error) {
      if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
      refusal = error;
      queue = await services.cases.queue(actor);
    }
    const search = { typed: {}, link, issues: refusal?.issues };
    return sendPage(
      reply,
      queuePage(ctx(request, reply, '/'), {
        queue,
        search,
        staff: await services.staff.list(),
        districts: await services.districts.list(),
        agencies: await services.cases.listAgencies(actor),
      }),
      refusal,
    );
  });

  app.get<{ Params: Params }>(path('/reports/:id'), read, (request, reply) => renderReport(request, reply));

  app.post<{ Params: Params }>(path('/reports/:id/copy-url'), copy, async (request, reply) => {
    const position = numberOr404(single(fields(request).position), 'smallint', 'link');
    const url = await services.cases.copyUrl(staffOf(request), request.params.id, position);
    return renderReport(request, reply, { copied: { position, url } });
  });

  app.post<{ Params: Params }>(path('/reports/:id/reveal-contact'), reveal, async (request, reply) =>
    renderReport(request, reply, { contact: await services.cases.revealContact(staffOf(request), request.params.id) }),
  );

  // Encoded: a redirect's Location is a header, and a path parameter may hold any character (a 500 once).
  const reportPath = (request: FastifyRequest<{ Params: Params }>) => path(`/reports/${encodeURIComponent(request.params.id)}`);
  const casePath = (request: FastifyRequest<{ Params: Params }>) => path(`/cases/${encodeURIComponent(request.params.id)}`);
  /** Tasks and referrals are found by their own ids: the case in their path must at least be one. */
  const caseInPath = (request: FastifyRequest<{ Params: Params }>) => {
    if (!isUuid(request.params.id)) throw new HifazatError('not_found', 'No such case.');
  };

  app.post<{ Params: Params }>(
    path('/reports/:id/classify'),
    classify,
    change(
      'report',
      'report',
      (request, f) => services.cases.classifyReport(staffOf(request), request.params.id, classificationInput(f)),
      reportPath,
    ),
  );

  app.post<{ Params: Params & { position: string } }>(path('/reports/:id/urls/:position/classify'), classify, async (request, reply) => {
    const position = numberOr404(request.params.position, 'smallint', 'link');
    return change(
      `url-${position}`,
      'report',
      (r, f) => services.cases.classifyUrl(staffOf(r), r.params.id, position, classificationInput(f)),
      reportPath,
    )(request, reply);
  });

  app.post<{ Params: Params }>(
    path('/reports/:id/messages'),
    work,
    change(
      'message',
      'report',
      (request, f) => services.cases.askReporter(staffOf(request), request.params.id, single(f.body) ?? ''),
      reportPath,
    ),
  );

  app.get(path('/file-report'), work, async (request, reply) =>
    sendPage(
      reply,
      fileReportPage(ctx(request, reply, '/file-report'), {
        values: {},
        issues: [],
        idempotencyKey: randomUUID(),
        districts: await services.districts.list(),
      }),
    ),
  );

  // The report form sends one "urls" field per link, as the public form does.
  app.post(path('/file-report'), { config: { ...work.config, consoleFormLists: ['urls'] } }, async (request, reply) => {
    const { _csrf, channel, consentRecorded, ...reportFields } = (request.body ?? {}) as FormBody;
    const form = readReportForm(reportFields);
    const again = async (refusal: HifazatError) =>
      sendPage(
        reply,
        fileReportPage(ctx(request, reply, '/file-report'), {
          values: { ...reportFields, ...(channel ? { channel } : {}), ...(consentRecorded ? { consentRecorded } : {}) },
          issues: refusal.issues,
          idempotencyKey: form.idempotencyKey ?? randomUUID(),
          districts: await services.districts.list(),
        }),
        refusal,
      );
    const filing = { consentRecorded: consentRecorded === 'true', channel: single(channel) };
    const parsed = checkInput(reportInputSchema(pakistanToday()), form.input);
    if (!parsed.ok) {
      // The filing's problems with the report's, so that staff see them all at once.
      const issues = [...parsed.error.issues, ...filingIssues(filing)];
      return again(new HifazatError('validation_failed', parsed.error.message, { issues }));
    }
    try {
      const filed = await services.cases.fileOnBehalf(staffOf(request), parsed.data, {
        consentRecorded: filing.consentRecorded,
        channel: filing.channel as FilingChannel,
      });
      return sendPage(reply, filedPage(ctx(request, reply, '/file-report'), filed.receipt));
    } catch (error) {
      if (error instanceof HifazatError && error.code === 'validation_failed') return again(error);
      throw error;
    }
  });

  app.get<{ Params: Params }>(path('/cases/:id'), read, (request, reply) => renderCase(request, reply));

  /** A form on the case page, posted to /cases/:id/<action>; refused, its problems are shown beside it. */
  const caseForm = (action: string, form: string, run: (request: FastifyRequest<{ Params: Params }>, f: Fields) => Promise<unknown>) =>
    app.post<{ Params: Params }>(path(`/cases/:id/${action}`), work, change(form, 'case', run, casePath));
  /** A button on the case page: done, the case page again. */
  const caseButton = (
    action: string,
    access: { config: { consoleAccess: Permission } },
    run: (actor: ReturnType<typeof staffOf>, caseId: string) => Promise<unknown>,
  ) =>
    app.post<{ Params: Params }>(path(`/cases/:id/${action}`), access, async (request, reply) => {
      await run(staffOf(request), request.params.id);
      return reply.redirect(casePath(request), 303);
    });

  caseForm('assign', 'assign', (request, f) => services.cases.assign(staffOf(request), request.params.id, single(f.staffId) ?? null));
  caseForm('state', 'state', (request, f) => services.cases.setState(staffOf(request), request.params.id, single(f.state) as CaseState));
  caseForm('notes', 'note', (request, f) => services.cases.addNote(staffOf(request), request.params.id, single(f.body) ?? ''));
  caseForm('tasks', 'task', (request, f) =>
    services.cases.addTask(staffOf(request), request.params.id, { title: single(f.title) ?? '', dueOn: single(f.dueOn) ?? '' }),
  );
  app.post<{ Params: Params & { taskId: string } }>(path('/cases/:id/tasks/:taskId/done'), work, async (request, reply) => {
    caseInPath(request);
    await services.cases.completeTask(staffOf(request), numberOr404(request.params.taskId, 'bigint', 'task'));
    return reply.redirect(casePath(request), 303);
  });
  caseForm('referrals', 'referral', (request, f) =>
    services.cases.addReferral(staffOf(request), request.params.id, {
      agencyId: single(f.agencyId) ?? '',
      referredAt: pakistanDateTime(single(f.referredAt)) ?? '',
      method: (single(f.method) ?? '') as never,
      firStatus: (single(f.firStatus) ?? '') as never,
      // Left empty: the agency's usual follow-up (domain/referral-follow-up.ts); "no follow-up" ticked: none.
      ...(f.followUpOn ? { followUpOn: single(f.followUpOn) } : f.noFollowUp ? { followUpOn: null } : {}),
      ...(f.agencyReference ? { agencyReference: single(f.agencyReference) } : {}),
      ...(f.notes ? { notes: single(f.notes) } : {}),
    }),
  );
  app.post<{ Params: Params & { referralId: string } }>(path('/cases/:id/referrals/:referralId'), work, async (request, reply) => {
    caseInPath(request);
    const referralId = numberOr404(request.params.referralId, 'bigint', 'referral');
    return change(
      // Each referral's row has its own form: its errors are shown there.
      `referral-${request.params.referralId}`,
      'case',
      (r, f) =>
        services.cases.updateReferral(staffOf(r), referralId, {
          firStatus: single(f.firStatus) as never,
          // The form always sends the date, filled with the one set: sent empty, there is no follow-up any more.
          ...('followUpOn' in ((r.body ?? {}) as Fields) ? { followUpOn: single(f.followUpOn) ?? null } : {}),
          ...(f.notes ? { notes: single(f.notes) } : {}),
        }),
      casePath,
    )(request, reply);
  });
  caseForm('request-closure', 'closure', (request, f) =>
    services.cases.requestClosure(staffOf(request), request.params.id, single(f.reason) as ClosureReason),
  );
  const supervise = { config: { consoleAccess: 'superviseCases' as const } };
  caseButton('approve-closure', supervise, (actor, caseId) => services.cases.approveClosure(actor, caseId));
  caseButton('reject-closure', supervise, (actor, caseId) => services.cases.rejectClosure(actor, caseId));
  caseButton('mark-read', work, (actor, caseId) => services.cases.markMessagesRead(actor, caseId));
  // ZARRA 2020: when 1099 was notified and the FIR registered (services/cases/zarra.ts); a time left empty is not recorded.
  caseForm('zarra', 'zarra', (request, f) =>
    services.cases.recordZarra(staffOf(request), request.params.id, {
      ...(f.notifiedAt ? { notifiedAt: pakistanDateTime(single(f.notifiedAt)) } : {}),
      ...(f.reference ? { reference: single(f.reference) } : {}),
      ...(f.firRegisteredAt ? { firRegisteredAt: pakistanDateTime(single(f.firRegisteredAt)) } : {}),
      ...(f.firNumber ? { firNumber: single(f.firNumber) } : {}),
    }),
  );
  caseForm('link', 'link', (request, f) => services.cases.linkReports(staffOf(request), request.params.id, single(f.otherCaseId) ?? ''));
}
