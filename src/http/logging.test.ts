import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loggableError, withheldValues } from './logging.ts';

test('database errors lose their parameters and details before logging', () => {
  const driverError = Object.assign(new Error('duplicate key value violates unique constraint'), {
    code: '23505',
    detail: 'Key (receipt_hash)=(\\x0102) already exists.',
  });
  const queryError = new Error(
    'Failed query: insert into "reports" ("id", "sensitive") values ($1, $2)\nparams: 7f1c,ہمسایہ بچی کو تنگ کرتا ہے',
    { cause: driverError },
  );
  const logged = JSON.stringify(loggableError(queryError));
  assert.ok(logged.includes('insert into'), 'the SQL text (placeholders only) stays');
  assert.ok(logged.includes('23505'), 'the error code stays');
  for (const secret of ['ہمسایہ', '7f1c', 'params:', 'receipt_hash)=', '\\x0102']) {
    assert.ok(!logged.includes(secret), `${secret} was logged`);
  }
});

test('PostgreSQL errors keep only the SQLSTATE, a generic message and identifiers; other errors lose quoted values and paths', () => {
  const value = 'Qz7Canary';
  const databaseError = Object.assign(new Error(`invalid input syntax for type uuid: "${value}"`), {
    name: 'error',
    severity: 'ERROR',
    code: '22P02',
    where: `unnamed portal parameter $1 = '${value}'`,
    table: 'reports',
    constraint: `weird "${value}" name`,
    params: [value],
  });
  void databaseError.stack;
  const logged = loggableError(databaseError);
  assert.equal(logged.code, '22P02');
  assert.equal(logged.table, 'reports');
  assert.equal(logged.message, 'database error 22P02 (invalid text representation)');
  assert.match(String(logged.stack), /^DatabaseError: database error 22P02 \(invalid text representation\)\n {4}at /);
  assert.ok(!JSON.stringify(logged).includes(value), JSON.stringify(logged));

  // A value with quotes inside the quotes (V8's JSON message), a message changed after the stack
  // was taken, a path, and something thrown that is not an Error.
  let syntaxError: Error;
  try {
    JSON.parse(`{"a": "${value}" "b"}`);
    throw new Error('unreachable');
  } catch (error) {
    syntaxError = error as Error;
  }
  const changed = new TypeError('first');
  void changed.stack;
  changed.message = `Route GET:/x/${value} not found, reading '${value}'`;
  for (const error of [syntaxError, changed, { message: value }, value]) {
    const text = JSON.stringify(loggableError(error));
    assert.ok(!text.includes(value), text);
  }
  assert.equal(withheldValues(`Route GET:/en/?q=${value} not found`), 'Route GET:/… not found');
  assert.equal(
    withheldValues(`Cannot read properties of undefined (reading '${value}')`),
    'Cannot read properties of undefined (reading "…")',
  );
  assert.equal(withheldValues('Server listening at http://127.0.0.1:3000'), 'Server listening at http://127.0.0.1:3000');
});
