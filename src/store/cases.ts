import { and, eq, inArray, isNull, lt, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { CaseReach } from '../domain/actor.ts';
import type { CaseState, ClosureReason } from '../domain/case.ts';
import type { FirStatus } from '../domain/classification.ts';
import type { StaffRole, StaffStatus } from '../domain/staff.ts';
import type { Tx } from './database.ts';
import { caseNotes, cases, caseTasks, incidentRecords, referrals, reportClassifications, reports, staffUsers } from './schema.ts';

export type CaseRow = typeof cases.$inferSelect;
export type ReportRow = typeof reports.$inferSelect;

/** The cases `reach` takes in, as a condition on `cases` (undefined: every case). */
export function reachCondition(reach: CaseReach): SQL | undefined {
  if (reach.every) return undefined;
  return or(eq(cases.assignedTo, reach.assignedTo), and(isNull(cases.assignedTo), eq(cases.state, reach.orUnassignedIn)));
}

/**
 * A report's age band and sex as the analyst judged them, where they did, else as the reporter
 * answered: over `report` left-joined to its `classification` (the tables, or aliases of them).
 */
export function effectiveFactsOf(
  report: Record<'childAgeBand' | 'childSex', AnyColumn> = reports,
  classification: Record<'victimAgeBand' | 'victimSex', AnyColumn> = reportClassifications,
) {
  return {
    ageBand: sql<string>`coalesce(nullif(${classification.victimAgeBand}, 'unknown'), ${report.childAgeBand})`,
    sex: sql<string>`coalesce(nullif(${classification.victimSex}, 'unknown'), ${report.childSex})`,
  };
}

/** What a case classification tells the incident record; undefined leaves a column as it is. */
export interface IncidentClassification {
  category: string;
  victimSex: string | undefined;
  ageBand: string | undefined;
}

/** Cases, their incident records, and the staff who may be given case work. */
export class CaseStore {
  /**
   * A case, and whether `reach` takes it in. Locked (`FOR UPDATE`) when asked, so concurrent
   * changes to one case queue up.
   */
  async find(
    tx: Tx,
    caseId: string,
    reach: CaseReach,
    options: { lock: boolean },
  ): Promise<{ row: CaseRow; reached: boolean } | undefined> {
    const condition = reachCondition(reach);
    const query = tx
      .select({ row: cases, reached: condition ? sql<boolean>`coalesce(${condition}, false)` : sql<boolean>`true` })
      .from(cases)
      .where(eq(cases.id, caseId));
    const [found] = options.lock ? await query.for('update') : await query;
    return found;
  }

  async report(tx: Tx, reportId: string): Promise<ReportRow | undefined> {
    const [report] = await tx.select().from(reports).where(eq(reports.id, reportId));
    return report;
  }

  async setAssignee(tx: Tx, caseId: string, staffId: string | null, at: Date): Promise<void> {
    await tx.update(cases).set({ assignedTo: staffId, updatedAt: at }).where(eq(cases.id, caseId));
  }

  async setState(tx: Tx, caseId: string, state: CaseState, at: Date): Promise<void> {
    await tx.update(cases).set({ state, updatedAt: at }).where(eq(cases.id, caseId));
  }

  async requestClosure(tx: Tx, caseId: string, reason: ClosureReason, requestedBy: string, at: Date): Promise<void> {
    await tx
      .update(cases)
      .set({ closureReason: reason, closureRequestedBy: requestedBy, closureRequestedAt: at, updatedAt: at })
      .where(eq(cases.id, caseId));
  }

  async approveClosure(tx: Tx, caseId: string, approvedBy: string, at: Date): Promise<void> {
    await tx.update(cases).set({ state: 'closed', closureApprovedBy: approvedBy, closedAt: at, updatedAt: at }).where(eq(cases.id, caseId));
  }

  async dropClosureRequest(tx: Tx, caseId: string, at: Date): Promise<void> {
    await tx
      .update(cases)
      .set({ closureReason: null, closureRequestedBy: null, closureRequestedAt: null, updatedAt: at })
      .where(eq(cases.id, caseId));
  }

  async clearUnreadMessages(tx: Tx, caseId: string, at: Date): Promise<void> {
    await tx.update(cases).set({ unreadReporterMessages: 0, updatedAt: at }).where(eq(cases.id, caseId));
  }

  /** Moves one case's reports, notes, tasks and referrals to another; returns how many reports moved. */
  async moveContents(tx: Tx, fromCaseId: string, toCaseId: string, at: Date): Promise<number> {
    const moved = await tx
      .update(reports)
      .set({ caseId: toCaseId, updatedAt: at })
      .where(eq(reports.caseId, fromCaseId))
      .returning({ id: reports.id });
    await tx.update(caseNotes).set({ caseId: toCaseId }).where(eq(caseNotes.caseId, fromCaseId));
    await tx.update(caseTasks).set({ caseId: toCaseId }).where(eq(caseTasks.caseId, fromCaseId));
    await tx.update(referrals).set({ caseId: toCaseId }).where(eq(referrals.caseId, fromCaseId));
    return moved.length;
  }

  async addUnreadMessages(tx: Tx, caseId: string, unread: number, at: Date): Promise<void> {
    await tx
      .update(cases)
      .set({ unreadReporterMessages: sql`${cases.unreadReporterMessages} + ${unread}`, updatedAt: at })
      .where(eq(cases.id, caseId));
  }

  /** Closes a case as a duplicate merged into another, dropping any closure request and unread count. */
  async closeAsDuplicate(tx: Tx, caseId: string, mergedInto: string, at: Date): Promise<void> {
    await tx
      .update(cases)
      .set({
        state: 'closed',
        closureReason: 'duplicate',
        closureRequestedBy: null,
        closureRequestedAt: null,
        mergedInto,
        unreadReporterMessages: 0,
        closedAt: at,
        updatedAt: at,
      })
      .where(eq(cases.id, caseId));
  }

  async deleteIncidentRecord(tx: Tx, caseId: string): Promise<void> {
    await tx.delete(incidentRecords).where(eq(incidentRecords.caseId, caseId));
  }

  async classifyIncident(tx: Tx, caseId: string, classification: IncidentClassification, at: Date): Promise<void> {
    await tx
      .update(incidentRecords)
      .set({ ...classification, updatedAt: at })
      .where(eq(incidentRecords.caseId, caseId));
  }

  async setIncidentPoliceStatus(tx: Tx, caseId: string, policeStatus: FirStatus, at: Date): Promise<void> {
    await tx.update(incidentRecords).set({ policeStatus, updatedAt: at }).where(eq(incidentRecords.caseId, caseId));
  }

  /** An account's role and status, to judge whether it may take case work. */
  async staffStanding(tx: Tx, staffId: string): Promise<{ role: StaffRole; status: StaffStatus } | undefined> {
    const [staff] = await tx
      .select({ role: staffUsers.role, status: staffUsers.status })
      .from(staffUsers)
      .where(eq(staffUsers.id, staffId));
    return staff;
  }

  /** The ids of the cases closed before `cutoff`, locked. */
  async lockClosedBefore(tx: Tx, cutoff: Date): Promise<string[]> {
    const rows = await tx
      .select({ id: cases.id })
      .from(cases)
      .where(and(eq(cases.state, 'closed'), lt(cases.closedAt, cutoff)))
      .for('update');
    return rows.map((c) => c.id);
  }

  /** Deletes these cases with everything they hold, their incident records detached; returns how many reports went. */
  async deleteCases(tx: Tx, ids: string[]): Promise<number> {
    // A duplicate closed later than the case it was merged into must not hold that one back.
    await tx.update(cases).set({ mergedInto: null }).where(inArray(cases.mergedInto, ids));
    // Cascades take links, their classifications, messages and idempotency answers; then
    // notes, tasks and referrals go with the cases, and incident records are detached.
    const deletedReports = await tx.delete(reports).where(inArray(reports.caseId, ids)).returning({ id: reports.id });
    await tx.delete(cases).where(inArray(cases.id, ids));
    return deletedReports.length;
  }
}
