import assert from 'node:assert/strict';
import { test } from 'node:test';
import { securityHeaders } from './security-headers.ts';

test('security headers: a strict policy of our own origin only, no referrer, no framing; HSTS only over HTTPS', () => {
  const plain = securityHeaders(false);
  assert.equal(
    plain['content-security-policy'],
    "default-src 'none';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self';" +
      "worker-src 'self' blob:;form-action 'self';frame-ancestors 'none';base-uri 'none'",
  );
  assert.equal(plain['referrer-policy'], 'no-referrer');
  assert.equal(plain['x-frame-options'], 'SAMEORIGIN');
  assert.equal(plain['x-content-type-options'], 'nosniff');
  assert.equal(plain['strict-transport-security'], undefined);
  assert.equal(plain['cross-origin-embedder-policy'], undefined);
  assert.equal(securityHeaders(true)['strict-transport-security'], 'max-age=31536000; includeSubDomains');
});
