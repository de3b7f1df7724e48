import { and, asc, count, eq, isNotNull, isNull, lt, ne } from 'drizzle-orm';
import type { CaseReach } from '../domain/actor.ts';
import type { CaseState } from '../domain/case.ts';
import type { FirStatus } from '../domain/classification.ts';
import { effectiveFactsOf, reachCondition, type CaseRow } from './cases.ts';
import type { Database } from './database.ts';
import { agencies, cases, caseTasks, referrals, reportClassifications, reports } from './schema.ts';

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

  /** The reports of the cases in `state` (all open cases without one), oldest first. */
  async reports(reach: CaseReach, state: CaseState | undefined): Promise<QueueReport[]> {
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
      .where(and(reachCondition(reach), state ? eq(cases.state, state) : open))
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
