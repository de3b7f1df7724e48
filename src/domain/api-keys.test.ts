import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKeyExpired, apiKeyExpiry } from './api-keys.ts';

const at = (iso: string) => new Date(iso);

test('apiKeyExpiry is the end of the named day in Pakistan (19:00 UTC), and today is still allowed', () => {
  assert.equal(apiKeyExpiry('2026-06-30', at('2026-06-01T00:00:00Z')).toISOString(), '2026-06-30T19:00:00.000Z');
  assert.equal(apiKeyExpiry('2026-06-30', at('2026-06-30T18:59:59Z')).toISOString(), '2026-06-30T19:00:00.000Z');
  assert.equal(apiKeyExpiry('2028-02-29', at('2026-06-01T00:00:00Z')).toISOString(), '2028-02-29T19:00:00.000Z', 'a leap day');
});

test('apiKeyExpiry refuses a day already over in Pakistan, and what is not a calendar date, saying why', () => {
  assert.throws(() => apiKeyExpiry('2026-06-30', at('2026-06-30T19:00:00Z')), {
    code: 'validation_failed',
    message: /--expires 2026-06-30 is over already/,
  });
  for (const bad of ['2027-02-29', '2026-13-01', '2026-6-30', '30/06/2026', 'tomorrow', '', '2026-06-30T10:00']) {
    assert.throws(
      () => apiKeyExpiry(bad, at('2026-06-01T00:00:00Z')),
      { code: 'validation_failed', message: /calendar date, YYYY-MM-DD/ },
      bad,
    );
  }
});

test('apiKeyExpired: from the expiry instant on, never without one', () => {
  const expiresAt = at('2026-06-30T19:00:00Z');
  assert.equal(apiKeyExpired(expiresAt, at('2026-06-30T18:59:59.999Z')), false);
  assert.equal(apiKeyExpired(expiresAt, expiresAt), true);
  assert.equal(apiKeyExpired(null, at('2099-01-01T00:00:00Z')), false);
});
