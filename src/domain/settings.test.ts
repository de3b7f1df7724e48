import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRetentionDays, retentionDaysOf } from './settings.ts';

test('a stored retention period is used when it is a positive whole number, else the default', () => {
  assert.equal(retentionDaysOf(90), 90);
  assert.equal(retentionDaysOf(5000), 5000, 'a stored value is used as it is; the range is checked when it is set');
  for (const stored of [undefined, null, 0, -30, 1.5, 'ninety', {}]) {
    assert.equal(retentionDaysOf(stored), defaultRetentionDays, JSON.stringify(stored));
  }
});
