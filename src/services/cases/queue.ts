import { caseReachOf, requirePermission, type StaffActor } from '../../domain/actor.ts';
import { caseStates, type CaseState } from '../../domain/case.ts';
import { queuePageSize, receivedRange, type QueueFilter } from '../../domain/case-search.ts';
import { HifazatError } from '../../domain/errors.ts';
import { normaliseUrl } from '../../domain/url.ts';
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
  /** The page asked for, in the queue's order. */
  items: QueueItem[];
  /** Cases that match the filters, on every page. */
  total: number;
  /** The page shown (from 1) and how many there are (at least 1). */
  page: number;
  pages: number;
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
    /** The keyed hash report_urls.url_hash holds for a normalised link (keyring.mac('url-lookup', ...)). */
    private readonly linkHash: (url: string) => Buffer,
  ) {}

  /**
   * Open cases (or those in `filter.state`) the actor reaches that match the filters, a page of
   * queuePageSize at a time: overdue for triage first, then most urgent first (compareQueueOrder).
   * `link` finds the cases that reported a link, typed however (normalised, then matched by its
   * keyed hash); a link that is not one is a validation_failed on the field `link`.
   */
  async queue(actor: StaffActor, filter: QueueFilter = {}, options: { link?: string } = {}): Promise<Queue> {
    requirePermission(actor, 'readCases');
    let urlHash: Buffer | undefined;
    if (options.link !== undefined) {
      const normalised = normaliseUrl(options.link);
      if ('problem' in normalised) {
        throw new HifazatError('validation_failed', 'The link is not valid.', { issues: [{ field: 'link', problem: normalised.problem }] });
      }
      urlHash = this.linkHash(normalised.url);
    }
    const now = this.now();
    const today = pakistanToday(now);
    const reach = caseReachOf(actor);
    const received = receivedRange(filter);
    const [countRows, rows, overdueTasks, overdueFollowUps] = await Promise.all([
      this.store.countByState(reach),
      this.store.reports(reach, {
        state: filter.state,
        reference: filter.reference,
        kind: filter.kind,
        province: filter.province,
        district: filter.district,
        assignedTo: filter.assignee === 'none' ? null : filter.assignee,
        inDangerNow: filter.danger === 'yes' ? true : undefined,
        receivedFrom: received.from,
        receivedBefore: received.before,
        urlHash,
      }),
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
    // The overdue flag needs the clock, so it is filtered here rather than in SQL.
    const matching = filter.overdue === 'yes' ? items.filter((item) => item.overdue) : items;
    matching.sort(compareQueueOrder);
    const pages = Math.max(1, Math.ceil(matching.length / queuePageSize));
    const page = filter.page ?? 1;

    const counts = Object.fromEntries(caseStates.map((s) => [s, 0])) as Record<CaseState, number>;
    for (const { state, n } of countRows) counts[state] = n;
    return {
      items: matching.slice((page - 1) * queuePageSize, page * queuePageSize),
      total: matching.length,
      page,
      pages,
      counts,
      overdueTasks,
      overdueFollowUps,
    };
  }
}
