import { and, asc, desc, eq, gt, lt, sql, type SQL } from 'drizzle-orm';
import { advisoryLocks } from './advisory-locks.ts';
import type { Database, Tx } from './database.ts';
import { auditLog } from './schema.ts';

/** An entry as the chain hashes it: `at` as the database prints it (see atText). */
export interface ChainedRow {
  seq: number;
  at: string;
  actorId: string | null;
  actor: string;
  action: string;
  objectType: string | null;
  objectId: string | null;
  details: Record<string, unknown>;
  prevHash: Buffer;
}

export type StoredChainedRow = ChainedRow & { hash: Buffer };

/** An entry as the auditors' view lists it. */
export type AuditRow = Omit<StoredChainedRow, 'at' | 'prevHash'> & { at: Date };

export interface AuditRowFilter {
  /** Only entries older than this seq. */
  before?: number | undefined;
  action?: string | undefined;
  actorId?: string | undefined;
}

/**
 * `at` as hashed: the stored timestamptz printed by the database itself, in UTC with all six
 * fractional digits, so that the hash input is exactly what is stored, to the microsecond, on
 * PGlite and on pg alike (a JS Date would drop the microseconds).
 */
const atText = (column: SQL | typeof auditLog.at): SQL<string> =>
  sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The newest entry's seq and hash: the head the next append follows. */
async function newest(db: Pick<Tx, 'select'>): Promise<{ seq: number; hash: Buffer } | undefined> {
  const [head] = await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  return head;
}

/** The audit_log table: appended under its advisory lock, read in seq order. */
/** The columns of an entry as the console and a case file show it (its chain link, prevHash, left out). */
export const auditRowColumns = {
  seq: auditLog.seq,
  at: auditLog.at,
  actorId: auditLog.actorId,
  actor: auditLog.actor,
  action: auditLog.action,
  objectType: auditLog.objectType,
  objectId: auditLog.objectId,
  details: auditLog.details,
  hash: auditLog.hash,
};

export class AuditLogStore {
  constructor(private readonly database: Database) {}

  /** Runs `body` in one transaction (its appends commit or roll back with it). */
  transaction<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    return this.database.db.transaction(body);
  }

  /**
   * Takes the append lock, held until `tx` ends, so that every other append waits for it; then
   * reads the head and the database's clock. After the lock, in this order: the head is the one
   * the next entry follows, there is one clock for all processes, and entries' times follow their seq.
   */
  async lockForAppend(tx: Tx): Promise<{ head: { seq: number; hash: Buffer } | undefined; at: string }> {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${advisoryLocks.auditAppend})`);
    const head = await newest(tx);
    const [clock] = await tx.select({ at: atText(sql`clock_timestamp()`) }).from(sql`(SELECT 1) AS clock`);
    return { head, at: clock!.at };
  }

  /** Inserts an entry with `at` exactly as lockForAppend printed it. */
  async insert(tx: Tx, row: StoredChainedRow): Promise<void> {
    await tx.insert(auditLog).values({ ...row, at: sql`${row.at}::timestamptz` });
  }

  /** Up to `limit` entries after seq `after` (from the first when undefined), in seq order. */
  async chainPage(after: number | undefined, limit: number): Promise<StoredChainedRow[]> {
    return this.database.db
      .select({
        seq: auditLog.seq,
        at: atText(auditLog.at),
        actorId: auditLog.actorId,
        actor: auditLog.actor,
        action: auditLog.action,
        objectType: auditLog.objectType,
        objectId: auditLog.objectId,
        details: auditLog.details,
        prevHash: auditLog.prevHash,
        hash: auditLog.hash,
      })
      .from(auditLog)
      .where(after === undefined ? undefined : gt(auditLog.seq, after))
      .orderBy(asc(auditLog.seq))
      .limit(limit);
  }

  /** The newest entry's seq and hash, if there is one (outside an append, a head already committed). */
  head(): Promise<{ seq: number; hash: Buffer } | undefined> {
    return newest(this.database.db);
  }

  /** The hash of the entry at `seq`, if there is one. */
  async hashAt(seq: number): Promise<Buffer | undefined> {
    const [row] = await this.database.db.select({ hash: auditLog.hash }).from(auditLog).where(eq(auditLog.seq, seq));
    return row?.hash;
  }

  /** Up to `limit` entries that pass `filter`, newest first. */
  async list(filter: AuditRowFilter, limit: number): Promise<AuditRow[]> {
    return this.database.db
      .select(auditRowColumns)
      .from(auditLog)
      .where(
        and(
          filter.before === undefined ? undefined : lt(auditLog.seq, filter.before),
          filter.action === undefined ? undefined : eq(auditLog.action, filter.action),
          filter.actorId === undefined ? undefined : eq(auditLog.actorId, filter.actorId),
        ),
      )
      .orderBy(desc(auditLog.seq))
      .limit(limit);
  }
}
