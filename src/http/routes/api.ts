import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HifazatError, parseInput } from '../../domain/errors.ts';
import { pakistanToday } from '../../domain/pakistan-time.ts';
import { followUpSchema, reporterMessageSchema, reportInputSchema } from '../../domain/report.ts';
import type { Services } from '../../services/index.ts';
import type { FollowUpView } from '../../services/follow-up.ts';
import { clientLimit, clientOf } from '../client.ts';
import { openApiDocument } from '../openapi.ts';

function requireJson(request: FastifyRequest): unknown {
  if (!request.headers['content-type']?.toLowerCase().startsWith('application/json')) {
    throw new HifazatError('unsupported_media_type', 'Send JSON (Content-Type: application/json).');
  }
  return request.body;
}

const idempotencyKeyPattern = /^[\x21-\x7e]{8,200}$/;

function threadJson(view: FollowUpView) {
  const { stage, since, agencyKind, closureReason, unreadStaffMessages, checkAgainInDays } = view.progress;
  return {
    status: view.status,
    progress: { stage, since: since?.toISOString() ?? null, agencyKind, closureReason, unreadStaffMessages, checkAgainInDays },
    receivedAt: view.receivedAt.toISOString(),
    messages: view.messages.map((m) => ({ author: m.author, body: m.body, createdAt: m.createdAt.toISOString() })),
  };
}

export function apiRoutes(services: Services): FastifyPluginAsync {
  // Reports are limited per client by the SubmissionGate, with or without a proof of work.
  const followUpLimit = { preHandler: clientLimit(services, services.throttleRules.followUp) };

  return async (app) => {
    app.get('/openapi.json', async () => openApiDocument());

    /** A proof-of-work challenge for the report form's ALTCHA widget (or any API client). */
    app.get('/pow-challenge', async () => services.submissionGate.challenge());

    app.post('/reports', async (request, reply) => {
      const input = parseInput(reportInputSchema(pakistanToday()), requireJson(request));
      const key = request.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !idempotencyKeyPattern.test(key))) {
        throw new HifazatError('validation_failed', 'Invalid Idempotency-Key header.', {
          issues: [{ field: 'Idempotency-Key', problem: 'invalid' }],
        });
      }
      const pow = request.headers['x-altcha'];
      const submitted = await services.reports.submit(input, {
        source: 'api',
        idempotencyKey: key,
        proofOfWork: typeof pow === 'string' ? pow : undefined,
        client: clientOf(request),
      });
      return reply.code(submitted.replayed ? 200 : 201).send({ receipt: submitted.receipt, status: submitted.status });
    });

    app.post('/follow-up', followUpLimit, async (request) => {
      const { receipt } = parseInput(followUpSchema, requireJson(request));
      return threadJson(await services.followUp.view(receipt, clientOf(request)));
    });

    app.post('/follow-up/messages', followUpLimit, async (request, reply) => {
      const { receipt, body } = parseInput(reporterMessageSchema, requireJson(request));
      return reply.code(201).send(threadJson(await services.followUp.addReporterMessage(receipt, body, clientOf(request))));
    });
  };
}
