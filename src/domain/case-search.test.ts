import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyedLinkHashOf, queueClocks, type QueueClockFacts } from './case-search.ts';

const hour = 3_600_000;
const now = new Date('2026-06-15T12:00:00Z');
const facts = (over: Partial<QueueClockFacts>): QueueClockFacts => ({
  state: 'new',
  urgency: { inDangerNow: false, ageBand: '6-10', receivedAt: new Date(now.getTime() - 3 * hour) },
  classified: false,
  categories: [],
  zarra: { notifiedAt: null, firRegisteredAt: null },
  ...over,
});

test('a case is overdue in the queue for triage, for ZARRA, for both, or not at all', () => {
  assert.deepEqual(queueClocks(facts({}), now).overdueBecause, [], '24 hours to triage: not yet');
  assert.deepEqual(queueClocks(facts({ urgency: { ...facts({}).urgency, inDangerNow: true } }), now).overdueBecause, ['triage']);
  const zarra = facts({ classified: true, categories: ['missing'] });
  assert.deepEqual(queueClocks(zarra, now).overdueBecause, ['zarra'], 'triaged, 1099 not notified in 2 hours');
  assert.equal(queueClocks(zarra, now).zarra?.notifyDueAt.getTime(), now.getTime() - hour);
  assert.deepEqual(
    queueClocks({ ...zarra, zarra: { notifiedAt: now, firRegisteredAt: null } }, now).overdueBecause,
    [],
    'notified, however late',
  );
  assert.deepEqual(
    queueClocks(facts({ categories: ['kidnapping'], urgency: { ...facts({}).urgency, inDangerNow: true } }), now).overdueBecause,
    ['triage', 'zarra'],
    'a link classified kidnapping, the report not yet triaged',
  );
  const closed = queueClocks({ ...zarra, state: 'closed' }, now);
  assert.deepEqual([closed.triage, closed.zarra, closed.overdueBecause], [null, null, []], 'a closed case waits for nothing');
  assert.deepEqual(queueClocks(facts({ classified: true, categories: ['rape'] }), now).overdueBecause, [], 'not a ZARRA category');
});

test("a link's keyed hash is read as printed (64 hexadecimal digits, either case, spaces around); nothing else is one", () => {
  const hex = 'ab'.repeat(32);
  assert.deepEqual(keyedLinkHashOf(` ${hex.toUpperCase()}\n`), Buffer.from(hex, 'hex'));
  for (const other of [hex.slice(1), `${hex}0`, 'g'.repeat(64), 'https://example.com/', `${hex}.com`]) {
    assert.equal(keyedLinkHashOf(other), undefined, other);
  }
});
