import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { checkInput, errorCodes, errorTable, HifazatError, parseInput } from './errors.ts';
import { bulkMatchRequestSchema, matchRequestSchema } from './signals.ts';

test('every error code is answered with an HTTP error status and says what it means', () => {
  for (const code of errorCodes) {
    const { status, description } = errorTable[code];
    assert.ok(Number.isInteger(status) && status >= 400 && status <= 599, `${code}: ${status}`);
    assert.ok(description.length > 10, `${code} needs a description`);
  }
  assert.equal(errorTable.validation_failed.status, 400);
  assert.equal(errorTable.rate_limited.status, 429);
});

const issuesOf = (schema: z.ZodType, input: unknown) => {
  const checked = checkInput(schema, input);
  assert.equal(checked.ok, false);
  return checked.ok ? [] : checked.error.issues;
};

test("a schema's problem keys become problems; its sentences reach the caller as messages", () => {
  const schema = z.strictObject({
    title: z.string('required').max(3, 'too_long'),
    md5: z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 hexadecimal digits'),
  });
  assert.deepEqual(issuesOf(schema, { title: 'long', md5: 'xyz', extra: 1 }), [
    { field: 'title', problem: 'too_long' },
    { field: 'md5', problem: 'invalid', message: 'must be 32 hexadecimal digits' },
    { field: 'extra', problem: 'unknown_field' },
  ]);
});

test('zod\'s own English defaults are not passed on: a problem the schema did not name is "invalid"', () => {
  const schema = z.object({ count: z.number(), choice: z.enum(['a', 'b']) });
  assert.deepEqual(issuesOf(schema, { count: 'x', choice: 'c' }), [
    { field: 'count', problem: 'invalid' },
    { field: 'choice', problem: 'invalid' },
  ]);
});

test("the matching API's own messages are kept, also inside a union and a list", () => {
  for (const pdq of ['abc', 'f'.repeat(63), 'g'.repeat(64)]) {
    assert.deepEqual(
      issuesOf(matchRequestSchema, { pdq }),
      [{ field: 'pdq', problem: 'invalid', message: 'must be 64 hexadecimal digits' }],
      pdq,
    );
  }
  assert.deepEqual(issuesOf(matchRequestSchema, { pdq: 7 }), [{ field: 'pdq', problem: 'invalid' }], 'neither a hash nor a list');
  assert.deepEqual(issuesOf(matchRequestSchema, { md5: 'abc' }), [
    { field: 'md5', problem: 'invalid', message: 'must be 32 hexadecimal digits' },
  ]);
  assert.deepEqual(issuesOf(matchRequestSchema, {}), [{ field: 'pdq', problem: 'invalid', message: 'give pdq, md5 or sha256' }]);
  const queries = Array.from({ length: 1001 }, () => ({ md5: '0'.repeat(32) }));
  assert.deepEqual(issuesOf(bulkMatchRequestSchema, { queries }), [
    { field: 'queries', problem: 'invalid', message: 'at most 1000 queries' },
  ]);
  assert.deepEqual(issuesOf(bulkMatchRequestSchema, { queries: [{ md5: '0'.repeat(32) }, { sha256: 'f' }] }), [
    { field: 'queries.1.sha256', problem: 'invalid', message: 'must be 64 hexadecimal digits' },
  ]);
});

test('parseInput gives the parsed value or throws validation_failed with the problems', () => {
  assert.deepEqual(parseInput(matchRequestSchema, { md5: 'A'.repeat(32) }), { md5: 'a'.repeat(32) });
  assert.throws(
    () => parseInput(matchRequestSchema, { md5: 'abc' }),
    (error: unknown) => error instanceof HifazatError && error.code === 'validation_failed' && error.issues[0]?.field === 'md5',
  );
});
