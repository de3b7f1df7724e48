import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { HifazatError } from '../domain/errors.ts';
import { languages, type Language } from '../domain/report.ts';
import type { Services } from '../services/index.ts';
import { httpStatusOf } from './errors.ts';
import { parseFormBody } from './form-input.ts';
import { messages, negotiateLanguage } from './i18n/index.ts';
import { loggerOptions } from './logging.ts';
import { apiRoutes } from './routes/api.ts';
import { healthRoutes } from './routes/health.ts';
import { portalRoutes } from './routes/portal.ts';
import { errorPage } from './views/pages.ts';

export interface HttpOptions {
  logLevel: string;
  /** Where logs go (tests capture them); stdout when absent. */
  logStream?: NodeJS.WritableStream;
  trustProxy: boolean;
  https: boolean;
  /** Per-client request limits, counted in this process's memory only and never logged. */
  clientRateLimit: { reportsPerHour: number; followUpsPerTenMinutes: number };
}

/**
 * A form route may show its own page when a request is refused (it keeps what was typed);
 * returns false to leave the error to the generic handler.
 */
export type RenderRejected = (request: FastifyRequest, reply: FastifyReply, error: HifazatError) => Promise<boolean>;

const vendorFiles = new Set(['/external/altcha.min.js', '/external/altcha.css', '/i18n/ur.js', '/workers/sha.js']);

/** Reports and messages are text; 256 KiB holds 20 long URLs and the longest narrative. */
const bodyLimit = 256 * 1024;

export async function buildApp(services: Services, options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(options.logLevel, options.logStream),
    trustProxy: options.trustProxy,
    bodyLimit,
    // No request ids derived from the client, and none that a person could be traced by later.
    genReqId: () => '',
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });

  // Strict UTF-8 JSON: invalid bytes are a 400, not silently replaced characters.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      done(null, JSON.parse(text));
    } catch {
      done(new HifazatError('malformed_body', 'The body is not valid UTF-8 JSON.'));
    }
  });
  await app.register(formbody, { bodyLimit, parser: parseFormBody });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) => {
      throw new HifazatError('rate_limited', 'Too many requests.', { retryAfter: Math.ceil(context.ttl / 1000) });
    },
  });

  await app.register(fastifyStatic, {
    root: fileURLToPath(new URL('./assets/', import.meta.url)),
    prefix: '/assets/',
    cacheControl: false,
    setHeaders: (reply) => reply.header('Cache-Control', 'public, max-age=604800'),
  });

  // The proof-of-work widget, served from the installed package: no third-party host.
  await app.register(fastifyStatic, {
    root: fileURLToPath(new URL('..', import.meta.resolve('altcha/external'))),
    prefix: '/assets/vendor/altcha/',
    decorateReply: false,
    cacheControl: false,
    allowedPath: (path) => vendorFiles.has(path),
    setHeaders: (reply) => reply.header('Cache-Control', 'public, max-age=604800'),
  });

  // Nothing dynamic is cached: report and follow-up pages show what only one person should see.
  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/assets/')) reply.header('Cache-Control', 'no-store');
  });

  app.setErrorHandler(async (error, request, reply) => {
    const normalised = normalise(error);
    const renderRejected = (request.routeOptions.config as { renderRejected?: RenderRejected }).renderRejected;
    if (renderRejected && (await renderRejected(request, reply, normalised))) return reply;
    return sendError(normalised, request, reply);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(new HifazatError('not_found', 'Not found.'), request, reply),
  );

  await app.register(healthRoutes(services));
  await app.register(portalRoutes(services, options));
  await app.register(apiRoutes(services, options), { prefix: '/api/v1' });
  return app;
}

/** Fastify's own errors (body too large, wrong content type, bad JSON) become HifazatErrors. */
function normalise(error: unknown): HifazatError {
  if (error instanceof HifazatError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HifazatError('payload_too_large', 'The request body is too large.');
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

function languageOfPath(url: string): Language | undefined {
  const first = url.split('/')[1];
  return (languages as readonly string[]).includes(first ?? '') ? (first as Language) : undefined;
}

function sendError(error: HifazatError, request: FastifyRequest, reply: FastifyReply) {
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
