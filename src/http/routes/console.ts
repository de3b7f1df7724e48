import type { FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import fastifyMultipart from '@fastify/multipart';
import { mediaLimits } from '../../domain/media.ts';
import { HifazatError } from '../../domain/errors.ts';
import { languages, type Language } from '../../domain/report.ts';
import { can, sessionAbsoluteHours, type Permission, type StaffRole } from '../../domain/staff.ts';
import type { Services } from '../../services/index.ts';
import type { Session } from '../../services/staff.ts';
import type { HttpOptions } from '../app.ts';
import { consoleMessages } from '../i18n/console.ts';
import { messages, negotiateLanguage } from '../i18n/index.ts';
import type { Html } from '../views/html.ts';
import { enrolDonePage, enrolPage, messagePage, settingsPage, signInPage, staffPage } from '../views/console/account-pages.ts';
import { auditPage } from '../views/console/audit-page.ts';
import { consolePath, homePage, type ConsoleContext } from '../views/console/layout.ts';
import { registerCaseRoutes } from './console-cases.ts';
import { registerStatisticsRoutes } from './console-statistics.ts';

/**
 * Every console route names what it needs: 'public' (sign-in, enrolment) or a permission.
 * A route without one is refused at start-up, so no route can forget its check.
 */
export type ConsoleAccess = 'public' | 'signed_in' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    consoleAccess?: ConsoleAccess;
  }
  interface FastifyRequest {
    staffSession?: Session;
  }
}

export const sessionCookie = 'hz_session';

