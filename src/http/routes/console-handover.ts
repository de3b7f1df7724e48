import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { may } from '../../domain/actor.ts';
import { HifazatError } from '../../domain/errors.ts';
import type { Language } from '../../domain/report.ts';
import { wholeNumber } from '../../domain/whole-number.ts';
import type { Services } from '../../services/index.ts';
import type { ExportedBundle } from '../../services/cases/index.ts';
import { sendPage } from '../errors.ts';
import { single } from '../form-input.ts';
import { caseRecordPage } from '../views/console/case-record-page.ts';
import { courtChecklistPage } from '../views/console/court-checklist-page.ts';
import type { ConsoleContext } from '../views/console/layout.ts';

type Params = { id: string };
type Fields = Record<string, string | string[] | undefined>;

/** A console form's fields without its CSRF token. */
const fieldsOf = (request: FastifyRequest): Fields => {
  const { _csrf, ...rest } = (request.body ?? {}) as Fields;
  return rest;
};

/** A refusal the page explains beside its form: bad input, or a state that does not allow it (with its problem keys). */
const explained = (error: unknown): error is HifazatError =>
  error instanceof HifazatError && (error.code === 'validation_failed' || error.code === 'invalid_state') && error.issues.length > 0;

/**
 * A case handed over (services/cases/handover.ts): the printable case file, its JSON export (the
 * SHA-256 of the bytes in `Repr-Digest` and `X-Content-SHA256`, and in the audit entry), the request
 * and a second supervisor's approval to include the reporter's contact details, and the
 * court-preparation checklist. Each route names its permission; the service checks the case's reach.
 */
export function registerHandoverRoutes(
  app: FastifyInstance,
  services: Services,
  lang: Language,
  ctx: (request: FastifyRequest, reply: FastifyReply, page: string) => ConsoleContext,
  recentlyReauthenticated: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  const staffOf = (request: FastifyRequest) => request.staffSession!.staff;
  const path = (page: string) => `/console/${lang}${page}`;
  const casePath = (request: FastifyRequest<{ Params: Params }>, page = '') =>
    path(`/cases/${encodeURIComponent(request.params.id)}${page}`);

  const read = { config: { consoleAccess: 'readCases' as const } };
  const work = { config: { consoleAccess: 'workCases' as const } };
  const supervise = { config: { consoleAccess: 'superviseCases' as const } };
  // Contact details leave the hotline in the file: a recent re-authentication first, as revealing them (console.ts).
  const withContact = { config: { consoleAccess: 'revealContact' as const }, preHandler: recentlyReauthenticated };

  const renderRecord = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, refusal?: HifazatError) => {
    const record = await services.cases.caseRecord(staffOf(request), request.params.id);
    const page = caseRecordPage(ctx(request, reply, `/cases/${record.bundle.case.id}/record`), {
      record,
      districts: await services.districts.list(),
      staff: await services.staff.list(),
      issues: refusal?.issues,
    });
    return sendPage(reply, page, refusal);
  };

  const sendBundle = (reply: FastifyReply, exported: ExportedBundle) =>
    reply
      .type('application/json; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${exported.filename}"`)
      .header('Repr-Digest', `sha-256=:${Buffer.from(exported.sha256, 'hex').toString('base64')}:`)
      .header('X-Content-SHA256', exported.sha256)
      .send(exported.body);

  /** Runs a change of the record page's; refused with problems, the page again with them beside the contact forms. */
  const recordChange =
    (run: (request: FastifyRequest<{ Params: Params }>, f: Fields) => Promise<unknown>) =>
    async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
      try {
        await run(request, fieldsOf(request));
      } catch (error) {
        if (!explained(error)) throw error;
        return renderRecord(request, reply, error);
      }
      return reply.redirect(`${casePath(request, '/record')}#contact`, 303);
    };

  app.get<{ Params: Params }>(path('/cases/:id/record'), read, (request, reply) => renderRecord(request, reply));

  app.post<{ Params: Params }>(path('/cases/:id/export'), read, async (request, reply) =>
    sendBundle(reply, await services.cases.exportBundle(staffOf(request), request.params.id, { withContact: false })),
  );

  app.post<{ Params: Params }>(path('/cases/:id/export-with-contact'), withContact, async (request, reply) => {
    try {
      return sendBundle(reply, await services.cases.exportBundle(staffOf(request), request.params.id, { withContact: true }));
    } catch (error) {
      if (!explained(error)) throw error;
      return renderRecord(request, reply, error);
    }
  });

  app.post<{ Params: Params }>(
    path('/cases/:id/contact-requests'),
    work,
    recordChange((request, f) => services.cases.requestContact(staffOf(request), request.params.id, single(f.purpose) ?? '')),
  );

  app.post<{ Params: Params }>(
    path('/cases/:id/contact-requests/decide'),
    supervise,
    recordChange(async (request, f) => {
      const requestId = wholeNumber(single(f.requestId), 'bigint');
      if (requestId === undefined) throw new HifazatError('not_found', 'No such request.');
      return services.cases.decideContact(staffOf(request), request.params.id, requestId, single(f.decision) ?? '');
    }),
  );

  const renderChecklist = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    refused?: { error: HifazatError; item: string; done: boolean; note: string | undefined },
  ) => {
    const actor = staffOf(request);
    const checklist = await services.cases.courtChecklist(actor, request.params.id);
    const page = courtChecklistPage(ctx(request, reply, `/cases/${checklist.caseId}/court-checklist`), {
      caseId: checklist.caseId,
      reference: checklist.reference,
      items: checklist.items,
      staff: await services.staff.list(),
      canWork: may(actor, 'workCases') && checklist.state !== 'closed',
      refused: refused && { item: refused.item, issues: refused.error.issues, done: refused.done, note: refused.note },
    });
    return sendPage(reply, page, refused?.error);
  };

  app.get<{ Params: Params }>(path('/cases/:id/court-checklist'), read, (request, reply) => renderChecklist(request, reply));

  app.post<{ Params: Params }>(path('/cases/:id/court-checklist'), work, async (request, reply) => {
    const f = fieldsOf(request);
    const item = single(f.item) ?? '';
    const doneField = single(f.done);
    const done = doneField === undefined ? false : doneField === 'yes' ? true : doneField;
    const note = single(f.note);
    try {
      await services.cases.recordChecklistItem(staffOf(request), request.params.id, {
        item: item as never,
        done: done as boolean,
        ...(note === undefined || note === '' ? {} : { note }),
      });
    } catch (error) {
      if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
      return renderChecklist(request, reply, { error, item, done: done === true, note });
    }
    return reply.redirect(casePath(request, '/court-checklist'), 303);
  });
}
