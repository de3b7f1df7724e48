import assert from 'node:assert/strict';
import { test } from 'node:test';
import { advisoryLocks, monthlyCountsLocks } from './advisory-locks.ts';

test('every advisory lock has a key of its own, outside the monthly counts’ range', () => {
  const keys = Object.values(advisoryLocks);
  assert.equal(new Set(keys).size, keys.length, 'two purposes share a key');
  for (const [purpose, key] of Object.entries(advisoryLocks)) {
    assert.ok(Number.isSafeInteger(key) && key > 0, `${purpose} is a whole number PostgreSQL takes as bigint`);
    assert.ok(key < monthlyCountsLocks.from || key > monthlyCountsLocks.to, `${purpose} falls among the monthly counts' locks`);
  }
});

test('the keys stay as they are (an older instance may still take them)', () => {
  assert.deepEqual(advisoryLocks, { migration: 7_351_002_611, auditAppend: 7_351_002_612 });
  assert.deepEqual(monthlyCountsLocks, { from: 7_351_100_000_000, to: 7_351_100_120_000 });
});
