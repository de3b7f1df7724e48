import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { HifazatError } from '../domain/errors.ts';
import type { Services } from '../services/index.ts';
import { normalise, sendError } from './errors.ts';
import { parseFormBody } from './form-input.ts';
import { loggerOptions } from './logging.ts';
import { securityHeaders } from './security-headers.ts';
import { apiRoutes } from './routes/api.ts';
import { consoleRoutes } from './routes/console.ts';
import { matchApiRoutes } from './routes/match-api.ts';
import { healthRoutes } from './routes/health.ts';
import { portalRoutes } from './routes/portal.ts';
import { statisticsRoutes } from './routes/statistics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    hifazatRoutes: readonly { method: string; url: string }[];
  }
}

export interface HttpOptions {
  logLevel: string;
  /** Where logs go (tests capture them); stdout when absent. */
  logStream?: NodeJS.WritableStream;
  trustProxy: boolean;
  https: boolean;
  /** Per-client request limits, counted in this process's memory only and never logged. */
  clientRateLimit: { reportsPerHour: number; followUpsPerTenMinutes: number };
  /** Matching API requests per API key per minute (in this process's memory). */
  matchRequestsPerMinute: number;
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

  // Every route, as registered: the role-by-route test walks them all.
  const routes: { method: string; url: string }[] = [];
  app.decorate('hifazatRoutes', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });

  const headers = securityHeaders(options.https);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
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
    setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=604800'),
  });

  // The proof-of-work widget, served from the installed package: no third-party host.
  await app.register(fastifyStatic, {
    root: fileURLToPath(new URL('..', import.meta.resolve('altcha/external'))),
    prefix: '/assets/vendor/altcha/',
    decorateReply: false,
    cacheControl: false,
    allowedPath: (path) => vendorFiles.has(path),
    setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=604800'),
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
  await app.register(statisticsRoutes(services));
  await app.register(apiRoutes(services, options), { prefix: '/api/v1' });
  await app.register(matchApiRoutes(services, { requestsPerMinute: options.matchRequestsPerMinute }), { prefix: '/api/v1' });
  await app.register(consoleRoutes(services, options));
  return app;
}
