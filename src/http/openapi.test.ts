import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorCodes, errorTable } from '../domain/errors.ts';
import { openApiDocument } from './openapi.ts';

type Response = { description: string; content?: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
type Doc = { paths: Record<string, Record<string, { responses: Record<string, Response> }>> };

const doc = openApiDocument() as Doc;
const responses = Object.entries(doc.paths).flatMap(([path, operations]) =>
  Object.entries(operations).flatMap(([method, operation]) =>
    Object.entries(operation.responses).map(([status, response]) => ({
      where: `${method.toUpperCase()} ${path} ${status}`,
      status: Number(status),
      response,
    })),
  ),
);

test("the API document lists every error code with the table's status and description", () => {
  const errorBody = responses.find((r) => r.response.content?.['application/json'].schema.properties.error)!.response.content![
    'application/json'
  ].schema;
  const listed = (
    errorBody.properties.error as { properties: { code: { oneOf: { const: string; 'x-status': number; description: string }[] } } }
  ).properties.code.oneOf;
  assert.deepEqual(
    listed.map((c) => [c.const, c['x-status'], c.description]),
    errorCodes.map((code) => [code, errorTable[code].status, errorTable[code].description]),
  );
});

test('every error status the API document promises is the status of an error code', () => {
  const statuses = new Set<number>(errorCodes.map((code) => errorTable[code].status));
  for (const { where, status, response } of responses) {
    if (status < 400) continue;
    assert.ok(statuses.has(status), `${where}: no error code is answered with ${status}`);
    const body = response.content?.['application/json'].schema.properties;
    if (body?.errors) assert.equal(status, errorTable.validation_failed.status, `${where}: field problems are validation_failed`);
  }
});
