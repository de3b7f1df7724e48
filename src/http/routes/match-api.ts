import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HifazatError, parseInput } from '../../domain/errors.ts';
import { bulkMatchRequestSchema, matchFeedbackSchema, matchRequestSchema, type ApiKeyScope } from '../../domain/signals.ts';
import type { ApiKey } from '../../services/api-keys.ts';
import { computeImageSignals, imageDecoding, type DecodeTicket } from '../../services/image-signals.ts';
import type { Services } from '../../services/index.ts';
import { lingerOnClose } from '../lingering-close.ts';

/** Image types accepted for hashing; the bytes stay in memory and are dropped after hashing. */
const imageTypes = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/tiff',
  'image/avif',
  'image/heif',
  'image/heic',
  'application/octet-stream',
];
const maxImageBytes = 50 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKey;
    /** A place among the images this process decodes, taken before the image is read. */
    decodeTicket?: DecodeTicket;
  }
}

/** What a matching route declares: the scope a key needs, and whether it takes an image body. */
interface MatchRouteConfig {
  scope: ApiKeyScope;
  takesImage?: boolean;
}

function bearer(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

function sendsImage(request: FastifyRequest): boolean {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return imageTypes.includes(type);
}

const decodersBusy = () =>
  new HifazatError('rate_limited', 'Too many images are being hashed at once; try again in a moment.', { retryAfter: 1 });

async function signalsOf(request: FastifyRequest, image: Buffer, dihedral: boolean) {
  const ticket = request.decodeTicket ?? imageDecoding.admit();
  if (!ticket) throw decodersBusy();
  return ticket.run(() => computeImageSignals(image, { dihedral }));
}

/**
 * The matching API for platforms: hash an image (in memory only), match signals against the
 * banks an API key reaches, in bulk too, and report true and false positives.
 *
 * Costs are bounded before any body is read: the key is checked when the request line and
 * headers arrive (a request without a valid key is answered 401 and its connection closed,
 * unread), then the key's scope for the route, then its rate, then, for an image, a place among
 * the images this process decodes (`imageDecoding`; 429 with Retry-After when they are taken).
 */
export function matchApiRoutes(services: Services, options: { requestsPerMinute: number }): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser(imageTypes, { parseAs: 'buffer', bodyLimit: maxImageBytes }, (_request, body, done) => done(null, body));

    app.addHook('onRequest', async (request, reply) => {
      // The app's logger, not the request's: a failed last-use write is logged without request data.
      request.apiKey = await services.apiKeys.authenticate(bearer(request), (error) =>
        app.log.warn({ err: error }, 'recording an API key’s last use failed'),
      );
      if (!request.apiKey) {
        reply.header('www-authenticate', 'Bearer');
        throw new HifazatError('unauthenticated', 'Send an API key: Authorization: Bearer hz_…');
      }
      const { scope } = request.routeOptions.config as unknown as MatchRouteConfig;
      if (!request.apiKey.scopes.includes(scope)) throw new HifazatError('forbidden', `This API key is not granted the "${scope}" scope.`);
    });

    app.addHook('preParsing', async (request, reply, payload) => {
      if (!sendsImage(request)) return payload;
      if (!(request.routeOptions.config as unknown as MatchRouteConfig).takesImage) {
        throw new HifazatError('unsupported_media_type', 'Send JSON here; images go to /api/v1/hash and /api/v1/match.');
      }
      const ticket = imageDecoding.admit();
      if (!ticket) throw decodersBusy();
      request.decodeTicket = ticket;
      // Given back when the exchange ends, however it ends (a no-op once the image is decoding).
      reply.raw.once('close', ticket.release);
      return payload;
    });

    // A refusal sent before the body was read ends the connection: reading the rest (up to 50 MB,
    // or a body that never ends) only to discard it would cost what the refusal saves. It lingers
    // a moment, so that the client reads the answer rather than a reset.
    app.addHook('onSend', async (request, reply) => {
      if (request.raw.complete === false) {
        reply.header('connection', 'close');
        lingerOnClose(request.raw.socket);
      }
    });

    const route = (scope: ApiKeyScope, takesImage = false) => ({
      config: {
        scope,
        takesImage,
        rateLimit: {
          max: options.requestsPerMinute,
          timeWindow: 60_000,
          // Counted per key (checked before this runs), never per address.
          keyGenerator: (request: FastifyRequest) => request.apiKey?.id ?? '',
        },
      },
    });

    const isImage = (request: FastifyRequest) => Buffer.isBuffer(request.body);

    app.post<{ Querystring: { dihedral?: string } }>('/hash', route('match', true), async (request) => {
      if (!isImage(request)) throw new HifazatError('unsupported_media_type', `Send the image itself (${imageTypes.join(', ')}).`);
      return signalsOf(request, request.body as Buffer, request.query.dihedral === 'true');
    });

    const describe = async (found: { entryId: number; distance: number }[]) => {
      const details = await services.matchIndex.describe(found.map((m) => m.entryId));
      return found.map((m) => {
        const d = details.get(m.entryId)!;
        return {
          entryId: m.entryId,
          bank: d.bank,
          label: d.label,
          signalType: d.signalType,
          signal: d.signal,
          quality: d.quality,
          distance: m.distance,
        };
      });
    };
    const scopeOf = (key: ApiKey, distance: number | undefined) => ({
      bankIds: key.bankIds,
      hidden: key.hiddenEntryIds,
      ...(distance === undefined ? {} : { maxDistance: distance }),
    });

    app.post<{ Querystring: { distance?: string } }>('/match', route('match', true), async (request) => {
      const key = request.apiKey!;
      if (isImage(request)) {
        const signals = await signalsOf(request, request.body as Buffer, true);
        const distance = request.query.distance === undefined ? undefined : Number(request.query.distance);
        const query = parseInput(matchRequestSchema, {
          pdq: Object.values(signals.pdqDihedral!),
          md5: signals.md5,
          sha256: signals.sha256,
          ...(distance === undefined ? {} : { distance }),
        });
        const found = await services.matchIndex.match(query, scopeOf(key, query.distance));
        return {
          signals: { pdq: signals.pdq, quality: signals.quality, md5: signals.md5, sha256: signals.sha256 },
          matches: await describe(found),
        };
      }
      const query = parseInput(matchRequestSchema, request.body);
      const found = await services.matchIndex.match(query, scopeOf(key, query.distance));
      return { matches: await describe(found) };
    });

    app.post('/match/bulk', route('match'), async (request) => {
      const { queries, distance } = parseInput(bulkMatchRequestSchema, request.body);
      const scope = scopeOf(request.apiKey!, distance);
      const found = await Promise.all(queries.map((q) => services.matchIndex.match(q, scope)));
      const details = await describe(found.flat());
      const byId = new Map(details.map((d) => [d.entryId, d]));
      return {
        results: found.map((matches, index) => ({
          index,
          matches: matches.map((m) => ({ ...byId.get(m.entryId)!, distance: m.distance })),
        })),
      };
    });

    app.post('/match/feedback', route('feedback'), async (request, reply) => {
      const feedback = parseInput(matchFeedbackSchema, request.body);
      const { hidden } = await services.apiKeys.feedback(request.apiKey!, feedback);
      return reply.code(201).send({ recorded: true, hidden });
    });
  };
}
