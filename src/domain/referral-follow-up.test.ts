import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { agencyKinds } from './classification.ts';
import { pakistanToday } from './pakistan-time.ts';
import { defaultFollowUpOn, followUpDays, followUpDaysByKind } from './referral-follow-up.ts';

test('every agency kind has a default follow-up, the police soonest and a foreign hotline latest', () => {
  for (const kind of agencyKinds) assert.ok(followUpDaysByKind[kind] >= 1, kind);
  assert.equal(followUpDays({ kind: 'police', followUpDays: null }), 2);
  assert.equal(followUpDays({ kind: 'foreign_hotline', followUpDays: null }), 14);
  assert.equal(followUpDays({ kind: 'an unknown kind', followUpDays: null }), followUpDaysByKind.other);
});

test("an agency's own days override its kind's", () => {
  assert.equal(followUpDays({ kind: 'police', followUpDays: 5 }), 5);
});

test('the default date counts days on Pakistan’s calendar, not UTC’s', () => {
  // 20:00 UTC on 1 March is 01:00 on 2 March in Pakistan: 2 days later is 4 March.
  assert.equal(defaultFollowUpOn({ kind: 'police', followUpDays: null }, new Date('2026-03-01T20:00:00Z')), '2026-03-04');
  assert.equal(defaultFollowUpOn({ kind: 'police', followUpDays: null }, new Date('2026-03-01T18:59:59Z')), '2026-03-03');
  fc.assert(
    fc.property(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), fc.integer({ min: 1, max: 365 }), (ms, days) => {
      const now = new Date(ms);
      const due = defaultFollowUpOn({ kind: 'other', followUpDays: days }, now);
      const diff = (Date.parse(`${due}T00:00:00Z`) - Date.parse(`${pakistanToday(now)}T00:00:00Z`)) / 86_400_000;
      assert.equal(diff, days);
    }),
  );
});
