import type { FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import fastifyMultipart from '@fastify/multipart';
import { may } from '../../domain/actor.ts';
import { mediaLimits } from '../../domain/media.ts';
import { HifazatError, type FieldIssue } from '../../domain/errors.ts';
import { languages } from '../../domain/report.ts';
import { wholeNumber } from '../../domain/whole-number.ts';
import { sessionAbsoluteHours, type Permission, type StaffRole } from '../../domain/staff.ts';
import type { Services } from '../../services/index.ts';
import type { Session } from '../../services/staff.ts';
import type { HttpOptions } from '../app.ts';
import { clientLimit, clientOf } from '../client.ts';
import { sendPage } from '../errors.ts';
import { consoleMessages } from '../i18n/console.ts';
import { messages, negotiateLanguage } from '../i18n/index.ts';
import { enrolDonePage, enrolPage, messagePage, settingsPage, signInPage, staffPage } from '../views/console/account-pages.ts';
import { auditPage } from '../views/console/audit-page.ts';
import { ownAccountPage, reauthenticatePage, staffAccountPage, type StaffAccountPageState } from '../views/console/staff-pages.ts';
import { consolePath, homePage, type ConsoleContext } from '../views/console/layout.ts';
import { registerCaseRoutes } from './console-cases.ts';
import { registerHandoverRoutes } from './console-handover.ts';
import { registerDashboardRoutes } from './console-dashboard.ts';
import { registerStatisticsRoutes } from './console-statistics.ts';
import { registerNotificationRoutes } from './console-notifications.ts';

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

/**
 * The console's two cookies. Over HTTPS they are `__Host-` cookies: Secure, Path=/ and no Domain,
 * so no other site or subdomain can set or replace them (public pages receive them and never read
 * them; ADR 0006). Over plain HTTP, for local use, they keep Path=/console (ADR 0002).
 */
export function consoleCookies(https: boolean) {
  const base = { httpOnly: true, sameSite: 'strict' as const };
  return https
    ? { session: '__Host-hz_session', csrf: '__Host-hz_csrf', options: { ...base, path: '/', secure: true } }
    : { session: 'hz_session', csrf: 'hz_csrf', options: { ...base, path: '/console', secure: false } };
}

/**
 * Whether a state-changing request comes from the console's own pages as far as the browser
 * says: Sec-Fetch-Site, when sent, must be same-origin (or none: typed by the user), and Origin,
 * when sent, must be the public URL's origin. A client that sends neither (an old browser, a
 * script) is left to the CSRF token.
 */
export function fromOwnPages(headers: FastifyRequest['headers'], publicOrigin: string): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = headers.origin;
  return origin === undefined || origin === publicOrigin;
}

