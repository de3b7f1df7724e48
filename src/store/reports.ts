import { asc, eq, lt, sql } from 'drizzle-orm';
import type { CaseState } from '../domain/case.ts';
import type { MessageAuthor, ReportKind } from '../domain/report.ts';
import type { Database, Tx } from './database.ts';
import { insertReportInTransaction, ReportWriter, type InsertOutcome, type NewReport } from './report-insert.ts';
import { cases, idempotencyKeys, reportMessages, reports } from './schema.ts';

/** A report as its reporter reaches it with the receipt. */
export interface ReceiptReport {
  id: string;
  caseId: string;
  state: CaseState;
  kind: ReportKind;
  createdAt: Date;
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
      .select({ id: reports.id, caseId: reports.caseId, state: cases.state, kind: reports.kind, createdAt: reports.createdAt })
      .from(reports)
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .where(eq(reports.receiptHash, receiptHash));
    return report;
  }

  /** The report's thread, oldest first. */
  messages(reportId: string): Promise<MessageRow[]> {
    return this.database.db.select().from(reportMessages).where(eq(reportMessages.reportId, reportId)).orderBy(asc(reportMessages.id));
  }

  /** Adds the reporter's message (encrypted by the caller), and marks the case as having news for its analyst. */
  async addReporterMessage(report: Pick<ReceiptReport, 'id' | 'caseId'>, body: Buffer): Promise<void> {
    await this.database.db.transaction(async (tx) => {
      await tx.insert(reportMessages).values({ reportId: report.id, author: 'reporter', body });
      await tx
        .update(reports)
        .set({ updatedAt: sql`now()` })
        .where(eq(reports.id, report.id));
      await tx
        .update(cases)
        .set({ unreadReporterMessages: sql`${cases.unreadReporterMessages} + 1`, updatedAt: sql`now()` })
        .where(eq(cases.id, report.caseId));
    });
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
