import type { CaseState, ClosureReason } from '../../domain/case.ts';
import type { CaseRow } from '../../store/cases.ts';

/** A case as every case page heads it. */
export interface CaseSummary {
  id: string;
  reference: string;
  state: CaseState;
  assignedTo: string | null;
  unreadReporterMessages: number;
  /** A closure waiting for a second person's approval. */
  closureRequest: { reason: ClosureReason; requestedBy: string; requestedAt: Date } | null;
  closureReason: ClosureReason | null;
  mergedInto: string | null;
  createdAt: Date;
  closedAt: Date | null;
}

export function summary(row: CaseRow): CaseSummary {
  return {
    id: row.id,
    reference: row.reference,
    state: row.state,
    assignedTo: row.assignedTo,
    unreadReporterMessages: row.unreadReporterMessages,
    closureRequest:
      row.closureReason && row.closureRequestedBy && row.closureRequestedAt && row.state !== 'closed'
        ? { reason: row.closureReason, requestedBy: row.closureRequestedBy, requestedAt: row.closureRequestedAt }
        : null,
    closureReason: row.state === 'closed' ? row.closureReason : null,
    mergedInto: row.mergedInto,
    createdAt: row.createdAt,
    closedAt: row.closedAt,
  };
}