export function consoleRoutes(services: Services, options: HttpOptions): FastifyPluginAsync {
  const cookies = consoleCookies(options.https);
  const publicOrigin = new URL(options.publicUrl).origin;
  /**
   * What a form's CSRF token is bound to: the session it was issued in, through that session's
   * own token (256 random bits, held only in the browser's HttpOnly cookie; the database has its
   * SHA-256), or "no session" for sign-in and enrolment. So a token issued to one session, or
   * before sign-in, is refused in another session, even alongside a CSRF cookie someone planted.
   */
  const csrfBinding = (request: FastifyRequest) => (request.staffSession ? `session:${request.cookies[cookies.session]}` : 'no-session');

  return async (app) => {
    await app.register(fastifyCookie);
    await app.register(csrfProtection, {
      cookieOpts: cookies.options,
      cookieKey: cookies.csrf,
      getUserInfo: csrfBinding,
      // The library hashes the binding with this key. It need not be secret (and so is the same
      // in every process): what cannot be forged is the session token inside the binding.
      csrfOpts: { hmacKey: 'hifazat/console-csrf/v1' },
    });

    app.addHook('onRoute', (route: RouteOptions) => {
      if (!route.config?.consoleAccess) throw new Error(`Console route ${route.method} ${route.url} declares no access rule`);
    });

    // Before the body is read: a form posted from another site is refused, then who is asking
    // and whether they may (the session is also what the CSRF token below is bound to).
    app.addHook('onRequest', async (request, reply) => {
      // Console pages send a referrer to their own origin only (public pages: none at all). With
      // 'no-referrer' a browser sends `Origin: null` even on a form posted to the same origin.
      reply.header('referrer-policy', 'same-origin');
      if (request.method !== 'GET' && request.method !== 'HEAD' && !fromOwnPages(request.headers, publicOrigin)) {
        throw new HifazatError('csrf_invalid', 'The form was not sent from the console.');
      }
      request.staffSession = await services.staff.session(request.cookies[cookies.session]);
      const access = request.routeOptions.config.consoleAccess!;
      if (access === 'public') return;
      if (!request.staffSession) throw new HifazatError('unauthenticated', 'Sign in first.');
      if (access !== 'signed_in' && !may(request.staffSession.staff, access)) {
        throw new HifazatError('forbidden', 'Your role does not allow this.');
      }
    });

    // The one file upload (a CSV of newspaper reports) is multipart/form-data. Its parts are read
    // into the body here, before the CSRF check below (the token is one of them), so that hook
    // must stay after these two.
    await app.register(fastifyMultipart, {
      limits: { fileSize: mediaLimits.maxBytes, files: 1, fields: 5, parts: 6 },
      throwFileSizeLimit: true,
    });
    app.addHook('preValidation', async (request) => {
      if (request.isMultipart()) request.body = await readMultipartForm(request);
    });
    // Before anything reads a form: every field is one string (without U+0000), unless the route
    // declares it a list (consoleFormLists) or a file (consoleFormFiles), and so is every query parameter.
    // Anything else (a name repeated, a JSON array or object, a file where text belongs) is a 400
    // here, before a handler or service could trip over it.
    app.addHook('preValidation', async (request) => {
      const { consoleFormLists = [], consoleFormFiles = [] } = request.routeOptions.config;
      if (!isConsoleForm(request.query, [], [])) throw new HifazatError('malformed_body', 'Each query parameter is sent once.');
      if (request.body === undefined || request.body === null) return;
      if (!isConsoleForm(request.body, consoleFormLists, consoleFormFiles)) {
        throw new HifazatError('malformed_body', 'Each form field is sent once, as text.');
      }
    });

    // Forms are checked once their body is parsed (CSRF token in the body, bound to the session).
    app.addHook('preValidation', (request, reply, done) => {
      if (request.method === 'GET' || request.method === 'HEAD') return done();
      app.csrfProtection(request, reply, done);
    });

    app.get('/console', { config: { consoleAccess: 'public' } }, async (request, reply) =>
      reply.redirect(consolePath(negotiateLanguage(request.headers['accept-language'])), 302),
    );

    // Each enrolment hashes a password (argon2id, 64 MiB); each audit page view checks the chain: counted per client.
    const enrolmentLimit = clientLimit(services, services.throttleRules.enrolment);
    const auditPageLimit = clientLimit(services, services.throttleRules.auditPage);

    for (const lang of languages) {
      const ctx = (request: FastifyRequest, reply: FastifyReply, page: string): ConsoleContext => ({
        lang,
        t: messages[lang],
        c: consoleMessages[lang],
        page,
        staff: request.staffSession?.staff,
        csrf: reply.generateCsrf({ userInfo: csrfBinding(request) }),
      });
      const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, string | undefined>;
      const c = consoleMessages[lang];

      /**
       * Before the most sensitive actions (a reporter's contact details, a live link, publishing
       * statistics): unless the session re-authenticated in the last few minutes, the action's page
       * asks for the password and a code, posted back to the action with its own fields; once they
       * are right the action goes ahead in that same request.
       */
      const recentlyReauthenticated = async (request: FastifyRequest, reply: FastifyReply) => {
        const session = request.staffSession!;
        if (services.staff.recentlyReauthenticated(session)) return;
        const { _csrf, reauthPassword, reauthCode, ...rest } = body(request);
        const carried = Object.fromEntries(Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined));
        const action = request.url.split('?')[0]!;
        // Back to the page the action was on: the report, or the statistics.
        const page = action.replace(/^\/console\/(en|ur)/, '').replace(/\/[^/]*$/, '') || '/';
        let refusal: HifazatError | undefined;
        if (reauthPassword !== undefined || reauthCode !== undefined) {
          try {
            await services.staff.reauthenticate(session, { password: reauthPassword ?? '', code: reauthCode ?? '' }, clientOf(request));
            request.body = carried;
            return;
          } catch (error) {
            if (!(error instanceof HifazatError) || (error.code !== 'validation_failed' && error.code !== 'too_many_attempts')) throw error;
            refusal = error;
          }
        }
        const form = reauthenticatePage(ctx(request, reply, page), {
          action,
          fields: carried,
          back: consolePath(lang, page),
          message: refusal?.code === 'too_many_attempts' ? c.signIn.wait(refusal.retryAfter ?? 60) : undefined,
          issues: refusal?.issues,
        });
        return sendPage(reply, form, refusal);
      };

      registerCaseRoutes(app, services, lang, ctx, recentlyReauthenticated);
      registerHandoverRoutes(app, services, lang, ctx, recentlyReauthenticated);
      registerStatisticsRoutes(app, services, lang, ctx, recentlyReauthenticated);
      registerNotificationRoutes(app, services, lang, ctx);
      registerDashboardRoutes(app, services, lang, ctx);

      app.get(`/console/${lang}/sign-in`, { config: { consoleAccess: 'public' } }, async (request, reply) =>
        sendPage(reply, signInPage(ctx(request, reply, '/sign-in'))),
      );

      app.post(`/console/${lang}/sign-in`, { config: { consoleAccess: 'public' } }, async (request, reply) => {
        const { email = '', password = '', code = '' } = body(request);
        try {
          const { token, staff } = await services.staff.signIn({ email, password, code }, clientOf(request));
          reply.setCookie(cookies.session, token, { ...cookies.options, maxAge: sessionAbsoluteHours * 3600 });
          return reply.redirect(consolePath(lang, homePage(staff)), 303);
        } catch (error) {
          if (!(error instanceof HifazatError)) throw error;
          if (error.code === 'too_many_attempts') {
            return sendPage(
              reply,
              signInPage(ctx(request, reply, '/sign-in'), { email, message: c.signIn.wait(error.retryAfter ?? 60) }),
              error,
            );
          }
          if (error.code === 'sign_in_failed') {
            return sendPage(reply, signInPage(ctx(request, reply, '/sign-in'), { email, message: c.signIn.failed }), error);
          }
          throw error;
        }
      });

      app.post(`/console/${lang}/sign-out`, { config: { consoleAccess: 'signed_in' } }, async (request, reply) => {
        await services.staff.signOut(request.staffSession!);
        reply.clearCookie(cookies.session, cookies.options);
        return reply.redirect(consolePath(lang, '/sign-in'), 303);
      });

      app.post(`/console/${lang}/sign-out-everywhere`, { config: { consoleAccess: 'signed_in' } }, async (request, reply) => {
        await services.staff.signOutEverywhere(request.staffSession!);
        reply.clearCookie(cookies.session, cookies.options);
        return reply.redirect(consolePath(lang, '/sign-in'), 303);
      });

      app.get<{ Params: { token: string } }>(
        `/console/${lang}/enrol/:token`,
        { config: { consoleAccess: 'public' } },
        async (request, reply) => {
          const page = `/enrol/${request.params.token}`;
          try {
            const started = await services.staff.beginEnrolment(request.params.token);
            return sendPage(reply, enrolPage(ctx(request, reply, page), { token: request.params.token, ...started }));
          } catch (error) {
            if (error instanceof HifazatError && error.code === 'not_found') {
              return sendPage(reply, messagePage(ctx(request, reply, page), c.enrol.title, c.enrol.invalidLink), error);
            }
            throw error;
          }
        },
      );

      app.post<{ Params: { token: string } }>(
        `/console/${lang}/enrol/:token`,
        { config: { consoleAccess: 'public' }, preHandler: enrolmentLimit },
        async (request, reply) => {
          const { token } = request.params;
          const page = `/enrol/${token}`;
          const { password = '', passwordAgain = '', code = '' } = body(request);
          try {
            if (password !== passwordAgain) {
              throw new HifazatError('validation_failed', 'Passwords differ.', {
                issues: [{ field: 'passwordAgain', problem: 'passwords_differ' }],
              });
            }
            const { recoveryCodes } = await services.staff.completeEnrolment(token, password, code);
            return sendPage(reply, enrolDonePage(ctx(request, reply, '/sign-in'), recoveryCodes));
          } catch (error) {
            if (!(error instanceof HifazatError)) throw error;
            if (error.code === 'not_found') {
              return sendPage(reply, messagePage(ctx(request, reply, page), c.enrol.title, c.enrol.invalidLink), error);
            }
            if (error.code !== 'validation_failed') throw error;
            const started = await services.staff.beginEnrolment(token);
            return sendPage(reply, enrolPage(ctx(request, reply, page), { token, ...started, issues: error.issues }), error);
          }
        },
      );

      app.get(`/console/${lang}/staff`, { config: { consoleAccess: 'administer' } }, async (request, reply) =>
        sendPage(reply, staffPage(ctx(request, reply, '/staff'), { staff: await services.staff.list() })),
      );

      app.post(`/console/${lang}/staff`, { config: { consoleAccess: 'administer' } }, async (request, reply) => {
        const values = body(request);
        const actor = request.staffSession!.staff;
        try {
          const { enrolmentToken } = await services.staff.invite(actor, {
            email: values.email ?? '',
            displayName: values.displayName ?? '',
            role: (values.role ?? '') as StaffRole,
          });
          // From the configured address, never from the request's Host header.
          const link = `${options.publicUrl}${consolePath(lang, `/enrol/${enrolmentToken}`)}`;
          return sendPage(reply, staffPage(ctx(request, reply, '/staff'), { staff: await services.staff.list(), enrolmentLink: link }));
        } catch (error) {
          if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
          const page = staffPage(ctx(request, reply, '/staff'), {
            staff: await services.staff.list(),
            issues: error.issues,
            values: values as Record<string, string>,
          });
          return sendPage(reply, page, error);
        }
      });

      type AccountRequest = FastifyRequest<{ Params: { id: string }; Querystring: { done?: string; n?: string } }>;
      /** How many sessions a done-notice names (from its own redirect). */
      const countIn = (query: { n?: string }) => wholeNumber(query.n, 'integer') ?? 0;
      const renderAccount = async (
        request: AccountRequest,
        reply: FastifyReply,
        extra: Partial<StaffAccountPageState>,
        refusal?: HifazatError,
      ) => {
        const actor = request.staffSession!.staff;
        const account = await services.staffAdministration.account(actor, request.params.id);
        const sessions = await services.staffAdministration.sessionsOf(actor, account.id);
        return sendPage(reply, staffAccountPage(ctx(request, reply, `/staff/${account.id}`), { account, sessions, ...extra }), refusal);
      };
      /** A destructive form's box must be ticked. */
      const confirmed = (request: FastifyRequest) => {
        if (body(request).confirm !== 'yes') {
          throw new HifazatError('validation_failed', 'Tick the box to confirm.', {
            issues: [{ field: 'confirm', problem: 'confirm_required' }],
          });
        }
      };
      /** Runs an administrator's change to an account; a refusal is shown on the account's page, in its language. */
      const accountChange =
        (form: string, work: (request: AccountRequest) => Promise<number | void>) =>
        async (request: AccountRequest, reply: FastifyReply) => {
          let count: number | void;
          try {
            count = await work(request);
          } catch (error) {
            if (!(error instanceof HifazatError) || !['validation_failed', 'invalid_state'].includes(error.code) || !error.issues.length)
              throw error;
            return renderAccount(request, reply, { issues: error.issues, issuesFor: form }, error);
          }
          const query = new URLSearchParams({ done: form, ...(typeof count === 'number' ? { n: String(count) } : {}) });
          return reply.redirect(consolePath(lang, `/staff/${encodeURIComponent(request.params.id)}?${query}`), 303);
        };
      const administer = { config: { consoleAccess: 'administer' as const } };
      const doneText = (done: string | undefined, n: number): string | undefined =>
        ({
          role: c.staffAccount.roleChanged,
          disable: c.staffAccount.disabled,
          enable: c.staffAccount.enabled,
          cancel: c.staffAccount.cancelled,
          'sessions/end': c.staffAccount.sessionEnded,
          'sessions/end-all': c.staffAccount.sessionsEnded(n),
        })[done ?? ''];

      app.get(`/console/${lang}/staff/:id`, administer, async (request: AccountRequest, reply) =>
        renderAccount(request, reply, { done: doneText(request.query.done, countIn(request.query)) }),
      );
      const actorOf = (request: FastifyRequest) => request.staffSession!.staff;
      app.post(
        `/console/${lang}/staff/:id/role`,
        administer,
        accountChange('role', async (request) => {
          await services.staffAdministration.changeRole(actorOf(request), request.params.id, body(request).role ?? '');
        }),
      );
      app.post(
        `/console/${lang}/staff/:id/disable`,
        administer,
        accountChange('disable', async (request) => {
          confirmed(request);
          await services.staffAdministration.disable(actorOf(request), request.params.id);
        }),
      );
      app.post(
        `/console/${lang}/staff/:id/enable`,
        administer,
        accountChange('enable', async (request) => {
          await services.staffAdministration.enable(actorOf(request), request.params.id);
        }),
      );
      app.post(
        `/console/${lang}/staff/:id/cancel`,
        administer,
        accountChange('cancel', async (request) => {
          confirmed(request);
          await services.staffAdministration.cancelInvitation(actorOf(request), request.params.id);
        }),
      );
      app.post(
        `/console/${lang}/staff/:id/sessions/end`,
        administer,
        accountChange('sessions/end', async (request) => {
          await services.staffAdministration.revokeSession(actorOf(request), request.params.id, body(request).session ?? '');
        }),
      );
      app.post(
        `/console/${lang}/staff/:id/sessions/end-all`,
        administer,
        accountChange('sessions/end-all', (request) => services.staffAdministration.revokeSessions(actorOf(request), request.params.id)),
      );
      // The reset's link is shown on the page it answers, once: never in a redirect or a URL.
      app.post(`/console/${lang}/staff/:id/reset`, administer, async (request: AccountRequest, reply) => {
        let enrolmentToken: string;
        try {
          confirmed(request);
          ({ enrolmentToken } = await services.staffAdministration.reset(actorOf(request), request.params.id));
        } catch (error) {
          if (!(error instanceof HifazatError) || !['validation_failed', 'invalid_state'].includes(error.code) || !error.issues.length)
            throw error;
          return renderAccount(request, reply, { issues: error.issues, issuesFor: 'reset' }, error);
        }
        // From the configured address, never from the request's Host header.
        return renderAccount(request, reply, { enrolmentLink: `${options.publicUrl}${consolePath(lang, `/enrol/${enrolmentToken}`)}` });
      });

      // Everyone's own account: their password and their sessions.
      const signedIn = { config: { consoleAccess: 'signed_in' as const } };
      const renderOwn = async (
        request: FastifyRequest,
        reply: FastifyReply,
        extra: { done?: string; issues?: readonly FieldIssue[] },
        refusal?: HifazatError,
      ) =>
        sendPage(
          reply,
          ownAccountPage(ctx(request, reply, '/account'), { sessions: await services.staff.ownSessions(request.staffSession!), ...extra }),
          refusal,
        );
      app.get<{ Querystring: { done?: string; n?: string } }>(`/console/${lang}/account`, signedIn, async (request, reply) => {
        const done = {
          password: c.account.passwordChanged,
          session: c.account.sessionEnded,
          others: c.account.othersEnded(countIn(request.query)),
        }[request.query.done ?? ''];
        return renderOwn(request, reply, done ? { done } : {});
      });
      app.post(`/console/${lang}/account/password`, signedIn, async (request, reply) => {
        const { currentPassword = '', newPassword = '', newPasswordAgain = '' } = body(request);
        try {
          if (newPassword !== newPasswordAgain) {
            throw new HifazatError('validation_failed', 'Passwords differ.', {
              issues: [{ field: 'newPasswordAgain', problem: 'passwords_differ' }],
            });
          }
          await services.staff.changePassword(request.staffSession!, { currentPassword, newPassword }, clientOf(request));
        } catch (error) {
          if (!(error instanceof HifazatError)) throw error;
          if (error.code === 'too_many_attempts') {
            return renderOwn(request, reply, { issues: [{ field: 'currentPassword', problem: 'too_many_attempts' }] }, error);
          }
          if (error.code !== 'validation_failed') throw error;
          return renderOwn(request, reply, { issues: error.issues }, error);
        }
        return reply.redirect(consolePath(lang, '/account?done=password'), 303);
      });
      app.post(`/console/${lang}/account/sessions/end`, signedIn, async (request, reply) => {
        const wasThisOne = await services.staff.endOwnSession(request.staffSession!, body(request).session ?? '');
        if (!wasThisOne) return reply.redirect(consolePath(lang, '/account?done=session'), 303);
        reply.clearCookie(cookies.session, cookies.options);
        return reply.redirect(consolePath(lang, '/sign-in'), 303);
      });
      app.post(`/console/${lang}/account/sessions/end-others`, signedIn, async (request, reply) => {
        const ended = await services.staff.endOtherSessions(request.staffSession!);
        return reply.redirect(consolePath(lang, `/account?done=others&n=${ended}`), 303);
      });

      app.get<{ Querystring: { saved?: string } }>(
        `/console/${lang}/settings`,
        { config: { consoleAccess: 'administer' } },
        async (request, reply) =>
          sendPage(
            reply,
            settingsPage(ctx(request, reply, '/settings'), {
              retentionDays: String(await services.settings.retentionDays()),
              saved: request.query.saved === '1',
            }),
          ),
      );

      app.post(`/console/${lang}/settings`, { config: { consoleAccess: 'administer' } }, async (request, reply) => {
        const typed = body(request).retentionDays ?? '';
        try {
          await services.settings.setRetentionDays(request.staffSession!.staff, /^\d{1,5}$/.test(typed) ? Number(typed) : Number.NaN);
        } catch (error) {
          if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
          return sendPage(reply, settingsPage(ctx(request, reply, '/settings'), { retentionDays: typed, issues: error.issues }), error);
        }
        return reply.redirect(consolePath(lang, '/settings?saved=1'), 303);
      });

      app.get<{ Querystring: { before?: string } }>(
        `/console/${lang}/audit`,
        { config: { consoleAccess: 'readAudit' }, preHandler: auditPageLimit },
        async (request, reply) => {
          // The page's "older" link names an entry's seq (a bigint); anything else is refused, never sent to the database.
          const before = request.query.before === undefined ? undefined : wholeNumber(request.query.before, 'bigint');
          if (request.query.before !== undefined && before === undefined) {
            throw new HifazatError('validation_failed', 'Not an entry number.', { issues: [{ field: 'before', problem: 'invalid' }] });
          }
          const entries = await services.audit.list({ limit: 100, ...(before === undefined ? {} : { before }) });
          const verified = await services.audit.verifyForView();
          return sendPage(reply, auditPage(ctx(request, reply, '/audit'), { entries, verified }));
        },
      );
    }
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Console form fields this route takes as a list (the name sent once per value). */
    consoleFormLists?: readonly string[];
    /** Console form fields this route takes as an uploaded file (multipart/form-data). */
    consoleFormFiles?: readonly string[];
  }
}

