import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAgainAfterDays, reporterStatusOf, type ReporterFacts } from './reporter-status.ts';

const day = (n: number) => new Date(Date.UTC(2026, 11, n, 6));
const received: ReporterFacts = {
  state: 'new',
  receivedAt: day(1),
  firstReadAt: null,
  reopenedAt: null,
  closedAt: null,
  closureReason: null,
  latestReferral: null,
  unseenStaffMessagesAt: [],
};
const read: ReporterFacts = { ...received, state: 'in_progress', firstReadAt: day(2) };
const referred: ReporterFacts = { ...read, state: 'referred', latestReferral: { agencyKind: 'police', referredAt: day(4) } };

test('received, then read by staff: each with its date, and check again in two days', () => {
  assert.deepEqual(reporterStatusOf(received), { stage: 'received', since: day(1), unreadStaffMessages: 0, checkAgainInDays: 2 });
  assert.deepEqual(reporterStatusOf(read), { stage: 'read', since: day(2), unreadStaffMessages: 0, checkAgainInDays: 2 });
  // Triaged or worked on without anyone opening the content is not "read".
  assert.equal(reporterStatusOf({ ...received, state: 'triaged' }).stage, 'received');
  // Opened while the case is still new is read.
  assert.equal(reporterStatusOf({ ...received, firstReadAt: day(2) }).stage, 'read');
});

test('a staff message she has not seen comes first, dated by the first of them, with nothing to wait for', () => {
  assert.deepEqual(reporterStatusOf({ ...referred, unseenStaffMessagesAt: [day(6), day(5)] }), {
    stage: 'written_to_you',
    since: day(5),
    unreadStaffMessages: 2,
    checkAgainInDays: null,
  });
});

test('referred: the kind of organisation and the latest referral date, check again in a week', () => {
  assert.deepEqual(reporterStatusOf(referred), {
    stage: 'referred',
    since: day(4),
    agencyKind: 'police',
    unreadStaffMessages: 0,
    checkAgainInDays: checkAgainAfterDays.referred,
  });
  assert.equal(checkAgainAfterDays.referred, 7);
  // Marked referred by hand with no referral recorded: passed on, but with no kind or date to tell.
  assert.deepEqual(reporterStatusOf({ ...read, state: 'referred' }), {
    stage: 'referred',
    since: null,
    unreadStaffMessages: 0,
    checkAgainInDays: 7,
  });
  // A referral of a case since moved back to work is history, not the stage.
  assert.equal(reporterStatusOf({ ...referred, state: 'in_progress' }).stage, 'read');
});

test('closed is the final word, with its reason, and nothing to check; a pending message does not hide it', () => {
  const closed: ReporterFacts = {
    ...referred,
    state: 'closed',
    closedAt: day(9),
    closureReason: 'unfounded',
    unseenStaffMessagesAt: [day(8)],
  };
  assert.deepEqual(reporterStatusOf(closed), {
    stage: 'closed',
    since: day(9),
    closureReason: 'unfounded',
    unreadStaffMessages: 1,
    checkAgainInDays: null,
  });
});

test('reopened by her message: dated, above read, below referral and staff messages', () => {
  const reopened: ReporterFacts = { ...read, reopenedAt: day(10), closedAt: null };
  assert.deepEqual(reporterStatusOf(reopened), { stage: 'reopened', since: day(10), unreadStaffMessages: 0, checkAgainInDays: 2 });
  assert.equal(reporterStatusOf({ ...reopened, unseenStaffMessagesAt: [day(11)] }).stage, 'written_to_you');
  assert.equal(
    reporterStatusOf({ ...reopened, state: 'referred', latestReferral: { agencyKind: 'helpline', referredAt: day(12) } }).stage,
    'referred',
  );
  assert.equal(reporterStatusOf({ ...reopened, state: 'closed', closedAt: day(13), closureReason: 'actioned' }).stage, 'closed');
});
