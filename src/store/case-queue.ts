import { and, asc, count, eq, exists, isNotNull, isNull, lt, min, ne, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { ReportKind } from '../domain/report.ts';
import type { CaseReach } from '../domain/actor.ts';
import type { CaseState } from '../domain/case.ts';
import type { FirStatus } from '../domain/classification.ts';
import { effectiveFactsOf, reachCondition, type CaseRow } from './cases.ts';
import type { Database } from './database.ts';
import { agencies, cases, caseTasks, referrals, reportClassifications, reports, reportUrls } from './schema.ts';

export interface QueueReport {
  case: CaseRow;
  reportId: string;
  kind: string;
  inDangerNow: boolean | null;
  /** As the analyst judged it, else as reported (effectiveFactsOf). */
  ageBand: string;
  receivedAt: Date;
  /** The report's classification's category; null until it is classified (which is what triage records). */
  category: string | null;
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

const open = ne(cases.state, 'closed');

/**
 * Which cases the queue reads (services/cases/queue.ts narrows further by the triage clock, which
 * needs the time now). A case matches when one of its reports has the kind, province, district
 * and danger flag asked for, and when one of its links has the keyed hash (nothing is decrypted).
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
}

const matchingReport = alias(reports, 'matching_report');
const firstReceipt = alias(reports, 'first_receipt');

function conditionOf(database: Database, c: QueueCondition): SQL | undefined {
  const reportLevel = [
    c.kind && eq(matchingReport.kind, c.kind),
    c.province && eq(matchingReport.province, c.province),
    c.district && eq(matchingReport.district, c.district),
    c.inDangerNow && eq(matchingReport.inDangerNow, true),
  ].filter((x): x is SQL => Boolean(x));
  const firstReceivedAt = database.db
    .select({ at: min(firstReceipt.createdAt) })
    .from(firstReceipt)
    .where(eq(firstReceipt.caseId, cases.id));
  return and(
    c.state ? eq(cases.state, c.state) : open,
    c.reference ? eq(cases.reference, c.reference) : undefined,
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
    c.receivedFrom ? sql`(${firstReceivedAt}) >= ${c.receivedFrom.toISOString()}::timestamptz` : undefined,
    c.receivedBefore ? sql`(${firstReceivedAt}) < ${c.receivedBefore.toISOString()}::timestamptz` : undefined,
  );
}

/** The triage queue's reads, each limited to the cases a staff member reaches. */
export class CaseQueueStore {
  constructor(private readonly database: Database) {}

  async countByState(reach: CaseReach): Promise<{ state: CaseState; n: number }[]> {
    const rows = await this.database.db
      .select({ state: cases.state, n: count() })
      .from(cases)
      .where(reachCondition(reach))
      .groupBy(cases.state);
    return rows;
  }

  /**
   * Every report of the cases that match (all open cases without a condition), oldest first. The
   * queue's order needs the triage clock, so it is the domain's compareQueueOrder, applied by the
   * service to these rows before it takes a page.
   */
  async reports(reach: CaseReach, condition: QueueCondition = {}): Promise<QueueReport[]> {
    return this.database.db
      .select({
        case: cases,
        reportId: reports.id,
        kind: reports.kind,
        inDangerNow: reports.inDangerNow,
        ageBand: effectiveFactsOf().ageBand,
        receivedAt: reports.createdAt,
        category: reportClassifications.category,
      })
      .from(cases)
      .innerJoin(reports, eq(reports.caseId, cases.id))
      .leftJoin(reportClassifications, eq(reportClassifications.reportId, reports.id))
      .where(and(reachCondition(reach), conditionOf(this.database, condition)))
      .orderBy(asc(reports.createdAt));
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
      .where(and(reachCondition(reach), open, isNotNull(referrals.followUpOn), lt(referrals.followUpOn, today)))
      .orderBy(asc(referrals.followUpOn), asc(referrals.id));
    return rows.map((f) => ({ ...f, followUpOn: f.followUpOn! }));
  }
}
