import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { HifazatError } from '../../domain/errors.ts';
import { toFieldIssues } from '../../domain/report.ts';
import { bulkMatchRequestSchema, matchFeedbackSchema, matchRequestSchema } from '../../domain/signals.ts';
import type { ApiKey } from '../../services/hash-banks.ts';
import { computeImageSignals, ImageDecodeError } from '../../services/image-signals.ts';
import type { Services } from '../../services/index.ts';

/** Image types accepted for hashing; the bytes stay in memory and are dropped after hashing. */
const imageTypes = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff', 'image/avif', 'image/heif', 'image/heic', 'application/octet-stream'];
const maxImageBytes = 50 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKey;
  }
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw new HifazatError('validation_failed', 'The request has invalid fields.', { issues: toFieldIssues(result.error) });
  return result.data;
}

function bearer(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

async function signalsOf(image: Buffer, dihedral: boolean) {
  try {
    return await computeImageSignals(image, { dihedral });
  } catch (error) {
    if (error instanceof ImageDecodeError) {
      throw new HifazatError(error.code === 'image_too_large' ? 'image_too_large' : 'image_unreadable', error.message);
    }
    throw error;
  }
}

/**
 * The matching API for platforms: hash an image (in memory only), match signals against the
 * banks an API key reaches, in bulk too, and report true and false positives.
 */
export function matchApiRoutes(services: Services, options: { requestsPerMinute: number }): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser(imageTypes, { parseAs: 'buffer', bodyLimit: maxImageBytes }, (_request, body, done) => done(null, body));

    app.addHook('preHandler', async (request) => {
      request.apiKey = await services.apiKeys.authenticate(bearer(request));
      if (!request.apiKey) throw new HifazatError('unauthenticated', 'Send an API key: Authorization: Bearer hz_…');
    });

    const limited = {
      config: {
        rateLimit: {
          max: options.requestsPerMinute,
          timeWindow: 60_000,
          // Counted per key presented (its hash, never the key), not per address.
          keyGenerator: (request: FastifyRequest) => createHash('sha256').update(bearer(request) ?? request.ip).digest('hex'),
        },
      },
    };

    const isImage = (request: FastifyRequest) => Buffer.isBuffer(request.body);

    app.post<{ Querystring: { dihedral?: string } }>('/hash', limited, async (request) => {
      if (!isImage(request)) throw new HifazatError('unsupported_media_type', `Send the image itself (${imageTypes.join(', ')}).`);
      return signalsOf(request.body as Buffer, request.query.dihedral === 'true');
    });

    const describe = async (found: { entryId: number; distance: number }[]) => {
      const details = await services.matchIndex.describe(found.map((m) => m.entryId));
      return found.map((m) => {
        const d = details.get(m.entryId)!;
        return { entryId: m.entryId, bank: d.bank, label: d.label, signalType: d.signalType, signal: d.signal, quality: d.quality, distance: m.distance };
      });
    };

    app.post<{ Querystring: { distance?: string } }>('/match', limited, async (request) => {
      const key = request.apiKey!;
      if (isImage(request)) {
        const signals = await signalsOf(request.body as Buffer, true);
        const distance = request.query.distance === undefined ? undefined : Number(request.query.distance);
        const query = parse(matchRequestSchema, { pdq: Object.values(signals.pdqDihedral!), md5: signals.md5, sha256: signals.sha256, ...(distance === undefined ? {} : { distance }) });
        const found = await services.matchIndex.match(query, { bankIds: key.bankIds, ...(query.distance === undefined ? {} : { maxDistance: query.distance }) });
        return { signals: { pdq: signals.pdq, quality: signals.quality, md5: signals.md5, sha256: signals.sha256 }, matches: await describe(found) };
      }
      const query = parse(matchRequestSchema, request.body);
      const found = await services.matchIndex.match(query, { bankIds: key.bankIds, ...(query.distance === undefined ? {} : { maxDistance: query.distance }) });
      return { matches: await describe(found) };
    });

    app.post('/match/bulk', limited, async (request) => {
      const { queries, distance } = parse(bulkMatchRequestSchema, request.body);
      const found = await Promise.all(
        queries.map((q) => services.matchIndex.match(q, { bankIds: request.apiKey!.bankIds, ...(distance === undefined ? {} : { maxDistance: distance }) })),
      );
      const details = await describe(found.flat());
      const byId = new Map(details.map((d) => [d.entryId, d]));
      return { results: found.map((matches, index) => ({ index, matches: matches.map((m) => ({ ...byId.get(m.entryId)!, distance: m.distance })) })) };
    });

    app.post('/match/feedback', limited, async (request, reply) => {
      const feedback = parse(matchFeedbackSchema, request.body);
      const result = await services.banks.feedback(request.apiKey!, feedback);
      return reply.code(201).send({ recorded: true, entryDisabled: result.disabled });
    });
  };
}
