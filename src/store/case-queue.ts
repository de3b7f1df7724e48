import { and, asc, count, desc, eq, exists, gte, inArray, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { ReportKind } from '../domain/report.ts';
import type { CaseReach } from '../domain/actor.ts';
import type { CaseState } from '../domain/case.ts';
import { triageTargetHours, type FirStatus } from '../domain/classification.ts';
import { zarraCategories, zarraTargetHours } from '../domain/zarra.ts';
import { effectiveFactsOf, reachCondition, type CaseRow } from './cases.ts';
import type { Database } from './database.ts';
import { agencies, cases, caseTasks, referrals, reportClassifications, reports, reportUrlClassifications, reportUrls } from './schema.ts';

/** A report of a case on the queue's page. */
export interface QueueReport {
  caseId: string;
  reportId: string;
  kind: string;
  inDangerNow: boolean | null;
  /** As the analyst judged it, else as reported (effectiveFactsOf). */
  ageBand: string;
  receivedAt: Date;
  /** The report's classification's category; null until it is classified (which is what triage records). */
  category: string | null;
}

/** A case on the queue's page, in the queue's order, and why the database put it first (if it did). */
export interface QueueCase {
  case: CaseRow;
  overdueBecause: { triage: boolean; zarra: boolean };
}

export interface OverdueTask {
  taskId: number;
  caseId: string;
  reference: string;
  title: string;
  dueOn: string;
  assignedTo: string | null;
}

export interface OverdueFollowUp {
  referralId: number;
  caseId: string;
  reference: string;
  agency: string;
  firStatus: FirStatus;
  followUpOn: string;
}

// Written out (not a parameter), so that the planner sees the partial indexes of migration 0020 apply.
const open = sql`${cases.state} <> 'closed'`;
/** Cases the queue shows: those with reports (a case whose reports were moved to another has none). */
const queued = isNotNull(cases.queueReceivedAt);

/**
 * Which cases the queue reads. A case matches when one of its reports has the kind, province,
 * district and danger flag asked for, and when one of its links has the keyed hash (nothing is
 * decrypted); `overdue` keeps the cases overdue at `now` (overdueConditions).
 */
export interface QueueCondition {
  /** One state; without it every open case. */
  state?: CaseState | undefined;
  reference?: string | undefined;
  kind?: ReportKind | undefined;
  province?: string | undefined;
  district?: string | undefined;
  /** A staff member's id, or null for cases nobody is assigned. */
  assignedTo?: string | null | undefined;
  inDangerNow?: true | undefined;
  /** The case's first report received at or after this instant... */
  receivedFrom?: Date | undefined;
  /** ... and before this one. */
  receivedBefore?: Date | undefined;
  /** keyring.mac('url-lookup', normalised link) of one of the case's links. */
  urlHash?: Buffer | undefined;
  /** Only the cases overdue at the time of the page. */
  overdue?: true | undefined;
}

const matchingReport = alias(reports, 'matching_report');

const timestamp = (at: Date) => sql`${at.toISOString()}::timestamptz`;
const textArray = (values: readonly string[]) =>
  sql`ARRAY[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;

/**
 * Whether a case is overdue at `now`, as SQL over the case's queue columns (migration 0020): domain/case-search.ts
 * queueClocks restated. THE DOMAIN IS THE REFERENCE (with awaitsTriage, triageClock, caseUrgency and
 * zarraClock behind it); the hours and the ZARRA categories are its values, and
 * test/integration/case-queue-order.test.ts checks, on random cases on both engines, that this and
 * the order below agree with it. Triage: open, none of its reports classified, and its triage time
 * (2 hours from the first receipt with a child in danger now, else 24) passed. ZARRA: open, a
 * report or link classified with a ZARRA category, no 1099 notification recorded, and 2 hours from
 * the first receipt passed.
 */
function overdueConditions(now: Date): { triage: SQL<boolean>; zarra: SQL<boolean> } {
  return {
    triage: sql<boolean>`(${cases.state} <> 'closed' AND NOT ${cases.queueClassified} AND ${cases.queueReceivedAt} + make_interval(hours => CASE WHEN ${
      cases.queueInDanger
    } THEN ${triageTargetHours.inDangerNow}::int ELSE ${triageTargetHours.otherwise}::int END) < ${timestamp(now)})`,
    zarra: sql<boolean>`(${cases.state} <> 'closed' AND ${cases.queueCategories} && ${textArray(zarraCategories)} AND ${
      cases.zarra1099NotifiedAt
    } IS NULL AND ${cases.queueReceivedAt} + make_interval(hours => ${zarraTargetHours}::int) < ${timestamp(now)})`,
  };
}

function conditionOf(database: Database, c: QueueCondition, now: Date): SQL | undefined {
  const reportLevel = [
    c.kind && eq(matchingReport.kind, c.kind),
    c.province && eq(matchingReport.province, c.province),
    c.district && eq(matchingReport.district, c.district),
    c.inDangerNow && eq(matchingReport.inDangerNow, true),
  ].filter((x): x is SQL => Boolean(x));
  // Implied by a report in danger, and the first column of the queue's indexes: fewer cases to look into.
  const dangerCase = c.inDangerNow ? eq(cases.queueInDanger, true) : undefined;
  const overdue = overdueConditions(now);
  return and(
    c.state ? eq(cases.state, c.state) : open,
    c.reference ? eq(cases.reference, c.reference) : undefined,
    dangerCase,
    c.assignedTo === null ? isNull(cases.assignedTo) : c.assignedTo ? eq(cases.assignedTo, c.assignedTo) : undefined,
    reportLevel.length
      ? exists(
          database.db
            .select({ one: sql`1` })
            .from(matchingReport)
            .where(and(eq(matchingReport.caseId, cases.id), ...reportLevel)),
        )
      : undefined,
    c.urlHash
      ? exists(
          database.db
            .select({ one: sql`1` })
            .from(matchingReport)
            .innerJoin(reportUrls, eq(reportUrls.reportId, matchingReport.id))
            .where(and(eq(matchingReport.caseId, cases.id), eq(reportUrls.urlHash, c.urlHash))),
        )
      : undefined,
    c.receivedFrom ? gte(cases.queueReceivedAt, c.receivedFrom) : undefined,
    c.receivedBefore ? lt(cases.queueReceivedAt, c.receivedBefore) : undefined,
    c.overdue ? sql`(${overdue.triage} OR ${overdue.zarra})` : undefined,
  );
}

/** The triage queue's reads, each limited to the cases a staff member reaches. */
export class CaseQueueStore {
  constructor(private readonly database: Database) {}

  async countByState(reach: CaseReach): Promise<{ state: CaseState; n: number }[]> {
    const rows = await this.database.db
      .select({ state: cases.state, n: count() })
      .from(cases)
      .where(and(queued, reachCondition(reach)))
      .groupBy(cases.state);
    return rows;
  }

  /** How many cases match (those with at least one report, as the queue shows them). */
  async count(reach: CaseReach, condition: QueueCondition, now: Date): Promise<number> {
    const [row] = await this.database.db
      .select({ n: count() })
      .from(cases)
      .where(and(queued, reachCondition(reach), conditionOf(this.database, condition, now)));
    return row?.n ?? 0;
  }

  /**
   * A page of the cases that match, in the queue's order at `now`: overdue first, then a child in
   * danger now, then the youngest age band, then the oldest first receipt (domain compareQueueOrder,
   * restated here; see overdueConditions), then the case's id, so that pages never overlap.
   */
  async page(reach: CaseReach, condition: QueueCondition, now: Date, page: { limit: number; offset: number }): Promise<QueueCase[]> {
    const overdue = overdueConditions(now);
    // A closed case is never overdue (both conditions need an open one): its pages are read in the
    // order of the index cases_queue_state, as far as the page and no further.
    const overdueFirst = condition.state === 'closed' ? [] : [sql`(${overdue.triage} OR ${overdue.zarra}) DESC`];
    // The order from the indexes of migration 0020 alone (what it reads is in them), then the page's cases.
    const ordered = await this.database.db
      .select({ id: cases.id, triage: overdue.triage, zarra: overdue.zarra })
      .from(cases)
      .where(and(queued, reachCondition(reach), conditionOf(this.database, condition, now)))
      .orderBy(...overdueFirst, desc(cases.queueInDanger), asc(cases.queueAgeRank), asc(cases.queueReceivedAt), asc(cases.id))
      .limit(page.limit)
      .offset(page.offset);
    if (ordered.length === 0) return [];
    const rows = await this.database.db
      .select()
      .from(cases)
      .where(
        inArray(
          cases.id,
          ordered.map((o) => o.id),
        ),
      );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ordered.map((o) => ({ case: byId.get(o.id)!, overdueBecause: { triage: o.triage, zarra: o.zarra } }));
  }

  /** Every report of these cases, oldest first: what the queue shows of them (no narrative, nothing encrypted). */
  async reports(caseIds: readonly string[]): Promise<QueueReport[]> {
    if (caseIds.length === 0) return [];
    return this.database.db
      .select({
        caseId: reports.caseId,
        reportId: reports.id,
        kind: reports.kind,
        inDangerNow: reports.inDangerNow,
        ageBand: effectiveFactsOf().ageBand,
        receivedAt: reports.createdAt,
        category: reportClassifications.category,
      })
      .from(reports)
      .leftJoin(reportClassifications, eq(reportClassifications.reportId, reports.id))
      .where(inArray(reports.caseId, [...caseIds]))
      .orderBy(asc(reports.createdAt), asc(reports.id));
  }

  /** The categories the links of these cases' reports are classified with, by case. */
  async linkCategories(caseIds: readonly string[]): Promise<{ caseId: string; category: string }[]> {
    if (caseIds.length === 0) return [];
    return this.database.db
      .selectDistinct({ caseId: reports.caseId, category: reportUrlClassifications.category })
      .from(reportUrlClassifications)
      .innerJoin(reports, eq(reports.id, reportUrlClassifications.reportId))
      .where(inArray(reports.caseId, [...caseIds]));
  }

  /** Open tasks of open cases due before `today`, earliest first. */
  async overdueTasks(reach: CaseReach, today: string): Promise<OverdueTask[]> {
    return this.database.db
      .select({
        taskId: caseTasks.id,
        caseId: cases.id,
        reference: cases.reference,
        title: caseTasks.title,
        dueOn: caseTasks.dueOn,
        assignedTo: caseTasks.assignedTo,
      })
      .from(caseTasks)
      .innerJoin(cases, eq(cases.id, caseTasks.caseId))
      .where(and(reachCondition(reach), open, isNull(caseTasks.doneAt), lt(caseTasks.dueOn, today)))
      .orderBy(asc(caseTasks.dueOn), asc(caseTasks.id));
  }

  /** Referrals of open cases whose follow-up date is before `today`, earliest first. */
  async overdueFollowUps(reach: CaseReach, today: string): Promise<OverdueFollowUp[]> {
    // Which ones first, from two indexes alone (migration 0020): a year's referrals are mostly of closed cases.
    const due = await this.database.db
      .select({ id: referrals.id })
      .from(referrals)
      .innerJoin(cases, eq(cases.id, referrals.caseId))
      .where(and(reachCondition(reach), open, isNotNull(referrals.followUpOn), lt(referrals.followUpOn, today)));
    if (due.length === 0) return [];
    const rows = await this.database.db
      .select({
        referralId: referrals.id,
        caseId: cases.id,
        reference: cases.reference,
        agency: agencies.name,
        firStatus: referrals.firStatus,
        followUpOn: referrals.followUpOn,
      })
      .from(referrals)
      .innerJoin(cases, eq(cases.id, referrals.caseId))
      .innerJoin(agencies, eq(agencies.id, referrals.agencyId))
      .where(
        inArray(
          referrals.id,
          due.map((d) => d.id),
        ),
      )
      .orderBy(asc(referrals.followUpOn), asc(referrals.id));
    return rows.map((f) => ({ ...f, followUpOn: f.followUpOn! }));
  }
}
