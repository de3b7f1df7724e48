import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import compress from '@fastify/compress';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { HifazatError } from '../domain/errors.ts';
import type { Services } from '../services/index.ts';
import { answerErrors, consoleErrorPages, jsonErrors, publicErrorPages } from './errors.ts';
import { parseFormBody } from './form-input.ts';
import { loggerOptions } from './logging.ts';
import { securityHeaders } from './security-headers.ts';
import { apiRoutes } from './routes/api.ts';
import { consoleRoutes } from './routes/console.ts';
import { matchApiRoutes } from './routes/match-api.ts';
import { healthRoutes } from './routes/health.ts';
import { portalRoutes } from './routes/portal.ts';
import { statisticsApiRoutes, statisticsRoutes } from './routes/statistics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    hifazatRoutes: readonly { method: string; url: string }[];
  }
}

export interface HttpOptions {
  logLevel: string;
  /** Where logs go (tests capture them); stdout when absent. */
  logStream?: NodeJS.WritableStream;
  /** Which proxies' X-Forwarded-For to believe (Config.trustProxy); never all of them. */
  trustProxy: false | number | string[];
  https: boolean;
  /** How people reach Hifazat (Config.publicUrl): links and the console's Origin check, never `Host`. */
  publicUrl: string;
  /** Milliseconds a client has to send a whole request (headers and body); a slow body is cut off. */
  requestTimeoutMs?: number;
  /** Matching API requests per API key per minute (in this process's memory). */
  matchRequestsPerMinute: number;
}

const vendorFiles = new Set(['/external/altcha.min.js', '/external/altcha.css', '/i18n/ur.js', '/workers/sha.js']);

/** Reports and messages are text; 256 KiB holds 20 long URLs and the longest narrative. */
const bodyLimit = 256 * 1024;

/**
 * Time for a whole request: a 256 KiB form over a slow 2G link (about 50 kbit/s) takes some 45 s.
 * Without it a client trickling bytes holds a connection and its buffers for ever.
 */
const defaultRequestTimeoutMs = 60_000;

/** Fastify's trustProxy: a hop count as proxy-addr counts hops (the nearest n addresses are proxies). */
function trustProxyOption(trust: false | number | string[]) {
  return typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;
}

export async function buildApp(services: Services, options: HttpOptions): Promise<FastifyInstance> {
  const requestTimeout = options.requestTimeoutMs ?? defaultRequestTimeoutMs;
  const app = Fastify({
    logger: loggerOptions(options.logLevel, options.logStream),
    trustProxy: trustProxyOption(options.trustProxy),
    bodyLimit,
    requestTimeout,
    // Idle keep-alive connections are closed after 10 s; headers must arrive within 20 s; Node
    // looks for requests past their time every second (by default every 30).
    keepAliveTimeout: 10_000,
    http: { headersTimeout: Math.min(20_000, requestTimeout), connectionsCheckingInterval: Math.min(1_000, requestTimeout) },
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
  // Then Fastify's own JSON parser, which refuses "__proto__" and "constructor.prototype" keys
  // (prototype poisoning) instead of handing them to the code that reads the body.
  const secureJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      return done(new HifazatError('malformed_body', 'The body is not valid UTF-8 JSON.'));
    }
    secureJson(request, text, (error, parsed) =>
      error ? done(new HifazatError('malformed_body', 'The body is not valid UTF-8 JSON.')) : done(null, parsed),
    );
  });
  await app.register(formbody, { bodyLimit, parser: parseFormBody });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) => {
      throw new HifazatError('rate_limited', 'Too many requests.', { retryAfter: Math.ceil(context.ttl / 1000) });
    },
  });

  // Nothing dynamic is cached: report and follow-up pages show what only one person should see.
  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/assets/')) reply.header('Cache-Control', 'no-store');
  });

  // Each part answers errors in its own form, chosen by where its routes are registered:
  // the public pages (and anything unknown) in the public layout, the API in JSON, the console
  // in its layout.
  answerErrors(app, publicErrorPages, { notFound: true });
  await app.register(async (probes) => {
    answerErrors(probes, jsonErrors);
    await probes.register(healthRoutes(services));
  });
  // The public side is compressed, for phones on slow networks (the report's first step must be
  // at most 15 KB on the wire: docs/PERFORMANCE.md). Not the console: its pages carry a CSRF
  // secret with every response and show what staff typed, which compression would leak by the
  // response's length (BREACH). Not the API: its clients are servers. Public pages have no
  // cookie, so none carries a secret the attacker's requests could bring along.
  await app.register(async (publicSide) => {
    await publicSide.register(compress, {
      encodings: ['br', 'gzip'],
      // Quality 5: nearly the size of 11 for a small page, at a fraction of the processor time.
      brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } },
    });
    await publicSide.register(fastifyStatic, {
      root: fileURLToPath(new URL('./assets/', import.meta.url)),
      prefix: '/assets/',
      cacheControl: false,
      setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=604800'),
    });

    // The proof-of-work widget, served from the installed package: no third-party host.
    await publicSide.register(fastifyStatic, {
      root: fileURLToPath(new URL('..', import.meta.resolve('altcha/external'))),
      prefix: '/assets/vendor/altcha/',
      decorateReply: false,
      cacheControl: false,
      allowedPath: (path) => vendorFiles.has(path),
      setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=604800'),
    });
    await publicSide.register(portalRoutes(services));
    await publicSide.register(statisticsRoutes(services));
  });
  await app.register(
    async (api) => {
      answerErrors(api, jsonErrors, { notFound: true });
      await api.register(apiRoutes(services), { prefix: '/v1' });
      await api.register(statisticsApiRoutes(services), { prefix: '/v1' });
      await api.register(matchApiRoutes(services, { requestsPerMinute: options.matchRequestsPerMinute }), { prefix: '/v1' });
    },
    { prefix: '/api' },
  );
  await app.register(async (staffConsole) => {
    answerErrors(staffConsole, consoleErrorPages);
    await staffConsole.register(consoleRoutes(services, options));
  });
  return app;
}
