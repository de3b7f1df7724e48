import type { CaseState, ClosureReason } from './case.ts';
import type { AgencyKind } from './classification.ts';

/**
 * What the reporter is told with her receipt: how far her report has come, from what staff did,
 * in plain stages that each carry a date. The one place this rule lives; the follow-up page, the
 * API and their tests read it from here.
 */
export const reporterStages = ['received', 'read', 'written_to_you', 'referred', 'reopened', 'closed'] as const;
export type ReporterStage = (typeof reporterStages)[number];

/** How many days to wait before checking again, while staff work (received, read, reopened) and once passed on. */
export const checkAgainAfterDays = { whileWorking: 2, referred: 7 } as const;

/** The plain facts the stage is worked out from, as the database keeps them. */
export interface ReporterFacts {
  state: CaseState;
  receivedAt: Date;
  /** When a member of staff first opened the report's content in the console; null: not yet. */
  firstReadAt: Date | null;
  /** When a message of hers last reopened the closed case; null: never. */
  reopenedAt: Date | null;
  closedAt: Date | null;
  closureReason: ClosureReason | null;
  /** The case's latest referral: the kind of organisation (never its name) and when. */
  latestReferral: { agencyKind: AgencyKind; referredAt: Date } | null;
  /** When each staff message not yet shown to her was written. */
  unseenStaffMessagesAt: readonly Date[];
}

/** The stage and when it was reached, with what the reporter is told of it. */
export type ReporterStatus = {
  /** Staff messages she has not been shown yet. */
  unreadStaffMessages: number;
  /** When to look again; null when there is nothing to wait for (a message to answer, or a closed case). */
  checkAgainInDays: number | null;
} & (
  | { stage: 'received' | 'read' | 'written_to_you' | 'reopened'; since: Date; agencyKind?: never; closureReason?: never }
  /** With the kind of organisation; or neither kind nor date when staff marked it referred by hand with no referral recorded. */
  | { stage: 'referred'; since: Date; agencyKind: AgencyKind; closureReason?: never }
  | { stage: 'referred'; since: null; agencyKind?: never; closureReason?: never }
  /** With why, which the page says in plain words (a closed case always has both; the types of the columns allow none). */
  | { stage: 'closed'; since: Date | null; closureReason?: ClosureReason; agencyKind?: never }
);

/**
 * The stage, first match wins: closed (the final word, whatever else is pending); a staff message
 * she has not seen (she has something to read and perhaps answer); referred; reopened by her
 * message; read by staff; received.
 */
export function reporterStatusOf(facts: ReporterFacts): ReporterStatus {
  const unreadStaffMessages = facts.unseenStaffMessagesAt.length;
  if (facts.state === 'closed') {
    const closed = { stage: 'closed', since: facts.closedAt, unreadStaffMessages, checkAgainInDays: null } as const;
    return facts.closureReason ? { ...closed, closureReason: facts.closureReason } : closed;
  }
  if (unreadStaffMessages > 0) {
    const first = new Date(Math.min(...facts.unseenStaffMessagesAt.map((d) => d.getTime())));
    return { stage: 'written_to_you', since: first, unreadStaffMessages, checkAgainInDays: null };
  }
  const waiting = { unreadStaffMessages, checkAgainInDays: checkAgainAfterDays.whileWorking };
  if (facts.state === 'referred') {
    const referral = facts.latestReferral;
    const passedOn = { unreadStaffMessages, checkAgainInDays: checkAgainAfterDays.referred };
    if (!referral) return { stage: 'referred', since: null, ...passedOn };
    return { stage: 'referred', since: referral.referredAt, agencyKind: referral.agencyKind, ...passedOn };
  }
  if (facts.reopenedAt) return { stage: 'reopened', since: facts.reopenedAt, ...waiting };
  if (facts.firstReadAt) return { stage: 'read', since: facts.firstReadAt, ...waiting };
  return { stage: 'received', since: facts.receivedAt, ...waiting };
}