/**
 * A form's shape: names with one string each, or a list of strings, or (multipart) a file. No
 * text holds U+0000, which nobody types and PostgreSQL cannot store (a query with it fails).
 */
function isConsoleForm(value: unknown, lists: readonly string[], files: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) return false;
  const text = (item: unknown) => typeof item === 'string' && !item.includes('\u0000');
  return Object.entries(value).every(
    ([name, field]) =>
      text(field) ||
      (lists.includes(name) && Array.isArray(field) && field.every(text)) ||
      (files.includes(name) && Buffer.isBuffer(field)),
  );
}

/**
 * The parts of a multipart body as a form: each name's value (a file's as a Buffer), a repeated
 * name as a list. A body that breaks off or does not parse is the sender's mistake (400), one
 * over the limits 413; the multipart reader's own errors carry no status and would be a 500.
 */
async function readMultipartForm(request: FastifyRequest): Promise<Record<string, unknown>> {
  const form: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  try {
    for await (const part of request.parts()) {
      const value = part.type === 'file' ? await part.toBuffer() : part.value;
      const previous = form[part.fieldname];
      form[part.fieldname] = previous === undefined ? value : [previous, value].flat();
    }
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode === 413) {
      throw new HifazatError('payload_too_large', 'The upload is over its limits.', { cause: error });
    }
    throw new HifazatError('malformed_body', 'The upload could not be read.', { cause: error });
  }
  return form;
}
