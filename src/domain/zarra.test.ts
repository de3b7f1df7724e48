import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { categories } from './classification.ts';
import { isZarraCase, zarraCategories, zarraClock, zarraRecordSchema, zarraTargetHours } from './zarra.ts';

const at = (iso: string) => new Date(iso);
const hour = 3_600_000;

test('ZARRA covers missing, abduction and kidnapping, categories the classification knows', () => {
  assert.deepEqual([...zarraCategories].sort(), ['abduction', 'kidnapping', 'missing']);
  for (const c of zarraCategories) assert.ok((categories as readonly string[]).includes(c));
  assert.equal(zarraTargetHours, 2);
});

test('a case is a ZARRA case when any of its classifications is one of those categories', () => {
  assert.equal(isZarraCase(['missing']), true);
  assert.equal(isZarraCase(['sextortion', 'kidnapping']), true);
  assert.equal(isZarraCase(['rape', 'other']), false);
  assert.equal(isZarraCase([]), false);
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...categories)), (list) => {
      assert.equal(
        isZarraCase(list),
        list.some((c) => c === 'missing' || c === 'abduction' || c === 'kidnapping'),
      );
    }),
  );
});

test('1099 is due 2 hours after the first receipt; overdue only once that has passed with no notification', () => {
  const receivedAt = at('2026-03-01T10:00:00Z');
  const facts = { receivedAt, notifiedAt: null, firRegisteredAt: null };
  const before = zarraClock(facts, at('2026-03-01T11:59:59Z'));
  assert.deepEqual(before, { notifyDueAt: at('2026-03-01T12:00:00Z'), notifyOverdue: false, firRegistered: false });
  assert.equal(zarraClock(facts, at('2026-03-01T12:00:00Z')).notifyOverdue, false);
  assert.equal(zarraClock(facts, at('2026-03-01T12:00:01Z')).notifyOverdue, true);
  const notified = zarraClock({ ...facts, notifiedAt: at('2026-03-01T13:00:00Z') }, at('2026-03-02T00:00:00Z'));
  assert.equal(notified.notifyOverdue, false);
  assert.equal(zarraClock({ ...facts, firRegisteredAt: at('2026-03-01T15:00:00Z') }, receivedAt).firRegistered, true);
});

test('the clock: due exactly 2 h after receipt, overdue iff past due and not notified', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
      fc.integer({ min: -10 * hour, max: 10 * hour }),
      fc.option(fc.integer({ min: 0, max: 10 * hour })),
      fc.boolean(),
      (received, elapsed, notifiedAfter, fir) => {
        const receivedAt = new Date(received);
        const clock = zarraClock(
          {
            receivedAt,
            notifiedAt: notifiedAfter === null ? null : new Date(received + notifiedAfter),
            firRegisteredAt: fir ? new Date(received + hour) : null,
          },
          new Date(received + elapsed),
        );
        assert.equal(clock.notifyDueAt.getTime() - received, zarraTargetHours * hour);
        assert.equal(clock.notifyOverdue, notifiedAfter === null && elapsed > zarraTargetHours * hour);
        assert.equal(clock.firRegistered, fir);
      },
    ),
  );
});

const limits = { receivedAt: at('2026-03-01T10:00:00Z'), now: at('2026-03-02T10:00:00Z') };
const problems = (input: unknown) => {
  const result = zarraRecordSchema(limits).safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}:${i.message}`);
};

test('a record: times between the receipt and now, references optional, empty times not recorded', () => {
  assert.deepEqual(
    zarraRecordSchema(limits).parse({
      notifiedAt: '2026-03-01T16:00:00+05:00',
      reference: ' ZA-2026-17 ',
      firRegisteredAt: '',
      firNumber: '',
    }),
    { notifiedAt: at('2026-03-01T11:00:00Z'), reference: 'ZA-2026-17', firRegisteredAt: null, firNumber: null },
  );
  assert.deepEqual(zarraRecordSchema(limits).parse({}), { notifiedAt: null, reference: null, firRegisteredAt: null, firNumber: null });
  assert.deepEqual(problems({ notifiedAt: '2026-03-02T10:00:00Z', firRegisteredAt: '2026-03-01T10:00:00Z' }), []);
});

test('a record refuses a time in the future, before the receipt, not a time, and a reference without its time', () => {
  assert.deepEqual(problems({ notifiedAt: '2026-03-02T10:00:01Z' }), ['notifiedAt:future_time']);
  assert.deepEqual(problems({ firRegisteredAt: '2026-03-01T09:59:59Z' }), ['firRegisteredAt:before_receipt']);
  assert.deepEqual(problems({ notifiedAt: 'yesterday' }), ['notifiedAt:invalid_date']);
  assert.deepEqual(problems({ reference: 'ZA-1' }), ['notifiedAt:time_required']);
  assert.deepEqual(problems({ firNumber: '123/26' }), ['firRegisteredAt:time_required']);
  assert.deepEqual(problems({ other: 'x' }), [':invalid']);
});
