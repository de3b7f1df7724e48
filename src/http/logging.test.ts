import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loggableError } from './logging.ts';

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
