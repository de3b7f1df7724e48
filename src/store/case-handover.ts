import { auditRowColumns } from './audit-log.ts';
import { and, asc, desc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { ContactDecision } from '../domain/case-handover.ts';
import type { Tx } from './database.ts';
import {
  agencies,
  auditLog,
  caseContactRequests,
  caseCourtChecklist,
  cases,
  referrals,
  reportClassifications,
  reportMessages,
  reports,
  reportUrlClassifications,
  reportUrls,
  staffUsers,
} from './schema.ts';

export type ContactRequestRow = typeof caseContactRequests.$inferSelect;
export type ChecklistRow = typeof caseCourtChecklist.$inferSelect;
export type CaseAuditRow = Omit<typeof auditLog.$inferSelect, 'prevHash'>;

/** What a case's handover reads (its reports whole, their links and classifications, its audit entries), and its two tables. */
export class CaseHandoverStore {
  async reports(tx: Tx, caseId: string): Promise<(typeof reports.$inferSelect)[]> {
    return tx.select().from(reports).where(eq(reports.caseId, caseId)).orderBy(asc(reports.createdAt), asc(reports.id));
  }

  async urls(tx: Tx, reportIds: readonly string[]): Promise<(typeof reportUrls.$inferSelect)[]> {
    if (reportIds.length === 0) return [];
    return tx
      .select()
      .from(reportUrls)
      .where(inArray(reportUrls.reportId, [...reportIds]))
      .orderBy(asc(reportUrls.reportId), asc(reportUrls.position));
  }

  async classifications(tx: Tx, reportIds: readonly string[]): Promise<(typeof reportClassifications.$inferSelect)[]> {
    if (reportIds.length === 0) return [];
    return tx
      .select()
      .from(reportClassifications)
      .where(inArray(reportClassifications.reportId, [...reportIds]));
  }

  async urlClassifications(tx: Tx, reportIds: readonly string[]): Promise<(typeof reportUrlClassifications.$inferSelect)[]> {
    if (reportIds.length === 0) return [];
    return tx
      .select()
      .from(reportUrlClassifications)
      .where(inArray(reportUrlClassifications.reportId, [...reportIds]));
  }

  async messages(tx: Tx, reportIds: readonly string[]): Promise<(typeof reportMessages.$inferSelect)[]> {
    if (reportIds.length === 0) return [];
    return tx
      .select()
      .from(reportMessages)
      .where(inArray(reportMessages.reportId, [...reportIds]))
      .orderBy(asc(reportMessages.id));
  }

  /** The references of other cases holding a link with one of these keyed hashes, by hash (hex). */
  async otherCasesByUrlHash(tx: Tx, caseId: string, hashes: readonly Buffer[]): Promise<{ urlHash: Buffer; reference: string }[]> {
    if (hashes.length === 0) return [];
    return tx
      .selectDistinct({ urlHash: reportUrls.urlHash, reference: cases.reference })
      .from(reportUrls)
      .innerJoin(reports, eq(reports.id, reportUrls.reportId))
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .where(and(inArray(reportUrls.urlHash, [...hashes]), ne(reports.caseId, caseId)))
      .orderBy(asc(cases.reference));
  }

  /** The case's referrals in the order they were made, with the agency's names (English, and Urdu where it has one). */
  async referrals(
    tx: Tx,
    caseId: string,
  ): Promise<{ referral: typeof referrals.$inferSelect; agency: string; agencyUrdu: string | null }[]> {
    return tx
      .select({ referral: referrals, agency: agencies.name, agencyUrdu: agencies.nameUr })
      .from(referrals)
      .innerJoin(agencies, eq(agencies.id, referrals.agencyId))
      .where(eq(referrals.caseId, caseId))
      .orderBy(asc(referrals.referredAt), asc(referrals.id));
  }

  /** The audit entries about the case or one of its reports, oldest first (the log's own order). */
  async auditEntries(tx: Tx, caseId: string, reportIds: readonly string[]): Promise<CaseAuditRow[]> {
    const aboutCase = and(eq(auditLog.objectType, 'case'), eq(auditLog.objectId, caseId));
    const aboutReports = reportIds.length ? and(eq(auditLog.objectType, 'report'), inArray(auditLog.objectId, [...reportIds])) : undefined;
    return tx
      .select(auditRowColumns)
      .from(auditLog)
      .where(aboutReports ? or(aboutCase, aboutReports) : aboutCase)
      .orderBy(asc(auditLog.seq));
  }

  /** Names and emails of these accounts (whatever their status). */
  async staff(tx: Tx, ids: readonly string[]): Promise<{ id: string; displayName: string; email: string }[]> {
    if (ids.length === 0) return [];
    return tx
      .select({ id: staffUsers.id, displayName: staffUsers.displayName, email: staffUsers.email })
      .from(staffUsers)
      .where(inArray(staffUsers.id, [...ids]));
  }

  async checklist(tx: Tx, caseId: string): Promise<ChecklistRow[]> {
    return tx.select().from(caseCourtChecklist).where(eq(caseCourtChecklist.caseId, caseId));
  }

  /** Records one item (the first time, or again): its state, note and who and when. */
  async recordChecklistItem(tx: Tx, row: Omit<ChecklistRow, 'id'>): Promise<void> {
    await tx
      .insert(caseCourtChecklist)
      .values(row)
      .onConflictDoUpdate({
        target: [caseCourtChecklist.caseId, caseCourtChecklist.item],
        set: { done: row.done, note: row.note, updatedBy: row.updatedBy, updatedAt: row.updatedAt },
      });
  }

  /** The case's requests to include contact details, newest first. */
  async contactRequests(tx: Tx, caseId: string): Promise<ContactRequestRow[]> {
    return tx.select().from(caseContactRequests).where(eq(caseContactRequests.caseId, caseId)).orderBy(desc(caseContactRequests.id));
  }

  async contactRequest(tx: Tx, id: number): Promise<ContactRequestRow | undefined> {
    const [row] = await tx.select().from(caseContactRequests).where(eq(caseContactRequests.id, id));
    return row;
  }

  /** A new request; undefined when one already waits for a decision on this case (at most one at a time). */
  async insertContactRequest(
    tx: Tx,
    row: Pick<ContactRequestRow, 'caseId' | 'purpose' | 'requestedBy' | 'requestedAt'>,
  ): Promise<number | undefined> {
    const [created] = await tx
      .insert(caseContactRequests)
      .values(row)
      .onConflictDoNothing({ target: caseContactRequests.caseId, where: sql`decision IS NULL` })
      .returning({ id: caseContactRequests.id });
    return created?.id;
  }

  /** Decides a waiting request; false when it was decided meanwhile. */
  async decideContactRequest(tx: Tx, id: number, decision: ContactDecision, by: string, at: Date): Promise<boolean> {
    const decided = await tx
      .update(caseContactRequests)
      .set({ decision, decidedBy: by, decidedAt: at })
      .where(and(eq(caseContactRequests.id, id), isNull(caseContactRequests.decision)))
      .returning({ id: caseContactRequests.id });
    return decided.length === 1;
  }

  /** Spends an approval: false when another export used it first. */
  async useContactRequest(tx: Tx, id: number, at: Date): Promise<boolean> {
    const used = await tx
      .update(caseContactRequests)
      .set({ usedAt: at })
      .where(and(eq(caseContactRequests.id, id), eq(caseContactRequests.decision, 'approved'), isNull(caseContactRequests.usedAt)))
      .returning({ id: caseContactRequests.id });
    return used.length === 1;
  }
}
