import { and, asc, desc, eq, isNull, lt, lte, sql } from 'drizzle-orm';
import type { CaseState, ClosureReason } from '../domain/case.ts';
import type { AgencyKind } from '../domain/classification.ts';
import type { MessageAuthor, ReportKind } from '../domain/report.ts';
import type { Database, Tx } from './database.ts';
import { insertReportInTransaction, ReportWriter, type InsertOutcome, type NewReport } from './report-insert.ts';
import { agencies, cases, idempotencyKeys, referrals, reportMessages, reports } from './schema.ts';

/** A report as its reporter reaches it with the receipt, with what staff did that she is told (domain/reporter-status.ts). */
export interface ReceiptReport {
  id: string;
  caseId: string;
  state: CaseState;
  kind: ReportKind;
  createdAt: Date;
  firstReadAt: Date | null;
  reopenedAt: Date | null;
  closedAt: Date | null;
  closureReason: ClosureReason | null;
}

/** A case's referral as the reporter is told of it: the kind of organisation, never its name. */
export interface ReferralKind {
  agencyKind: AgencyKind;
  referredAt: Date;
}

/** What the first submission under an Idempotency-Key left to answer a retry with. */
export interface IdempotentAnswer {
  requestHash: Buffer;
  /** The receipt, encrypted. */
  receipt: Buffer;
  state: CaseState;
}

export type MessageRow = typeof reportMessages.$inferSelect;

/** Reports as the public side reads and adds to them: receipts, retries, the message thread. */
export class ReportStore {
  readonly #writer: ReportWriter;

  constructor(private readonly database: Database) {
    this.#writer = new ReportWriter(database);
  }

  /** Stores a report: one statement shared with the reports arriving at the same time (store/report-insert.ts). */
  write(report: NewReport): Promise<InsertOutcome> {
    return this.#writer.write(report);
  }

  /** Stores a report inside the caller's transaction (store/report-insert.ts). */
  insertInTransaction(tx: Tx, report: NewReport): Promise<InsertOutcome> {
    return insertReportInTransaction(this.database, report, tx);
  }

  async idempotentAnswer(keyHash: Buffer, db: Tx | Database['db'] = this.database.db): Promise<IdempotentAnswer | undefined> {
    const [previous] = await db
      .select({ requestHash: idempotencyKeys.requestHash, receipt: idempotencyKeys.receipt, state: cases.state })
      .from(idempotencyKeys)
      .innerJoin(reports, eq(reports.id, idempotencyKeys.reportId))
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .where(eq(idempotencyKeys.keyHash, keyHash));
    return previous;
  }

  async byReceiptHash(receiptHash: Buffer): Promise<ReceiptReport | undefined> {
    const [report] = await this.database.db
      .select({
        id: reports.id,
        caseId: reports.caseId,
        state: cases.state,
        kind: reports.kind,
        createdAt: reports.createdAt,
        firstReadAt: reports.firstReadAt,
        reopenedAt: cases.reopenedAt,
        closedAt: cases.closedAt,
        closureReason: cases.closureReason,
      })
      .from(reports)
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .where(eq(reports.receiptHash, receiptHash));
    return report;
  }

  /** The case's latest referral (by when it was made), as the reporter is told of it. */
  async latestReferral(caseId: string): Promise<ReferralKind | undefined> {
    const [referral] = await this.database.db
      .select({ agencyKind: agencies.kind, referredAt: referrals.referredAt })
      .from(referrals)
      .innerJoin(agencies, eq(agencies.id, referrals.agencyId))
      .where(eq(referrals.caseId, caseId))
      .orderBy(desc(referrals.referredAt), desc(referrals.id))
      .limit(1);
    return referral;
  }

  /** The report's thread, oldest first. */
  messages(reportId: string): Promise<MessageRow[]> {
    return this.database.db.select().from(reportMessages).where(eq(reportMessages.reportId, reportId)).orderBy(asc(reportMessages.id));
  }

  /** Records that the reporter has been shown the report's staff messages up to `lastShownId`. */
  async markStaffMessagesSeen(reportId: string, lastShownId: number): Promise<void> {
    await this.database.db
      .update(reportMessages)
      .set({ seenByReporterAt: sql`now()` })
      .where(
        and(
          eq(reportMessages.reportId, reportId),
          eq(reportMessages.author, 'staff'),
          isNull(reportMessages.seenByReporterAt),
          lte(reportMessages.id, lastShownId),
        ),
      );
  }

  /**
   * Adds the reporter's message (encrypted by the caller) in the caller's transaction, and marks
   * the case as having news for its analyst. The staff messages before it count as seen: the answer
   * shows her the thread. A closed case is reopened for staff: back in progress, its closure cleared
   * (which also stops its retention clock). Returns the report's case, and whether it was reopened;
   * undefined when the report is gone (purged since it was found).
   */
  async addReporterMessage(tx: Tx, reportId: string, body: Buffer): Promise<{ caseId: string; reopened: boolean } | undefined> {
    // The case locked first, so a closure approved at the same moment is either before (and reopened) or after.
    const [current] = await tx
      .select({ caseId: cases.id, state: cases.state })
      .from(reports)
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .where(eq(reports.id, reportId))
      .for('update', { of: cases });
    if (!current) return undefined;
    await tx
      .update(reportMessages)
      .set({ seenByReporterAt: sql`now()` })
      .where(and(eq(reportMessages.reportId, reportId), eq(reportMessages.author, 'staff'), isNull(reportMessages.seenByReporterAt)));
    await tx.insert(reportMessages).values({ reportId, author: 'reporter', body });
    await tx
      .update(reports)
      .set({ updatedAt: sql`now()` })
      .where(eq(reports.id, reportId));
    const reopened = current.state === 'closed';
    await tx
      .update(cases)
      .set({
        unreadReporterMessages: sql`${cases.unreadReporterMessages} + 1`,
        updatedAt: sql`now()`,
        ...(reopened && {
          state: 'in_progress',
          closureReason: null,
          closureRequestedBy: null,
          closureRequestedAt: null,
          closureApprovedBy: null,
          closedAt: null,
          reopenedAt: sql`now()`,
        }),
      })
      .where(eq(cases.id, current.caseId));
    return { caseId: current.caseId, reopened };
  }

  async addMessage(
    message: { reportId: string; author: MessageAuthor; staffId: string | null; body: Buffer },
    db: Tx | Database['db'] = this.database.db,
  ): Promise<void> {
    await db.insert(reportMessages).values(message);
  }

  /** Forgets the answers to Idempotency-Keys older than `hours`. */
  async purgeIdempotencyKeysOlderThan(hours: number): Promise<void> {
    await this.database.db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, sql`now() - make_interval(hours => ${hours})`));
  }
}
