import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorTable, HifazatError } from '../domain/errors.ts';
import { languages, type Language } from '../domain/report.ts';
import { consoleMessages } from './i18n/console.ts';
import { messages, negotiateLanguage } from './i18n/index.ts';
import type { Html } from './views/html.ts';
import { messagePage } from './views/console/account-pages.ts';
import { consolePath } from './views/console/layout.ts';
import { errorPage } from './views/pages.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A form route's own page for a refused request (see RenderRejected). */
    renderRejected?: RenderRejected;
  }
}

/**
 * A form route's own page for a refused request, keeping what was typed; undefined leaves the
 * refusal to its scope's page. It is answered with the refusal's status and headers.
 */
export type RenderRejected = (request: FastifyRequest, error: HifazatError) => Promise<Html | undefined>;

/** How a scope shows a refusal (JSON for the API, the console's layout, the public layout). */
type ErrorRenderer = (error: HifazatError, request: FastifyRequest, reply: FastifyReply) => FastifyReply;

export function statusOf(error: HifazatError): number {
  return errorTable[error.code].status;
}

/**
 * Readies the reply for a refusal: the status the table gives its code, and Retry-After when the
 * caller may try again later. Every refusal is answered through here, pages of routes included.
 */
export function refuse(reply: FastifyReply, error: HifazatError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('Retry-After', String(error.retryAfter));
  return reply.code(statusOf(error));
}

/** An HTML page; with a refusal (a form shown again with its problems), its status and headers. */
export function sendPage(reply: FastifyReply, page: Html, refusal?: HifazatError): FastifyReply {
  if (refusal) refuse(reply, refusal);
  return reply.type('text/html; charset=utf-8').send(page.toString());
}

/** Fastify's own errors (body too large, wrong content type, bad JSON) become HifazatErrors. */
export function normalise(error: unknown): HifazatError {
  if (error instanceof HifazatError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HifazatError('payload_too_large', 'The request body is too large.');
    case 'FST_CSRF_MISSING_SECRET':
    case 'FST_CSRF_INVALID_TOKEN':
      return new HifazatError('csrf_invalid', 'The form token is missing or wrong.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HifazatError('unsupported_media_type', 'This content type is not accepted here.');
    default:
      if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
        return new HifazatError('malformed_body', 'The request could not be read.');
      }
      return new HifazatError('internal', 'Internal error.', { cause: error });
  }
}

/**
 * Makes `scope` (a registered plugin and the plugins inside it) answer its errors with `render`:
 * Fastify's encapsulation picks the form by where a route is registered, never by its URL.
 * `notFound` also answers unknown addresses under the scope's prefix.
 */
export function answerErrors(scope: FastifyInstance, render: ErrorRenderer, options: { notFound?: boolean } = {}): void {
  scope.setErrorHandler(async (error, request, reply) => {
    const refusal = normalise(error);
    if (statusOf(refusal) >= 500) request.log.error({ err: refusal.cause ?? refusal }, 'request failed');
    refuse(reply, refusal);
    const ownPage = await request.routeOptions.config.renderRejected?.(request, refusal);
    if (ownPage) return sendPage(reply, ownPage);
    return render(refusal, request, reply);
  });
  if (options.notFound) {
    scope.setNotFoundHandler((request, reply) => {
      const refusal = new HifazatError('not_found', 'Not found.');
      return render(refusal, request, refuse(reply, refusal));
    });
  }
}

/** The API's form: field problems, or the code and a message (never an internal error's detail). */
export const jsonErrors: ErrorRenderer = (error, request, reply) => {
  const body =
    error.code === 'validation_failed'
      ? {
          errors: error.issues.map((i) => ({
            field: i.field,
            problem: i.problem,
            message: i.message ?? problemMessage(i.problem, request),
          })),
        }
      : { error: { code: error.code, message: statusOf(error) >= 500 ? 'Internal error.' : error.message } };
  return reply.type('application/json; charset=utf-8').send(body);
};

/** The public pages' form: the public layout, in the page's language (/ur/…) or the browser's. */
export const publicErrorPages: ErrorRenderer = (error, request, reply) => {
  const segment = request.url.split('?')[0]!.split('/')[1];
  return publicPage(error, languageNamed(segment) ?? negotiateLanguage(request.headers['accept-language']), reply);
};

/**
 * The console's form: its layout, and a signed-out GET sent to sign in. Refusals the console has
 * no words of its own for (not found, invalid input) get the public page.
 */
export const consoleErrorPages: ErrorRenderer = (error, request, reply) => {
  const segment = request.url.split('?')[0]!.split('/')[2];
  const lang = languageNamed(segment) ?? negotiateLanguage(request.headers['accept-language']);
  if (error.code === 'unauthenticated' && request.method === 'GET') return reply.redirect(consolePath(lang, '/sign-in'), 303);
  const text = consoleErrorText(error, lang);
  if (!text) return publicPage(error, lang, reply);
  const ctx = { lang, t: messages[lang], c: consoleMessages[lang], page: '/', staff: undefined, csrf: '' };
  return sendPage(reply, messagePage(ctx, text.title, text.text));
};

function languageNamed(segment: string | undefined): Language | undefined {
  return (languages as readonly string[]).includes(segment ?? '') ? (segment as Language) : undefined;
}

function publicPage(error: HifazatError, lang: Language, reply: FastifyReply): FastifyReply {
  const t = messages[lang];
  const status = statusOf(error);
  const [title, text] =
    status === 404
      ? [t.errors.notFoundTitle, t.errors.notFound]
      : status === 429
        ? [t.errors.tooManyTitle, t.errors.tooMany]
        : status >= 500
          ? [t.errors.serverTitle, t.errors.server]
          : [t.errors.badRequestTitle, t.errors.badRequest];
  return sendPage(reply, errorPage({ lang, t, page: '/' }, title, text));
}

/** API errors speak the report's language when it says one, else the caller's. */
function apiLanguage(request: FastifyRequest): Language {
  const body = request.body as { language?: unknown } | undefined;
  if (body && typeof body === 'object' && (body.language === 'ur' || body.language === 'en')) return body.language;
  return request.headers['accept-language']?.toLowerCase().startsWith('ur') ? 'ur' : 'en';
}

function problemMessage(problem: string, request: FastifyRequest): string {
  const problems = messages[apiLanguage(request)].problems as Record<string, string>;
  return problems[problem] ?? problems.invalid!;
}

function consoleErrorText(error: HifazatError, lang: Language): { title: string; text: string } | undefined {
  const c = consoleMessages[lang];
  switch (error.code) {
    case 'unauthenticated':
      return { title: c.signIn.title, text: c.signIn.expired };
    case 'forbidden':
      return { title: c.title, text: c.forbidden };
    case 'csrf_invalid':
      return { title: c.title, text: c.csrf };
    case 'malformed_body':
      return { title: c.title, text: c.malformed };
    default:
      // Not the public pages' "your report may not have been sent": staff were working on a case.
      return statusOf(error) >= 500 ? { title: c.title, text: c.serverError } : undefined;
  }
}
