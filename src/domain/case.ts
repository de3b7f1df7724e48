import type { PublicStatus } from './report.ts';

/** A case holds one or more reports and moves through these states. */
export const caseStates = ['new', 'triaged', 'in_progress', 'referred', 'closed'] as const;
export type CaseState = (typeof caseStates)[number];
export const closureReasons = ['actioned', 'no_further_action', 'duplicate', 'unfounded'] as const;
export type ClosureReason = (typeof closureReasons)[number];

/** What the anonymous reporter is told: plain words, no internal detail. */
export function publicStatusOf(state: CaseState): PublicStatus {
  switch (state) {
    case 'new':
      return 'received';
    case 'triaged':
    case 'in_progress':
      return 'under_review';
    case 'referred':
      return 'referred';
    case 'closed':
      return 'closed';
  }
}
