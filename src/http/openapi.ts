import { z } from 'zod';
import { followUpSchema, reporterMessageSchema, reportInputSchema, publicStatuses } from '../domain/report.ts';

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
        properties: { field: { type: 'string' }, problem: { type: 'string' }, message: { type: 'string' } },
        required: ['field', 'problem', 'message'],
      },
    },
  },
};
const errorBody = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};
const thread = {
  type: 'object',
  properties: {
    status: { enum: [...publicStatuses] },
    receivedAt: { type: 'string', format: 'date-time' },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        properties: { author: { enum: ['reporter', 'staff'] }, body: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } },
      },
    },
  },
};
const json = (schema: object) => ({ content: { 'application/json': { schema } } });

let document: object | undefined;

export function openApiDocument(): object {
  document ??= {
    openapi: '3.1.0',
    info: {
      title: 'Hifazat API',
      version: '1',
      description: 'Anonymous reporting of child sexual abuse and child sexual abuse material. No IP address is stored.',
    },
    paths: {
      '/api/v1/reports': {
        post: {
          summary: 'Submit a report; answers with the receipt code, shown only this once.',
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 8, maxLength: 200 }, description: 'A retried request with the same key returns the same receipt and creates nothing (24 hours).' },
            { name: 'X-Altcha', in: 'header', required: false, schema: { type: 'string' }, description: 'A solved proof-of-work payload from /api/v1/pow-challenge; without one the report counts against a shared budget.' },
          ],
          requestBody: { required: true, ...json(jsonSchema(reportInputSchema('9999-12-31'))) },
          responses: {
            '201': { description: 'Stored.', ...json({ type: 'object', properties: { receipt: { type: 'string', pattern: '^[0-9]{36}$' }, status: { const: 'received' } } }) },
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
          summary: 'Add a message from the reporter.',
          requestBody: { required: true, ...json(jsonSchema(reporterMessageSchema)) },
          responses: {
            '201': { description: 'Added; the thread as it is now.', ...json(thread) },
            '400': { description: 'Invalid fields.', ...json(fieldErrors) },
            '404': { description: 'No report has this receipt.', ...json(errorBody) },
            '429': { description: 'Too many failed attempts.', ...json(errorBody) },
          },
        },
      },
      '/api/v1/pow-challenge': { get: { summary: 'A proof-of-work challenge (ALTCHA).', responses: { '200': { description: 'The challenge.' } } } },
      '/healthz': { get: { summary: 'The process is up.', responses: { '200': { description: 'Up.' } } } },
      '/readyz': { get: { summary: 'The database answers.', responses: { '200': { description: 'Ready.' }, '503': { description: 'Not ready.' } } } },
    },
  };
  return document;
}