export function consoleRoutes(services: Services, options: HttpOptions): FastifyPluginAsync {
  // Console cookies are sent only to /console: public pages never see them.
  const cookieBase = { path: '/console', httpOnly: true, sameSite: 'strict' as const, secure: options.https };

  return async (app) => {
    await app.register(fastifyCookie);
    await app.register(csrfProtection, { cookieOpts: cookieBase, cookieKey: 'hz_csrf' });

    app.addHook('onRoute', (route: RouteOptions) => {
      if (!route.config?.consoleAccess) throw new Error(`Console route ${route.method} ${route.url} declares no access rule`);
    });

    app.addHook('preHandler', async (request) => {
      request.staffSession = await services.staff.session(request.cookies[sessionCookie]);
      const access = request.routeOptions.config.consoleAccess!;
      if (access === 'public') return;
      if (!request.staffSession) throw new HifazatError('unauthenticated', 'Sign in first.');
      if (access !== 'signed_in' && !can(request.staffSession.staff.role, access)) {
        throw new HifazatError('forbidden', 'Your role does not allow this.');
      }
    });

    // The one file upload (a CSV of newspaper reports). Its fields are in the body before the
    // CSRF check below, which must therefore be added after this plugin.
    await app.register(fastifyMultipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fileSize: mediaLimits.maxBytes, files: 1, fields: 5, parts: 6 },
      throwFileSizeLimit: true,
    });

    // Forms are checked once their body is parsed (CSRF token in the body).
    app.addHook('preValidation', (request, reply, done) => {
      if (request.method === 'GET' || request.method === 'HEAD') return done();
      app.csrfProtection(request, reply, done);
    });

    app.get('/console', { config: { consoleAccess: 'public' } }, async (request, reply) =>
      reply.redirect(consolePath(negotiateLanguage(request.headers['accept-language'])), 302),
    );

    for (const lang of languages) {
      const ctx = (request: FastifyRequest, reply: FastifyReply, page: string): ConsoleContext => ({
        lang,
        t: messages[lang],
        c: consoleMessages[lang],
        page,
        staff: request.staffSession?.staff,
        csrf: reply.generateCsrf(),
      });
      const send = (reply: FastifyReply, page: Html, status = 200) =>
        reply.code(status).type('text/html; charset=utf-8').send(page.toString());
      const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, string | undefined>;
      const c = consoleMessages[lang];

      registerCaseRoutes(app, services, lang, ctx);
      registerStatisticsRoutes(app, services, lang, ctx);

      app.get(`/console/${lang}/sign-in`, { config: { consoleAccess: 'public' } }, async (request, reply) =>
        send(reply, signInPage(ctx(request, reply, '/sign-in'))),
      );

      app.post(`/console/${lang}/sign-in`, { config: { consoleAccess: 'public' } }, async (request, reply) => {
        const { email = '', password = '', code = '' } = body(request);
        try {
          const { token, staff } = await services.staff.signIn({ email, password, code });
          reply.setCookie(sessionCookie, token, { ...cookieBase, maxAge: sessionAbsoluteHours * 3600 });
          return reply.redirect(consolePath(lang, homePage(staff)), 303);
        } catch (error) {
          if (!(error instanceof HifazatError)) throw error;
          if (error.code === 'too_many_attempts') {
            reply.header('Retry-After', String(error.retryAfter ?? 60));
            return send(reply, signInPage(ctx(request, reply, '/sign-in'), { email, message: c.signIn.wait(error.retryAfter ?? 60) }), 429);
          }
          if (error.code === 'sign_in_failed') {
            return send(reply, signInPage(ctx(request, reply, '/sign-in'), { email, message: c.signIn.failed }), 401);
          }
          throw error;
        }
      });

      app.post(`/console/${lang}/sign-out`, { config: { consoleAccess: 'signed_in' } }, async (request, reply) => {
        await services.staff.signOut(request.staffSession!);
        reply.clearCookie(sessionCookie, { path: '/console' });
        return reply.redirect(consolePath(lang, '/sign-in'), 303);
      });

      app.post(`/console/${lang}/sign-out-everywhere`, { config: { consoleAccess: 'signed_in' } }, async (request, reply) => {
        await services.staff.signOutEverywhere(request.staffSession!);
        reply.clearCookie(sessionCookie, { path: '/console' });
        return reply.redirect(consolePath(lang, '/sign-in'), 303);
      });

      app.get<{ Params: { token: string } }>(`/console/${lang}/enrol/:token`, { config: { consoleAccess: 'public' } }, async (request, reply) => {
        const page = `/enrol/${request.params.token}`;
        try {
          const started = await services.staff.beginEnrolment(request.params.token);
          return send(reply, enrolPage(ctx(request, reply, page), { token: request.params.token, ...started }));
        } catch (error) {
          if (error instanceof HifazatError && error.code === 'not_found') {
            return send(reply, messagePage(ctx(request, reply, page), c.enrol.title, c.enrol.invalidLink), 404);
          }
          throw error;
        }
      });

      app.post<{ Params: { token: string } }>(`/console/${lang}/enrol/:token`, { config: { consoleAccess: 'public' } }, async (request, reply) => {
        const { token } = request.params;
        const page = `/enrol/${token}`;
        const { password = '', passwordAgain = '', code = '' } = body(request);
        try {
          if (password !== passwordAgain) {
            throw new HifazatError('validation_failed', 'Passwords differ.', { issues: [{ field: 'passwordAgain', problem: 'passwords_differ' }] });
          }
          const { recoveryCodes } = await services.staff.completeEnrolment(token, password, code);
          return send(reply, enrolDonePage(ctx(request, reply, '/sign-in'), recoveryCodes));
        } catch (error) {
          if (!(error instanceof HifazatError)) throw error;
          if (error.code === 'not_found') {
            return send(reply, messagePage(ctx(request, reply, page), c.enrol.title, c.enrol.invalidLink), 404);
          }
          if (error.code !== 'validation_failed') throw error;
          const started = await services.staff.beginEnrolment(token);
          return send(reply, enrolPage(ctx(request, reply, page), { token, ...started, issues: error.issues }), 400);
        }
      });

      app.get(`/console/${lang}/staff`, { config: { consoleAccess: 'administer' } }, async (request, reply) =>
        send(reply, staffPage(ctx(request, reply, '/staff'), { staff: await services.staff.list() })),
      );

      app.post(`/console/${lang}/staff`, { config: { consoleAccess: 'administer' } }, async (request, reply) => {
        const values = body(request);
        const actor = request.staffSession!.staff;
        try {
          const { enrolmentToken } = await services.staff.invite(
            { id: actor.id, label: actor.email },
            { email: values.email ?? '', displayName: values.displayName ?? '', role: (values.role ?? '') as StaffRole },
          );
          const link = `${request.protocol}://${request.host}${consolePath(lang, `/enrol/${enrolmentToken}`)}`;
          return send(reply, staffPage(ctx(request, reply, '/staff'), { staff: await services.staff.list(), enrolmentLink: link }));
        } catch (error) {
          if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
          const page = staffPage(ctx(request, reply, '/staff'), {
            staff: await services.staff.list(),
            issues: error.issues,
            values: values as Record<string, string>,
          });
          return send(reply, page, 400);
        }
      });

      app.get<{ Querystring: { saved?: string } }>(`/console/${lang}/settings`, { config: { consoleAccess: 'administer' } }, async (request, reply) =>
        send(reply, settingsPage(ctx(request, reply, '/settings'), { retentionDays: String(await services.settings.retentionDays()), saved: request.query.saved === '1' })),
      );

      app.post(`/console/${lang}/settings`, { config: { consoleAccess: 'administer' } }, async (request, reply) => {
        const typed = body(request).retentionDays ?? '';
        try {
          await services.settings.setRetentionDays(request.staffSession!.staff, /^\d{1,5}$/.test(typed) ? Number(typed) : Number.NaN);
        } catch (error) {
          if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
          return send(reply, settingsPage(ctx(request, reply, '/settings'), { retentionDays: typed, issues: error.issues }), 400);
        }
        return reply.redirect(consolePath(lang, '/settings?saved=1'), 303);
      });

      app.get<{ Querystring: { before?: string } }>(`/console/${lang}/audit`, { config: { consoleAccess: 'readAudit' } }, async (request, reply) => {
        const before = Number.parseInt(request.query.before ?? '', 10);
        const entries = await services.audit.list({ limit: 100, ...(Number.isFinite(before) ? { before } : {}) });
        const verified = await services.audit.verify();
        return send(reply, auditPage(ctx(request, reply, '/audit'), { entries, verified }));
      });
    }
  };
}
