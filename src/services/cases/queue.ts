import { caseReachOf, requirePermission, type StaffActor } from '../../domain/actor.ts';
import { caseStates, type CaseState } from '../../domain/case.ts';
import { awaitsTriage, caseUrgency, compareQueueOrder, triageClock } from '../../domain/classification.ts';
import { pakistanToday } from '../../domain/pakistan-time.ts';
import type { CaseQueueStore, OverdueFollowUp, OverdueTask, QueueReport } from '../../store/case-queue.ts';
import type { CaseRow } from '../../store/cases.ts';
import { summary, type CaseSummary } from './summary.ts';

export type { OverdueFollowUp, OverdueTask };

export interface QueueItem {
  case: CaseSummary;
  reportIds: string[];
  kinds: string[];
  /** The most urgent of the case's reports: in danger if any says so, the youngest band, the first receipt. */
  inDangerNow: boolean | null;
  ageBand: string;
  receivedAt: Date;
  /** The first classified category, if any. */
  category: string | null;
  /**
   * Triage target (2 hours when a child is in danger now, else 24 hours), in every state until
   * the case is triaged (domain awaitsTriage); null once it is.
   */
  dueAt: Date | null;
  /** Not triaged by its target. */
  overdue: boolean;
  hasUnreadMessages: boolean;
  overdueTasks: number;
  overdueFollowUps: number;
}

export interface Queue {
  items: QueueItem[];
  /** Cases per state among those the staff member reaches (before the state filter). */
  counts: Record<CaseState, number>;
  overdueTasks: OverdueTask[];
  overdueFollowUps: OverdueFollowUp[];
}

/** The triage queue. */
export class CaseQueue {
  constructor(
    private readonly store: Pick<CaseQueueStore, 'countByState' | 'reports' | 'overdueTasks' | 'overdueFollowUps'>,
    private readonly now: () => Date,
  ) {}

  /** Open cases (or those in `state`) the actor reaches: overdue for triage first, then most urgent first. */
  async queue(actor: StaffActor, options: { state?: CaseState } = {}): Promise<Queue> {
    requirePermission(actor, 'readCases');
    const now = this.now();
    const today = pakistanToday(now);
    const reach = caseReachOf(actor);
    const [countRows, rows, overdueTasks, overdueFollowUps] = await Promise.all([
      this.store.countByState(reach),
      this.store.reports(reach, options.state),
      this.store.overdueTasks(reach, today),
      this.store.overdueFollowUps(reach, today),
    ]);

    const byCase = new Map<string, { row: CaseRow; reports: QueueReport[] }>();
    for (const row of rows) {
      const entry = byCase.get(row.case.id) ?? { row: row.case, reports: [] };
      entry.reports.push(row);
      byCase.set(row.case.id, entry);
    }
    const items = [...byCase.values()].map(({ row, reports: caseReports }): QueueItem => {
      const [first, ...rest] = caseReports.map((r) => ({ inDangerNow: r.inDangerNow, ageBand: r.ageBand, receivedAt: r.receivedAt }));
      const urgency = caseUrgency([first!, ...rest]);
      const classified = caseReports.some((r) => r.category !== null);
      const clock = triageClock(urgency, awaitsTriage({ state: row.state, classified }), now);
      return {
        case: summary(row),
        reportIds: caseReports.map((r) => r.reportId),
        kinds: [...new Set(caseReports.map((r) => r.kind))],
        ...urgency,
        category: caseReports.find((r) => r.category)?.category ?? null,
        dueAt: clock?.dueAt ?? null,
        overdue: clock?.overdue ?? false,
        hasUnreadMessages: row.unreadReporterMessages > 0,
        overdueTasks: overdueTasks.filter((t) => t.caseId === row.id).length,
        overdueFollowUps: overdueFollowUps.filter((f) => f.caseId === row.id).length,
      };
    });
    items.sort(compareQueueOrder);

    const counts = Object.fromEntries(caseStates.map((s) => [s, 0])) as Record<CaseState, number>;
    for (const { state, n } of countRows) counts[state] = n;
    return { items, counts, overdueTasks, overdueFollowUps };
  }
}
