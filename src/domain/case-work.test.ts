import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseStates } from './case.ts';
import { canMoveCase, referralSchema, referralUpdateSchema, taskSchema } from './case-work.ts';
import { HifazatError, parseInput } from './errors.ts';

test('cases move forward one step at a time, back to any open state but new, never into or out of closed', () => {
  const allowed = caseStates.flatMap((from) => caseStates.filter((to) => canMoveCase(from, to)).map((to) => `${from}→${to}`));
  assert.deepEqual(allowed.sort(), [
    'in_progress→referred',
    'in_progress→triaged',
    'new→triaged',
    'referred→in_progress',
    'referred→triaged',
    'triaged→in_progress',
  ]);
});

test('tasks need a title and a real calendar date', () => {
  assert.deepEqual(taskSchema.parse({ title: ' Call 1121 ', dueOn: '2026-02-28' }), {
    title: 'Call 1121',
    dueOn: '2026-02-28',
    assignedTo: null,
  });
  assert.equal(taskSchema.safeParse({ title: 'x', dueOn: '2026-02-30' }).error?.issues[0]?.message, 'invalid_date');
  assert.equal(taskSchema.safeParse({ title: '  ', dueOn: '2026-02-28' }).error?.issues[0]?.message, 'required');
});

test('referrals: method and FIR status from their lists; an update must change something', () => {
  const referral = referralSchema.parse({
    agencyId: '00000000-0000-4000-8000-000000000015',
    referredAt: '2026-03-01T10:00:00Z',
    method: 'phone',
    firStatus: 'pending',
  });
  assert.deepEqual(referral.referredAt, new Date('2026-03-01T10:00:00Z'));
  assert.equal(referral.followUpOn, undefined, 'left out: the agency’s usual follow-up (services/cases/case-file.ts)');
  assert.equal(referralSchema.parse({ ...referral, followUpOn: null }).followUpOn, null, 'null: none');
  assert.equal(referralSchema.safeParse({ ...referral, method: 'fax' }).success, false);
  assert.equal(referralSchema.safeParse({ ...referral, firStatus: 'maybe' }).success, false);
  assert.equal(referralUpdateSchema.safeParse({}).success, false);
  assert.deepEqual(referralUpdateSchema.parse({ followUpOn: null }), { followUpOn: null });
});

test('parseInput refuses with field-level problems', () => {
  assert.throws(
    () => parseInput(taskSchema, { title: 'x', dueOn: 'tomorrow' }),
    (e: unknown) => e instanceof HifazatError && e.code === 'validation_failed' && e.issues[0]?.field === 'dueOn',
  );
});

test('task, follow-up and referral dates are bounded to dates PostgreSQL stores (year 0 was a 500)', () => {
  assert.equal(taskSchema.safeParse({ title: 'x', dueOn: '0000-01-01' }).error?.issues[0]?.message, 'invalid_date');
  assert.equal(taskSchema.safeParse({ title: 'x', dueOn: '1899-12-31' }).error?.issues[0]?.message, 'invalid_date');
  const referral = { agencyId: '00000000-0000-4000-8000-000000000015', method: 'phone', firStatus: 'pending' };
  for (const referredAt of ['0000-01-01T10:00+05:00', '+275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z', '10000-01-01T00:00:00Z']) {
    assert.equal(referralSchema.safeParse({ ...referral, referredAt }).success, false, referredAt);
  }
  assert.equal(referralSchema.safeParse({ ...referral, referredAt: '2026-03-01T10:00+05:00', followUpOn: '0000-01-01' }).success, false);
  assert.equal(referralUpdateSchema.safeParse({ followUpOn: '0000-12-31' }).success, false);
});
