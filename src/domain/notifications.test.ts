import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notificationMessage } from './notification-messages.ts';
import {
  dedupeKey,
  isMutable,
  isUrgent,
  minuteOfTime,
  nextAttemptAt,
  notificationKinds,
  onDutyAt,
  pakistanWeekMinute,
  recipientsOf,
  retryDelayMs,
  shiftCovers,
  timeOfMinute,
  type DutyShift,
  type Notifiable,
} from './notifications.ts';

// Monday 7 December 2026, 10:00 in Pakistan (05:00 UTC).
const mondayTen = new Date('2026-12-07T05:00:00Z');
const at = (pakistanLocal: string) => new Date(`${pakistanLocal}+05:00`);

test('Pakistan weekday and minute', () => {
  assert.deepEqual(pakistanWeekMinute(mondayTen), { weekday: 1, minute: 600 });
  // 23:30 UTC on Sunday is 04:30 on Monday in Pakistan.
  assert.deepEqual(pakistanWeekMinute(new Date('2026-12-06T23:30:00Z')), { weekday: 1, minute: 270 });
  assert.deepEqual(pakistanWeekMinute(at('2026-12-13T12:00:00')), { weekday: 7, minute: 720 });
});

test('a shift covers its weekday from its start to before its end', () => {
  const shift = { weekday: 1, startMinute: 9 * 60, endMinute: 17 * 60 } as const;
  assert.equal(shiftCovers(shift, at('2026-12-07T09:00:00')), true);
  assert.equal(shiftCovers(shift, at('2026-12-07T16:59:00')), true);
  assert.equal(shiftCovers(shift, at('2026-12-07T17:00:00')), false);
  assert.equal(shiftCovers(shift, at('2026-12-07T08:59:00')), false);
  assert.equal(shiftCovers(shift, at('2026-12-08T10:00:00')), false, 'Tuesday');
});

test('a night shift runs past midnight into the next day, Sunday into Monday too', () => {
  const night = { weekday: 7, startMinute: 22 * 60, endMinute: 6 * 60 } as const;
  assert.equal(shiftCovers(night, at('2026-12-13T23:00:00')), true, 'Sunday 23:00');
  assert.equal(shiftCovers(night, at('2026-12-14T05:59:00')), true, 'Monday 05:59');
  assert.equal(shiftCovers(night, at('2026-12-14T06:00:00')), false, 'Monday 06:00');
  assert.equal(shiftCovers(night, at('2026-12-13T21:59:00')), false, 'Sunday 21:59');
  assert.equal(shiftCovers(night, at('2026-12-07T01:00:00')), true, 'Monday 01:00 of another week');
  const wholeDay = { weekday: 3, startMinute: 0, endMinute: 0 } as const;
  assert.equal(shiftCovers(wholeDay, at('2026-12-09T00:00:00')), true);
  assert.equal(shiftCovers(wholeDay, at('2026-12-09T23:59:00')), true);
  assert.equal(shiftCovers(wholeDay, at('2026-12-10T00:00:00')), false);
});

test('who is on duty', () => {
  const shifts: DutyShift[] = [
    { staffId: 'a', weekday: 1, startMinute: 540, endMinute: 1020 },
    { staffId: 'b', weekday: 2, startMinute: 540, endMinute: 1020 },
  ];
  assert.deepEqual([...onDutyAt(shifts, mondayTen)], ['a']);
});

test('times of day are read and written as HH:MM', () => {
  assert.equal(minuteOfTime('00:00'), 0);
  assert.equal(minuteOfTime('23:59'), 1439);
  for (const bad of ['24:00', '9:00', '12:60', '', '12:00:00', ' 12:00']) assert.equal(minuteOfTime(bad), undefined, bad);
  assert.equal(timeOfMinute(545), '09:05');
});

const team: Notifiable[] = [
  { id: 'sup1', role: 'supervisor', language: 'en' },
  { id: 'sup2', role: 'supervisor', language: 'ur' },
  { id: 'an1', role: 'analyst', language: 'en' },
  { id: 'an2', role: 'analyst', language: 'en' },
  { id: 'aud', role: 'auditor', language: 'en' },
  { id: 'adm', role: 'administrator', language: 'en' },
];

