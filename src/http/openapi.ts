import { z } from 'zod';
import { errorCodes, errorTable } from '../domain/errors.ts';
import { closureReasons } from '../domain/case.ts';
import { agencyKinds } from '../domain/classification.ts';
import { followUpSchema, reporterMessageSchema, reportInputSchema, publicStatuses } from '../domain/report.ts';
import { reporterStages } from '../domain/reporter-status.ts';
import { bulkMatchRequestSchema, matchFeedbackSchema, matchRequestSchema, maxHiddenEntriesPerKey } from '../domain/signals.ts';

/**
 * The OpenAPI document is generated from the same zod schemas that validate requests, so the
 * two cannot drift apart.
 */
const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

const fieldErrors = {
  type: 'object',
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string' },
          problem: { type: 'string', description: 'A stable key, e.g. "required", "too_long", "invalid".' },
          message: {
            type: 'string',
            description:
              'The schema\'s own words where it has them ("must be 64 hexadecimal digits"), else the problem in the request\'s language.',
          },
        },
        required: ['field', 'problem', 'message'],
      },
    },
  },
};
/** Every error code with the status it is answered with, from the one table (src/domain/errors.ts). */
const errorBody = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: {
          oneOf: errorCodes.map((code) => ({
            const: code,
            'x-status': errorTable[code].status,
            description: errorTable[code].description,
          })),
        },
        message: { type: 'string' },
      },
    },
  },
};
const thread = {
  type: 'object',
  properties: {
    status: { enum: [...publicStatuses], description: 'The case in four words, kept for compatibility; `progress` tells what staff did.' },
    progress: {
      type: 'object',
      description:
        'What staff did, as the follow-up page says it (src/domain/reporter-status.ts). Staff messages count as seen once an answer has shown them.',
      properties: {
        stage: {
          enum: [...reporterStages],
          description:
            'closed; else written_to_you (a staff message not yet seen); referred; reopened (her message reopened the closed case); read (first opened by staff); received.',
        },
        since: {
          type: ['string', 'null'],
          format: 'date-time',
          description: 'When the stage was reached; null only for a case marked referred with no referral recorded.',
        },
        agencyKind: { enum: [...agencyKinds], description: 'referred: the kind of organisation, never its name.' },
        closureReason: {
          enum: [...closureReasons],
          description: 'closed: why (duplicate: joined with another report about the same thing).',
        },
        unreadStaffMessages: { type: 'integer', minimum: 0, description: 'Staff messages not shown before this answer.' },
        checkAgainInDays: {
          type: ['integer', 'null'],
          description:
            'When to look again; null: nothing to wait for (a message to answer, or a closed case, which a new message reopens).',
        },
      },
      required: ['stage', 'since', 'unreadStaffMessages', 'checkAgainInDays'],
    },
    receivedAt: { type: 'string', format: 'date-time' },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          author: { enum: ['reporter', 'staff'] },
          body: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
};
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const hex = { type: 'string', pattern: '^[0-9a-f]+$' };
const signals = {
  type: 'object',
  properties: {
    pdq: hex,
    quality: { type: 'integer', minimum: 0, maximum: 100 },
    md5: hex,
    sha256: hex,
    pdqDihedral: { type: 'object', additionalProperties: hex },
  },
};
const match = {
  type: 'object',
  properties: {
    entryId: { type: 'integer' },
    bank: { type: 'string' },
    label: { type: ['string', 'null'] },
    signalType: { enum: ['pdq', 'md5', 'sha256'] },
    signal: hex,
    quality: { type: ['integer', 'null'] },
    distance: { type: 'integer' },
  },
};

let document: object | undefined;

export function openApiDocument(): object {
  document ??= {
    openapi: '3.1.0',
    info: {
      title: 'Hifazat API',
      version: '1',
      description: 'Anonymous reporting of child sexual abuse and child sexual abuse material. No IP address is stored.',
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key from `hifazat apikey create`, scoped to banks and granted the scope `match` (hash, match, bulk match), `feedback` (match feedback) or both. It is checked before the body is read: without a valid key the answer is 401 and the connection is closed.',
        },
      },
    },
    paths: {
      '/api/v1/reports': {
        post: {
          summary: 'Submit a report; answers with the receipt code, shown only this once.',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', minLength: 8, maxLength: 200 },
              description: 'A retried request with the same key returns the same receipt and creates nothing (24 hours).',
            },
            {
              name: 'X-Altcha',
              in: 'header',
              required: false,
              schema: { type: 'string' },
              description:
                'A solved proof-of-work payload from /api/v1/pow-challenge; without one the report counts against a shared budget.',
            },
          ],
          requestBody: { required: true, ...json(jsonSchema(reportInputSchema('9999-12-31'))) },
          responses: {
            '201': {
              description: 'Stored.',
              ...json({
                type: 'object',
                properties: { receipt: { type: 'string', pattern: '^[0-9]{20}$' }, status: { const: 'received' } },
              }),
            },
            '200': { description: 'A retry of an earlier request with the same Idempotency-Key: the same receipt.' },
            '400': { description: 'Invalid fields.', ...json(fieldErrors) },
            '413': { description: 'Body too large.', ...json(errorBody) },
            '415': { description: 'Not JSON.', ...json(errorBody) },
            '422': { description: 'Idempotency-Key reused for a different report.', ...json(errorBody) },
            '429': { description: 'Too many requests.', ...json(errorBody) },
          },
        },
      },
      '/api/v1/follow-up': {
        post: {
          summary: 'Read the status and messages of a report with its receipt code.',
          requestBody: { required: true, ...json(jsonSchema(followUpSchema)) },
          responses: {
            '200': { description: 'Status and messages.', ...json(thread) },
            '400': { description: 'Not a receipt code (wrong length or check digit).', ...json(fieldErrors) },
            '404': { description: 'No report has this receipt.', ...json(errorBody) },
            '429': { description: 'Too many failed attempts.', ...json(errorBody) },
          },
        },
      },
      '/api/v1/follow-up/messages': {
        post: {
          summary: 'Add a message from the reporter. A closed case accepts it and is reopened for staff (progress.stage: reopened).',
          requestBody: { required: true, ...json(jsonSchema(reporterMessageSchema)) },
          responses: {
            '201': { description: 'Added; the thread as it is now.', ...json(thread) },
            '400': { description: 'Invalid fields.', ...json(fieldErrors) },
            '404': { description: 'No report has this receipt.', ...json(errorBody) },
            '429': { description: 'Too many failed attempts.', ...json(errorBody) },
          },
        },
      },
      '/api/v1/hash': {
        post: {
          summary: 'Hash an image in memory (never stored): PDQ with quality, MD5, SHA-256; ?dihedral=true adds the 8 PDQ variants.',
          security: [{ apiKey: [] }],
          requestBody: { required: true, content: { 'image/*': { schema: { type: 'string', format: 'binary' } } } },
          responses: {
            '200': { description: 'The signals.', ...json(signals) },
            '401': { description: 'No valid API key.', ...json(errorBody) },
            '403': { description: 'The key is not granted the match scope.', ...json(errorBody) },
            '413': { description: 'Too large (bytes or pixels).', ...json(errorBody) },
            '422': { description: 'Not an image, or a truncated one.', ...json(errorBody) },
            '429': {
              description:
                "The key's rate, or every place for an image to be decoded is taken (refused before the body is read); see Retry-After.",
              ...json(errorBody),
            },
          },
        },
      },
      '/api/v1/match': {
        post: {
          summary: 'Match a hash (pdq, md5 or sha256), or an image, against the banks the API key reaches.',
          security: [{ apiKey: [] }],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: jsonSchema(matchRequestSchema) },
              'image/*': { schema: { type: 'string', format: 'binary' } },
            },
          },
          responses: {
            '200': {
              description: "Matches, nearest first, less the entries this key's confirmed false positives hid.",
              ...json({ type: 'object', properties: { matches: { type: 'array', items: match } } }),
            },
            '400': { description: 'Invalid fields.', ...json(fieldErrors) },
            '401': { description: 'No valid API key.', ...json(errorBody) },
            '403': { description: 'The key is not granted the match scope.', ...json(errorBody) },
            '413': { description: 'An image too large (bytes or pixels).', ...json(errorBody) },
            '422': { description: 'Not an image, or a truncated one.', ...json(errorBody) },
            '429': {
              description: "The key's rate, or (for an image) every place to decode one is taken; see Retry-After.",
              ...json(errorBody),
            },
          },
        },
      },
      '/api/v1/match/bulk': {
        post: {
          summary: 'Match up to 1,000 hashes in one request.',
          security: [{ apiKey: [] }],
          requestBody: { required: true, ...json(jsonSchema(bulkMatchRequestSchema)) },
          responses: {
            '200': {
              description: 'One result per query, in order.',
              ...json({
                type: 'object',
                properties: {
                  results: {
                    type: 'array',
                    items: { type: 'object', properties: { index: { type: 'integer' }, matches: { type: 'array', items: match } } },
                  },
                },
              }),
            },
            '400': { description: 'Invalid fields.', ...json(fieldErrors) },
            '401': { description: 'No valid API key.', ...json(errorBody) },
            '403': { description: 'The key is not granted the match scope.', ...json(errorBody) },
            '429': { description: "The key's rate; see Retry-After.", ...json(errorBody) },
          },
        },
      },
      '/api/v1/match/feedback': {
        post: {
          summary:
            "Report a match as a true or false positive (the feedback scope). Recorded for the hotline's analysts and audited. A confirmed false positive hides the entry from this key's later matches only (other keys still get it); a confirmed true positive shows it to this key again. Only the hotline disables an entry for everyone.",
          security: [{ apiKey: [] }],
          requestBody: { required: true, ...json(jsonSchema(matchFeedbackSchema)) },
          responses: {
            '201': {
              description: 'Recorded; `hidden` tells whether the entry is now hidden from this key’s matches.',
              ...json({ type: 'object', properties: { recorded: { const: true }, hidden: { type: 'boolean' } } }),
            },
            '400': { description: 'Invalid fields.', ...json(fieldErrors) },
            '401': { description: 'No valid API key.', ...json(errorBody) },
            '403': { description: 'The key is not granted the feedback scope.', ...json(errorBody) },
            '404': { description: 'No such entry in the banks this key reaches.', ...json(errorBody) },
            '409': {
              description: `The key has hidden as many entries as one key may (${maxHiddenEntriesPerKey}); the confirmed false positive is not taken.`,
              ...json(errorBody),
            },
            '429': { description: "The key's rate; see Retry-After.", ...json(errorBody) },
          },
        },
      },
      '/api/v1/statistics/releases': {
        get: {
          summary: 'Published statistics releases, newest first.',
          responses: { '200': { description: 'The releases: id, period, k, publication time.' } },
        },
      },
      '/api/v1/statistics/releases/{id}': {
        get: {
          summary:
            'A release\'s tables: each with its dimension, rows and cells; a withheld cell is {"value": null, "suppressed": true}. Append .csv to the id for CSV.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The tables.' }, '404': { description: 'No such release.', ...json(errorBody) } },
        },
      },
      '/api/v1/pow-challenge': {
        get: { summary: 'A proof-of-work challenge (ALTCHA).', responses: { '200': { description: 'The challenge.' } } },
      },
      '/healthz': { get: { summary: 'The process is up.', responses: { '200': { description: 'Up.' } } } },
      '/readyz': {
        get: { summary: 'The database answers.', responses: { '200': { description: 'Ready.' }, '503': { description: 'Not ready.' } } },
      },
    },
  };
  return document;
}
