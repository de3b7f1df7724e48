import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HifazatError } from '../../domain/errors.ts';
import { mutableNotificationKinds } from '../../domain/notifications.ts';
import type { Language } from '../../domain/report.ts';
import { wholeNumber } from '../../domain/whole-number.ts';
import type { Services } from '../../services/index.ts';
import { sendPage } from '../errors.ts';
import { list, single, type FormBody } from '../form-input.ts';
import { consolePath, type ConsoleContext } from '../views/console/layout.ts';
import { ownNotificationsPage, rotaPage, type RotaPageState } from '../views/console/notification-pages.ts';

/**
 * Notifications in the console: each person's own list and the non-urgent kinds they mute
 * (staff who work cases), and the on-duty rota (supervisors). Registered inside the console
 * plugin, so sessions, roles and CSRF are checked as for every console route.
 */
export function registerNotificationRoutes(
  app: FastifyInstance,
  services: Services,
  lang: Language,
  ctx: (request: FastifyRequest, reply: FastifyReply, page: string) => ConsoleContext,
): void {
  const path = (page: string) => `/console/${lang}${page}`;
  const staffOf = (request: FastifyRequest) => request.staffSession!.staff;
  const formOf = (request: FastifyRequest) => (request.body ?? {}) as FormBody;
  const work = { config: { consoleAccess: 'workCases' as const } };
  const supervise = { config: { consoleAccess: 'superviseCases' as const } };

  app.get<{ Querystring: { saved?: string } }>(path('/notifications'), work, async (request, reply) => {
    const own = await services.notifications.own(staffOf(request));
    return sendPage(reply, ownNotificationsPage(ctx(request, reply, '/notifications'), { ...own, saved: request.query.saved === '1' }));
  });

  app.post(path('/notifications/mutes'), { config: { ...work.config, consoleFormLists: ['muted'] } }, async (request, reply) => {
    const chosen = list(formOf(request).muted);
    const actor = staffOf(request);
    try {
      const refused = chosen.find((kind) => !(mutableNotificationKinds as readonly string[]).includes(kind));
      if (refused !== undefined) await services.notifications.setMute(actor, refused, true);
      for (const kind of mutableNotificationKinds) await services.notifications.setMute(actor, kind, chosen.includes(kind));
    } catch (error) {
      if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
      const own = await services.notifications.own(actor);
      return sendPage(reply, ownNotificationsPage(ctx(request, reply, '/notifications'), { ...own, issues: error.issues }), error);
    }
    return reply.redirect(consolePath(lang, '/notifications?saved=1'), 303);
  });

  app.post(path('/notifications/language'), work, async (request, reply) => {
    const actor = staffOf(request);
    try {
      await services.notifications.setLanguage(actor, single(formOf(request).language) ?? '');
    } catch (error) {
      if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
      const own = await services.notifications.own(actor);
      return sendPage(reply, ownNotificationsPage(ctx(request, reply, '/notifications'), { ...own, issues: error.issues }), error);
    }
    return reply.redirect(consolePath(lang, '/notifications?saved=1'), 303);
  });

  const renderRota = async (request: FastifyRequest, reply: FastifyReply, state: Omit<RotaPageState, 'rota'>, refusal?: HifazatError) =>
    sendPage(
      reply,
      rotaPage(ctx(request, reply, '/rota'), { rota: await services.notifications.rota(staffOf(request)), ...state }),
      refusal,
    );

  app.get<{ Querystring: { done?: string } }>(path('/rota'), supervise, async (request, reply) => {
    const done = request.query.done === 'added' || request.query.done === 'removed' ? request.query.done : undefined;
    return renderRota(request, reply, { done });
  });

  app.post(path('/rota'), { config: { ...supervise.config, consoleFormLists: ['weekdays'] } }, async (request, reply) => {
    const form = formOf(request);
    const values = {
      staffId: single(form.staffId) ?? '',
      weekdays: list(form.weekdays),
      start: single(form.start) ?? '',
      end: single(form.end) ?? '',
    };
    try {
      await services.notifications.addShifts(staffOf(request), values);
    } catch (error) {
      if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
      return renderRota(request, reply, { values, issues: error.issues }, error);
    }
    return reply.redirect(consolePath(lang, '/rota?done=added'), 303);
  });

  app.post(path('/rota/remove'), supervise, async (request, reply) => {
    // A shift's id is a bigint; anything else names no shift.
    const id = wholeNumber(single(formOf(request).shift) ?? '', 'bigint');
    if (id === undefined) throw new HifazatError('not_found', 'No such shift.');
    await services.notifications.removeShift(staffOf(request), id);
    return reply.redirect(consolePath(lang, '/rota?done=removed'), 303);
  });
}
