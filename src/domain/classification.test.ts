import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  awaitsTriage,
  caseUrgency,
  categories,
  classificationSchema,
  compareQueueOrder,
  compareUrgency,
  legalBases,
  triageClock,
  triageDueAt,
  type Urgency,
} from './classification.ts';

const at = (iso: string) => new Date(iso);
const urgency = (inDangerNow: boolean | null, ageBand: string, receivedAt: string): Urgency => ({
  inDangerNow,
  ageBand,
  receivedAt: at(receivedAt),
});

test('the categories are the identifiers of pakistan.md, Sahil first, then online ones and other', () => {
  assert.equal(categories.length, 18);
  assert.deepEqual(categories.slice(-3), ['online_grooming', 'sextortion', 'other']);
  assert.ok(categories.includes('abuse_material') && categories.includes('vani'));
});

test('triage is due 2 hours after receipt when a child is in danger now, else 24 hours', () => {
  const received = at('2026-03-01T10:00:00Z');
  assert.deepEqual(triageDueAt(received, true), at('2026-03-01T12:00:00Z'));
  assert.deepEqual(triageDueAt(received, false), at('2026-03-02T10:00:00Z'));
  assert.deepEqual(triageDueAt(received, null), at('2026-03-02T10:00:00Z'));
});

test('the triage clock runs in every open state until a report is classified', () => {
  for (const state of ['new', 'triaged', 'in_progress', 'referred'] as const) {
    assert.equal(awaitsTriage({ state, classified: false }), true, state);
    assert.equal(awaitsTriage({ state, classified: true }), false, state);
  }
  assert.equal(awaitsTriage({ state: 'closed', classified: false }), false);
  const received = urgency(false, '6-10', '2026-03-01T10:00:00Z');
  assert.deepEqual(triageClock(received, true, at('2026-03-02T10:00:00Z')), { dueAt: at('2026-03-02T10:00:00Z'), overdue: false });
  assert.deepEqual(triageClock(received, true, at('2026-03-02T10:00:01Z')), { dueAt: at('2026-03-02T10:00:00Z'), overdue: true });
  assert.equal(triageClock(received, false, at('2026-03-09T00:00:00Z')), null);
});

test('the queue puts cases overdue for triage first, each group in the triage order', () => {
  const dangerDue = { ...urgency(true, '0-5', '2026-03-01T12:00:00Z'), overdue: false };
  const lateTeen = { ...urgency(false, '16-17', '2026-03-01T07:00:00Z'), overdue: true };
  const lateDanger = { ...urgency(true, '16-17', '2026-03-01T09:00:00Z'), overdue: true };
  const child = { ...urgency(false, '6-10', '2026-03-01T08:00:00Z'), overdue: false };
  assert.deepEqual([child, dangerDue, lateTeen, lateDanger].sort(compareQueueOrder), [lateDanger, lateTeen, dangerDue, child]);
});

test('the legal bases include rape of a minor, unnatural offences, child kidnapping and PECA ss.21 and 24', () => {
  for (const basis of ['ppc_375_376', 'ppc_376_3', 'ppc_377', 'ppc_364a', 'peca_21', 'peca_24']) {
    assert.ok((legalBases as readonly string[]).includes(basis), basis);
  }
  const parsed = classificationSchema.parse({ category: 'rape', legalBases: ['ppc_375_376', 'ppc_376_3'] });
  assert.deepEqual(parsed.legalBases, ['ppc_375_376', 'ppc_376_3']);
});

test('urgency: danger now first, then younger bands with unknown last, then oldest first', () => {
  const dangerTeen = urgency(true, '16-17', '2026-03-01T12:00:00Z');
  const toddlerLate = urgency(false, '0-5', '2026-03-01T11:00:00Z');
  const toddlerEarly = urgency(null, '0-5', '2026-03-01T09:00:00Z');
  const child = urgency(false, '6-10', '2026-03-01T08:00:00Z');
  const teen = urgency(false, '11-15', '2026-03-01T07:00:00Z');
  const older = urgency(false, '16-17', '2026-03-01T06:00:00Z');
  const unknownAge = urgency(false, 'unknown', '2026-03-01T05:00:00Z');
  const sorted = [unknownAge, older, teen, child, toddlerLate, toddlerEarly, dangerTeen].sort(compareUrgency);
  assert.deepEqual(sorted, [dangerTeen, toddlerEarly, toddlerLate, child, teen, older, unknownAge]);
});

test("a case's urgency takes danger from any report, the youngest band and the first receipt", () => {
  const combined = caseUrgency([
    urgency(false, '11-15', '2026-03-02T00:00:00Z'),
    urgency(true, 'unknown', '2026-03-03T00:00:00Z'),
    urgency(null, '6-10', '2026-03-01T00:00:00Z'),
  ]);
  assert.deepEqual(combined, urgency(true, '6-10', '2026-03-01T00:00:00Z'));
  assert.equal(
    caseUrgency([urgency(null, '0-5', '2026-03-01T00:00:00Z'), urgency(false, '0-5', '2026-03-01T00:00:00Z')]).inDangerNow,
    false,
  );
});

test('a classification needs a category; lists are de-duplicated; unknowns are the defaults', () => {
  const parsed = classificationSchema.parse({ category: 'sextortion', tags: ['sextortion', 'sextortion'], legalBases: ['peca_22'] });
  assert.deepEqual(parsed, {
    category: 'sextortion',
    legalBases: ['peca_22'],
    interpolBaseline: null,
    tags: ['sextortion'],
    victimAgeBand: 'unknown',
    victimSex: 'unknown',
    materialViewed: null,
  });
  assert.equal(classificationSchema.safeParse({}).error?.issues[0]?.message, 'required');
  assert.equal(classificationSchema.safeParse({ category: 'pornography' }).error?.issues[0]?.message, 'invalid_choice');
  assert.equal(classificationSchema.safeParse({ category: 'other', legalBases: ['ppc_999'] }).success, false);
  assert.equal(classificationSchema.safeParse({ category: 'other', tags: ['deepfake'] }).success, false);
});

test('who viewed the material is named exactly when someone did', () => {
  const issue = (input: object) => classificationSchema.safeParse({ category: 'abuse_material', ...input }).error?.issues[0];
  assert.deepEqual(issue({ materialViewed: true })?.path, ['viewedBy']);
  assert.deepEqual(issue({ materialViewed: false, viewedBy: 'analyst A' })?.path, ['viewedBy']);
  assert.equal(issue({ materialViewed: true, viewedBy: 'analyst A' }), undefined);
});
