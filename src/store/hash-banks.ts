import { and, asc, eq, gt, gte, inArray, isNull, sql } from 'drizzle-orm';
import type { BankEntryInput } from '../domain/signals.ts';
import type { Database, Tx } from './database.ts';
import { hashBankEntries, hashBanks } from './schema.ts';

export interface Bank {
  id: string;
  name: string;
  description: string | null;
  entries: number;
  disabled: number;
}

/** What `describe` tells of an entry: fields written when it is added and never changed. */
export interface EntryDescription {
  id: number;
  bank: string;
  label: string | null;
  signal: string;
  signalType: string;
  quality: number | null;
}

/** Rows per insert of an import. */
const importBatch = 1000;

/** What an index keeps of an entry. */
const indexedColumns = {
  id: hashBankEntries.id,
  bankId: hashBankEntries.bankId,
  signalType: hashBankEntries.signalType,
  signal: hashBankEntries.signal,
  quality: hashBankEntries.quality,
};

/** Hash banks (hash_banks) and their entries (hash_bank_entries). */
export class HashBankStore {
  constructor(private readonly database: Database) {}

  /** Every bank in name order, with how many entries it has and how many of them are disabled. */
  async list(): Promise<Bank[]> {
    return this.database.db
      .select({
        id: hashBanks.id,
        name: hashBanks.name,
        description: hashBanks.description,
        entries: sql<number>`count(${hashBankEntries.id})::int`,
        disabled: sql<number>`count(${hashBankEntries.disabledAt})::int`,
      })
      .from(hashBanks)
      .leftJoin(hashBankEntries, eq(hashBankEntries.bankId, hashBanks.id))
      .groupBy(hashBanks.id)
      .orderBy(asc(hashBanks.name));
  }

  async byName(name: string): Promise<{ id: string; name: string } | undefined> {
    const [bank] = await this.database.db
      .select({ id: hashBanks.id, name: hashBanks.name })
      .from(hashBanks)
      .where(eq(hashBanks.name, name));
    return bank;
  }

  /** False when the name is taken. */
  async insertBank(tx: Tx, bank: { id: string; name: string; description: string | null }): Promise<boolean> {
    const inserted = await tx.insert(hashBanks).values(bank).onConflictDoNothing().returning({ id: hashBanks.id });
    return inserted.length > 0;
  }

  /** Adds the entries not in the bank yet (the same signal type and value); returns how many. */
  async insertEntries(tx: Tx, bankId: string, entries: readonly BankEntryInput[]): Promise<number> {
    let added = 0;
    for (let i = 0; i < entries.length; i += importBatch) {
      const inserted = await tx
        .insert(hashBankEntries)
        .values(entries.slice(i, i + importBatch).map((e) => entryValues(bankId, e)))
        .onConflictDoNothing()
        .returning({ id: hashBankEntries.id });
      added += inserted.length;
    }
    return added;
  }

  /** The new entry's id; undefined when the bank has it already. */
  async insertEntry(tx: Tx, bankId: string, entry: BankEntryInput): Promise<number | undefined> {
    const [row] = await tx
      .insert(hashBankEntries)
      .values(entryValues(bankId, entry))
      .onConflictDoNothing()
      .returning({ id: hashBankEntries.id });
    return row?.id;
  }

  /** The bank's enabled entries, in id order. */
  enabledEntriesOf(bankId: string) {
    return this.database.db
      .select()
      .from(hashBankEntries)
      .where(and(eq(hashBankEntries.bankId, bankId), isNull(hashBankEntries.disabledAt)))
      .orderBy(asc(hashBankEntries.id));
  }

  /**
   * Disables the entry (a reason) or enables it (null), marking it changed for the indexes; its
   * bank, or undefined when there is no such entry.
   */
  async setDisabled(tx: Tx, entryId: number, reason: string | null): Promise<{ bankId: string } | undefined> {
    const [updated] = await tx
      .update(hashBankEntries)
      .set({ disabledAt: reason === null ? null : sql`now()`, disabledReason: reason, changedAt: sql`clock_timestamp()` })
      .where(eq(hashBankEntries.id, entryId))
      .returning({ bankId: hashBankEntries.bankId });
    return updated;
  }

  /**
   * A page of enabled entries with ids above `afterId`, in id order. Already running when it
   * returns (not a lazy query), so that a caller can read one page while the next is fetched.
   */
  enabledEntriesAfter(afterId: number, limit: number) {
    return this.database.db
      .select(indexedColumns)
      .from(hashBankEntries)
      .where(and(isNull(hashBankEntries.disabledAt), gt(hashBankEntries.id, afterId)))
      .orderBy(asc(hashBankEntries.id))
      .limit(limit)
      .execute();
  }

  /**
   * A page of the entries changed at or after `since`, with ids above `afterId`, in id order.
   * Paging by id, not by change time: many entries can share one time.
   */
  changesSince(since: Date, afterId: number, limit: number) {
    return this.database.db
      .select({
        ...indexedColumns,
        label: hashBankEntries.label,
        disabled: sql<boolean>`${hashBankEntries.disabledAt} IS NOT NULL`,
        changedAt: hashBankEntries.changedAt,
      })
      .from(hashBankEntries)
      .where(and(gte(hashBankEntries.changedAt, since), gt(hashBankEntries.id, afterId)))
      .orderBy(asc(hashBankEntries.id))
      .limit(limit);
  }

  async describe(entryIds: number[]): Promise<Map<number, EntryDescription>> {
    if (entryIds.length === 0) return new Map();
    const rows = await this.database.db
      .select({
        id: hashBankEntries.id,
        bank: hashBanks.name,
        label: hashBankEntries.label,
        signal: hashBankEntries.signal,
        signalType: hashBankEntries.signalType,
        quality: hashBankEntries.quality,
      })
      .from(hashBankEntries)
      .innerJoin(hashBanks, eq(hashBanks.id, hashBankEntries.bankId))
      .where(inArray(hashBankEntries.id, entryIds));
    return new Map(rows.map((r) => [r.id, r]));
  }
}

function entryValues(bankId: string, e: BankEntryInput) {
  return { bankId, signalType: e.signal.type, signal: e.signal.value, quality: e.quality, label: e.label, source: e.source };
}
