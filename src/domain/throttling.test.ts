import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { clientKeyOf, defaultClientLimits, delayAfter, delayTable, throttleRules, windowOf } from './throttling.ts';

const rules = throttleRules(defaultClientLimits);

test("attempts beyond the free ones wait 1, 2, 4 … seconds, up to the rule's maximum", () => {
  const rule = rules.signInAccount;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8].map((n) => delayAfter(rule, n)),
    [0, 0, 0, 0, 1, 2, 4, 8],
  );
  assert.equal(delayAfter(rule, 99), 60);
  assert.deepEqual(delayTable(rule), [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60]);
});

test('a plain rate limit never delays: its table is one zero', () => {
  assert.deepEqual(delayTable(rules.report), [0]);
  assert.equal(delayAfter(rules.report, rules.report.limit), 0);
});

test('the table the database reads gives the same wait as the rule for every attempt', () => {
  fc.assert(
    fc.property(fc.constantFrom(...Object.values(rules)), fc.integer({ min: 1, max: 1000 }), (rule, attempts) => {
      const table = delayTable(rule);
      assert.equal(table[Math.min(attempts, table.length) - 1], delayAfter(rule, attempts));
    }),
  );
});

test('windows: the start and the seconds left', () => {
  const at = Date.UTC(2026, 11, 4, 10, 59, 30);
  assert.deepEqual(windowOf(rules.report, at), { start: new Date(Date.UTC(2026, 11, 4, 10)), secondsLeft: 30 });
  assert.deepEqual(windowOf(rules.followUp, at), { start: new Date(Date.UTC(2026, 11, 4, 10, 50)), secondsLeft: 30 });
});

test('a client is an IPv4 address or an IPv6 /64, however it is written', () => {
  assert.equal(clientKeyOf('203.0.113.7'), '203.0.113.7');
  assert.equal(clientKeyOf('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(clientKeyOf('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(clientKeyOf('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(clientKeyOf('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(clientKeyOf('::1'), '0:0:0:0::/64');
  assert.equal(clientKeyOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
});
