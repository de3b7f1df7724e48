import { caseReachOf, requirePermission, type StaffActor } from '../../domain/actor.ts';
import { caseStates, type CaseState } from '../../domain/case.ts';
import {
  keyedLinkHashOf,
  queueClocks,
  queuePageSize,
  receivedRange,
  type OverdueReason,
  type QueueFilter,
} from '../../domain/case-search.ts';
import { HifazatError } from '../../domain/errors.ts';
import { normaliseUrl } from '../../domain/url.ts';
import { caseUrgency } from '../../domain/classification.ts';
import { pakistanToday } from '../../domain/pakistan-time.ts';
import type { CaseQueueStore, OverdueFollowUp, OverdueTask, QueueCondition } from '../../store/case-queue.ts';
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
  /** An open ZARRA case's time to notify 1099 (domain/zarra.ts), whether or not it is notified; null for any other case. */
  zarraDueAt: Date | null;
  /** 1099's notification is recorded. */
  zarraNotified: boolean;
  /** Not triaged by its target, or 1099 not notified by ZARRA's (domain queueClocks): first in the queue. */
  overdue: boolean;
  /** Why it is overdue: its triage time, ZARRA's, or both; empty when it is not. */
  overdueBecause: OverdueReason[];
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
  /** Cases per state among those the staff member reaches (before the state filter), as the queue lists them (with reports). */
  counts: Record<CaseState, number>;
  overdueTasks: OverdueTask[];
  overdueFollowUps: OverdueFollowUp[];
}

/** The triage queue. */
export class CaseQueue {
  constructor(
    private readonly store: Pick<
      CaseQueueStore,
      'countByState' | 'count' | 'page' | 'reports' | 'linkCategories' | 'overdueTasks' | 'overdueFollowUps'
    >,
    private readonly now: () => Date,
    /** The keyed hash report_urls.url_hash holds for a normalised link (keyring.mac('url-lookup', ...)). */
    private readonly linkHash: (url: string) => Buffer,
  ) {}

  /**
   * Open cases (or those in `filter.state`) the actor reaches that match the filters, a page of
   * queuePageSize at a time: overdue first (for triage or ZARRA), then most urgent first
   * (compareQueueOrder, applied by the database: store/case-queue.ts).
   * `link` finds the cases that reported a link, typed however (normalised, then matched by its
   * keyed hash), or given as that keyed hash in hexadecimal, as a case file prints it (keyedLinkHashOf);
   * a link that is neither is a validation_failed on the field `link`.
   */
  async queue(actor: StaffActor, filter: QueueFilter = {}, options: { link?: string } = {}): Promise<Queue> {
    requirePermission(actor, 'readCases');
    let urlHash: Buffer | undefined;
    const printedHash = options.link === undefined ? undefined : keyedLinkHashOf(options.link);
    if (printedHash) urlHash = printedHash;
    else if (options.link !== undefined) {
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
    const condition: QueueCondition = {
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
      overdue: filter.overdue === 'yes' ? true : undefined,
    };
    const page = filter.page ?? 1;
    // The database orders, counts and pages (store/case-queue.ts); only the page's cases are read further.
    const [countRows, pageCases, overdueTasks, overdueFollowUps] = await Promise.all([
      this.store.countByState(reach),
      this.store.page(reach, condition, now, { limit: queuePageSize, offset: (page - 1) * queuePageSize }),
      this.store.overdueTasks(reach, today),
      this.store.overdueFollowUps(reach, today),
    ]);
    const ids = pageCases.map((c) => c.case.id);
    const counts = Object.fromEntries(caseStates.map((s) => [s, 0])) as Record<CaseState, number>;
    for (const { state, n } of countRows) counts[state] = n;
    // Counted already: all the cases of a state, or all open ones (the counts per state); every match when
    // a first page is not full (most searches). Otherwise the database counts them.
    const byStateOnly = Object.entries(condition).every(([field, value]) => field === 'state' || value === undefined);
    const known = byStateOnly
      ? condition.state
        ? counts[condition.state]
        : caseStates.reduce((sum, s) => (s === 'closed' ? sum : sum + counts[s]), 0)
      : page === 1 && pageCases.length < queuePageSize
        ? pageCases.length
        : undefined;
    const [total, reportRows, linkCategories] = await Promise.all([
      known ?? this.store.count(reach, condition, now),
      this.store.reports(ids),
      this.store.linkCategories(ids),
    ]);

    const items = pageCases.map(({ case: row }): QueueItem => {
      const caseReports = reportRows.filter((r) => r.caseId === row.id);
      const [first, ...rest] = caseReports.map((r) => ({ inDangerNow: r.inDangerNow, ageBand: r.ageBand, receivedAt: r.receivedAt }));
      const urgency = caseUrgency([first!, ...rest]);
      const categories = [
        ...caseReports.flatMap((r) => (r.category === null ? [] : [r.category])),
        ...linkCategories.filter((l) => l.caseId === row.id).map((l) => l.category),
      ];
      const clocks = queueClocks(
        {
          state: row.state,
          urgency,
          classified: caseReports.some((r) => r.category !== null),
          categories,
          zarra: { notifiedAt: row.zarra1099NotifiedAt, firRegisteredAt: row.zarraFirRegisteredAt },
        },
        now,
      );
      return {
        case: summary(row),
        reportIds: caseReports.map((r) => r.reportId),
        kinds: [...new Set(caseReports.map((r) => r.kind))],
        ...urgency,
        category: caseReports.find((r) => r.category)?.category ?? null,
        dueAt: clocks.triage?.dueAt ?? null,
        zarraDueAt: clocks.zarra?.notifyDueAt ?? null,
        zarraNotified: row.zarra1099NotifiedAt !== null,
        overdue: clocks.overdueBecause.length > 0,
        overdueBecause: clocks.overdueBecause,
        hasUnreadMessages: row.unreadReporterMessages > 0,
        overdueTasks: overdueTasks.filter((t) => t.caseId === row.id).length,
        overdueFollowUps: overdueFollowUps.filter((f) => f.caseId === row.id).length,
      };
    });
    const pages = Math.max(1, Math.ceil(total / queuePageSize));

    return {
      items,
      total,
      page,
      pages,
      counts,
      overdueTasks,
      overdueFollowUps,
    };
  }
}
