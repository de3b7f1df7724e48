import type { FastifyReply, FastifyRequest } from 'fastify';
import { HifazatError, type ErrorCode } from '../domain/errors.ts';
import { languages, type Language } from '../domain/report.ts';
import { consoleMessages } from './i18n/console.ts';
import { messages, negotiateLanguage } from './i18n/index.ts';
import { messagePage } from './views/console/account-pages.ts';
import { consolePath } from './views/console/layout.ts';
import { errorPage } from './views/pages.ts';

/** The one place where error codes become HTTP statuses. */
export const httpStatusOf: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_body: 400,
  unknown_receipt: 404,
  unauthenticated: 401,
  sign_in_failed: 401,
  forbidden: 403,
  csrf_invalid: 403,
  not_found: 404,
  idempotency_conflict: 422,
  invalid_state: 409,
  payload_too_large: 413,
  image_unreadable: 422,
  image_too_large: 413,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  rate_limited: 429,
  config_invalid: 500,
  data_dir_locked: 500,
  internal: 500,
  database_unavailable: 503,
};

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

/** The language a page path names: /ur/… for public pages, /console/ur/… for the console. */
function languageOfPath(url: string): Language | undefined {
  const segments = url.split('?')[0]!.split('/');
  const candidate = segments[1] === 'console' ? segments[2] : segments[1];
  return (languages as readonly string[]).includes(candidate ?? '') ? (candidate as Language) : undefined;
}

export function sendError(error: HifazatError, request: FastifyRequest, reply: FastifyReply) {
  const status = httpStatusOf[error.code];
  if (status >= 500) request.log.error({ err: error.cause ?? error }, 'request failed');
  if (error.retryAfter !== undefined) reply.header('Retry-After', String(error.retryAfter));
  if (request.url.startsWith('/api/') || request.url === '/healthz' || request.url === '/readyz') {
    const body =
      error.code === 'validation_failed'
        ? { errors: error.issues.map((i) => ({ field: i.field, problem: i.problem, message: problemMessage(i.problem, request) })) }
        : { error: { code: error.code, message: status >= 500 ? 'Internal error.' : error.message } };
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  }
  const lang = languageOfPath(request.url) ?? negotiateLanguage(request.headers['accept-language']);
  const t = messages[lang];
  if (request.url.startsWith('/console/')) {
    const consoleError = consoleErrorText(error, lang);
    if (error.code === 'unauthenticated' && request.method === 'GET') {
      return reply.redirect(consolePath(lang, '/sign-in'), 303);
    }
    if (consoleError) {
      const ctx = { lang, t, c: consoleMessages[lang], page: '/', staff: undefined, csrf: '' };
      return reply.code(status).type('text/html; charset=utf-8').send(messagePage(ctx, consoleError.title, consoleError.text).toString());
    }
  }
  const [title, text] =
    status === 404
      ? [t.errors.notFoundTitle, t.errors.notFound]
      : status === 429
        ? [t.errors.tooManyTitle, t.errors.tooMany]
        : status >= 500
          ? [t.errors.serverTitle, t.errors.server]
          : [t.errors.badRequestTitle, t.errors.badRequest];
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(errorPage({ lang, t, page: '/' }, title, text).toString());
}

/** API errors speak the report's language when it says one, else the caller's. */
export function apiLanguage(request: FastifyRequest): Language {
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
      return httpStatusOf[error.code] >= 500 ? { title: c.title, text: c.serverError } : undefined;
  }
}