test('a danger-now report: analysts and supervisors on duty; nobody on duty: every supervisor', () => {
  const event = { kind: 'danger_report', key: 'r1', caseId: 'c1' } as const;
  assert.deepEqual(recipientsOf(event, team, new Set(['an1', 'sup2', 'aud'])), ['sup2', 'an1']);
  assert.deepEqual(recipientsOf(event, team, new Set()), ['sup1', 'sup2']);
  assert.deepEqual(recipientsOf(event, team, new Set(['aud', 'adm'])), ['sup1', 'sup2'], 'auditors and administrators are never told');
});

test('a triage clock near its end: supervisors on duty, else every supervisor', () => {
  const event = { kind: 'triage_due', key: 'c1', caseId: 'c1' } as const;
  assert.deepEqual(recipientsOf(event, team, new Set(['an1', 'sup1'])), ['sup1']);
  assert.deepEqual(recipientsOf(event, team, new Set(['an1'])), ['sup1', 'sup2']);
});

test('a reply or a follow-up: the assignee, else the supervisors on duty', () => {
  const reply = { kind: 'reporter_reply', key: 'm1', caseId: 'c1', assignedTo: 'an2' } as const;
  assert.deepEqual(recipientsOf(reply, team, new Set()), ['an2']);
  assert.deepEqual(recipientsOf({ ...reply, assignedTo: null }, team, new Set(['sup2'])), ['sup2']);
  assert.deepEqual(recipientsOf({ ...reply, assignedTo: 'gone' }, team, new Set()), ['sup1', 'sup2'], 'an assignee no longer active');
  const followUp = { kind: 'referral_follow_up', key: 'f1', caseId: 'c1', assignedTo: 'an1' } as const;
  assert.deepEqual(recipientsOf(followUp, team, new Set()), ['an1']);
});

test('a closure awaiting approval: every supervisor but the one who asked', () => {
  const event = { kind: 'closure_request', key: 'c1:1', caseId: 'c1', requestedBy: 'sup1' } as const;
  assert.deepEqual(recipientsOf(event, team, new Set()), ['sup2']);
  assert.deepEqual(recipientsOf({ ...event, requestedBy: 'an1' }, team, new Set()), ['sup1', 'sup2']);
});

test('urgent kinds cannot be muted', () => {
  assert.deepEqual(
    notificationKinds.filter((k) => isUrgent(k)),
    ['danger_report', 'triage_due'],
  );
  assert.deepEqual(
    notificationKinds.filter((k) => isMutable(k)),
    ['reporter_reply', 'closure_request', 'referral_follow_up'],
  );
  assert.equal(isMutable('danger_report'), false);
});

test('retries back off exponentially to 15 minutes, and give up after a day', () => {
  assert.deepEqual([1, 2, 3, 4, 7, 8, 30].map(retryDelayMs), [15_000, 30_000, 60_000, 120_000, 900_000, 900_000, 900_000]);
  const created = new Date('2026-12-07T00:00:00Z');
  assert.deepEqual(nextAttemptAt(1, created, new Date('2026-12-07T00:00:10Z')), new Date('2026-12-07T00:00:25Z'));
  assert.equal(nextAttemptAt(9, created, new Date('2026-12-07T23:50:00Z')), null);
});

test('one dedupe key per event and recipient', () => {
  const event = { kind: 'danger_report', key: 'r1', caseId: 'c1' } as const;
  assert.equal(dedupeKey(event, 'sup1'), 'danger_report:r1:sup1');
  assert.notEqual(dedupeKey(event, 'sup1'), dedupeKey(event, 'sup2'));
});

test('a notification names nothing but the console sign-in page', () => {
  for (const kind of notificationKinds) {
    for (const language of ['en', 'ur'] as const) {
      const { subject, text } = notificationMessage(kind, language, 'https://hotline.example.org/console/en/sign-in');
      assert.ok(subject.length > 0);
      assert.deepEqual(text.match(/https?:\/\/\S+/g), ['https://hotline.example.org/console/en/sign-in']);
      assert.doesNotMatch(text, /HZ-\d{4}/);
    }
  }
  assert.match(notificationMessage('danger_report', 'ur', 'x').text, /فوری رپورٹ/);
});
