import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Db, Tx } from './database.ts';
import { agencies, caseNotes, caseTasks, referrals, reportClassifications, reports } from './schema.ts';

export type NoteRow = typeof caseNotes.$inferSelect;
export type TaskRow = typeof caseTasks.$inferSelect;
export type ReferralRow = typeof referrals.$inferSelect;
export type NewNote = typeof caseNotes.$inferInsert & { id: number };
export type NewReferral = typeof referrals.$inferInsert & { id: number };
/** A referral's follow-up; undefined leaves a column as it is. */
export type ReferralChanges = Partial<Pick<ReferralRow, 'firStatus' | 'followUpOn' | 'agencyReference' | 'notes'>>;

export interface CaseReport {
  id: string;
  kind: string;
  receivedAt: Date;
  inDangerNow: boolean | null;
  category: string | null;
}

export interface Agency {
  id: string;
  name: string;
  /** Its Urdu name (migration 0018); null: none given, the Urdu console shows `name`. */
  nameUr: string | null;
  kind: string;
  contact: string | null;
  /** Its own days to a referral's follow-up; null: its kind's (domain/referral-follow-up.ts). */
  followUpDays: number | null;
}

/** What a case holds besides its reports' content: notes, tasks, referrals; and the agencies. */
export class CaseFileStore {
  constructor(private readonly db: Db) {}

  /** The case's reports, oldest first, with their category when classified. */
  async reports(tx: Tx, caseId: string): Promise<CaseReport[]> {
    return tx
      .select({
        id: reports.id,
        kind: reports.kind,
        receivedAt: reports.createdAt,
        inDangerNow: reports.inDangerNow,
        category: reportClassifications.category,
      })
      .from(reports)
      .leftJoin(reportClassifications, eq(reportClassifications.reportId, reports.id))
      .where(eq(reports.caseId, caseId))
      .orderBy(asc(reports.createdAt));
  }

  async notes(tx: Tx, caseId: string): Promise<NoteRow[]> {
    return tx.select().from(caseNotes).where(eq(caseNotes.caseId, caseId)).orderBy(asc(caseNotes.id));
  }

  /** The case's tasks, by due date. */
  async tasks(tx: Tx, caseId: string): Promise<TaskRow[]> {
    return tx.select().from(caseTasks).where(eq(caseTasks.caseId, caseId)).orderBy(asc(caseTasks.dueOn), asc(caseTasks.id));
  }

  /** The case's referrals in the order they were made, with the agency's names. */
  async referrals(tx: Tx, caseId: string): Promise<{ referral: ReferralRow; agency: string; agencyUr: string | null }[]> {
    return tx
      .select({ referral: referrals, agency: agencies.name, agencyUr: agencies.nameUr })
      .from(referrals)
      .innerJoin(agencies, eq(agencies.id, referrals.agencyId))
      .where(eq(referrals.caseId, caseId))
      .orderBy(asc(referrals.referredAt), asc(referrals.id));
  }

  /**
   * The id a new row will get, taken before the insert: its ciphertext's context names the row,
   * so it must be known when encrypting.
   */
  async nextId(tx: Tx, table: 'case_notes' | 'referrals'): Promise<number> {
    const [row] = await tx
      .select({ id: sql<number>`nextval(pg_get_serial_sequence(${table}, 'id'))`.mapWith(Number) })
      .from(sql`(SELECT 1) AS one`);
    return row!.id;
  }

  /** Inserts a note under the id `nextId` gave. */
  async insertNote(tx: Tx, note: NewNote): Promise<void> {
    await tx.insert(caseNotes).overridingSystemValue().values(note);
  }

  /** Inserts a task; returns its id. */
  async insertTask(tx: Tx, task: Pick<TaskRow, 'caseId' | 'title' | 'dueOn' | 'assignedTo' | 'createdBy'>): Promise<number> {
    const [created] = await tx.insert(caseTasks).values(task).returning({ id: caseTasks.id });
    return created!.id;
  }

  async task(tx: Tx, taskId: number): Promise<TaskRow | undefined> {
    const [task] = await tx.select().from(caseTasks).where(eq(caseTasks.id, taskId));
    return task;
  }

  async completeTask(tx: Tx, taskId: number, at: Date): Promise<void> {
    await tx.update(caseTasks).set({ doneAt: at }).where(eq(caseTasks.id, taskId));
  }

  /** Active agencies by name. */
  async activeAgencies(): Promise<Agency[]> {
    return this.db
      .select({
        id: agencies.id,
        name: agencies.name,
        nameUr: agencies.nameUr,
        kind: agencies.kind,
        contact: agencies.contact,
        followUpDays: agencies.followUpDays,
      })
      .from(agencies)
      .where(eq(agencies.active, true))
      .orderBy(asc(agencies.name));
  }

  /** The agency as stored (its id, kind and own follow-up days), when it is an active one. */
  async activeAgency(tx: Tx, agencyId: string): Promise<Pick<Agency, 'id' | 'kind' | 'followUpDays'> | undefined> {
    const [agency] = await tx
      .select({ id: agencies.id, kind: agencies.kind, followUpDays: agencies.followUpDays })
      .from(agencies)
      .where(and(eq(agencies.id, agencyId), eq(agencies.active, true)));
    return agency;
  }

  async countReferrals(tx: Tx, caseId: string): Promise<number> {
    const [{ n }] = (await tx.select({ n: count() }).from(referrals).where(eq(referrals.caseId, caseId))) as [{ n: number }];
    return n;
  }

  /** Inserts a referral under the id `nextId` gave. */
  async insertReferral(tx: Tx, referral: NewReferral): Promise<void> {
    await tx.insert(referrals).overridingSystemValue().values(referral);
  }

  async referral(tx: Tx, referralId: number): Promise<ReferralRow | undefined> {
    const [referral] = await tx.select().from(referrals).where(eq(referrals.id, referralId));
    return referral;
  }

  async updateReferral(tx: Tx, referralId: number, changes: ReferralChanges): Promise<void> {
    await tx.update(referrals).set(changes).where(eq(referrals.id, referralId));
  }
}
