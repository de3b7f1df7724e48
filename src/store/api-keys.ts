import { and, asc, count, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { ApiKeyScope, MatchVerdict } from '../domain/signals.ts';
import type { Database, Tx } from './database.ts';
import { apiKeyBanks, apiKeyHiddenEntries, apiKeys, hashBankEntries, hashBanks, matchFeedback } from './schema.ts';

/** A key that is not revoked, as stored: `scopes` may hold names this version does not know. */
export interface StoredApiKey {
  id: string;
  name: string;
  scopes: string[];
  bankIds: string[];
  /** Null: until revoked. The service refuses the key from this instant on. */
  expiresAt: Date | null;
}

/** A key as `hifazat apikey list` shows it: never its hash. */
export interface ListedApiKey {
  id: string;
  name: string;
  bankNames: string[];
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * API keys (api_keys) and the banks each reaches, the entries each key hides from its own matches,
 * and platforms' feedback on matches (match_feedback).
 */
export class ApiKeyStore {
  constructor(private readonly database: Database) {}

  async insert(
    tx: Tx,
    key: { id: string; name: string; keyHash: Buffer; scopes: ApiKeyScope[]; expiresAt: Date | null },
    bankIds: readonly string[],
  ): Promise<void> {
    await tx.insert(apiKeys).values(key);
    await tx.insert(apiKeyBanks).values(bankIds.map((bankId) => ({ apiKeyId: key.id, bankId })));
  }

  /** The key with this hash, unless revoked (or it reaches no bank); expired or not. */
  async activeByHash(keyHash: Buffer): Promise<StoredApiKey | undefined> {
    const rows = await this.database.db
      .select({ id: apiKeys.id, name: apiKeys.name, scopes: apiKeys.scopes, expiresAt: apiKeys.expiresAt, bankId: apiKeyBanks.bankId })
      .from(apiKeys)
      .innerJoin(apiKeyBanks, eq(apiKeyBanks.apiKeyId, apiKeys.id))
      .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)));
    const [first] = rows;
    return (
      first && { id: first.id, name: first.name, scopes: first.scopes, expiresAt: first.expiresAt, bankIds: rows.map((r) => r.bankId) }
    );
  }

  /** Every key, revoked and expired ones too, oldest first, with the names of the banks it reaches. */
  async list(): Promise<ListedApiKey[]> {
    const rows = await this.database.db
      .select({
        id: apiKeys.id,
        name: apiKeys.name,
        scopes: apiKeys.scopes,
        createdAt: apiKeys.createdAt,
        expiresAt: apiKeys.expiresAt,
        lastUsedAt: apiKeys.lastUsedAt,
        revokedAt: apiKeys.revokedAt,
        bankNames: sql<
          string[]
        >`coalesce(array_agg(${hashBanks.name} ORDER BY ${hashBanks.name}) FILTER (WHERE ${hashBanks.name} IS NOT NULL), '{}')`,
      })
      .from(apiKeys)
      .leftJoin(apiKeyBanks, eq(apiKeyBanks.apiKeyId, apiKeys.id))
      .leftJoin(hashBanks, eq(hashBanks.id, apiKeyBanks.bankId))
      .groupBy(apiKeys.id)
      .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
    return rows;
  }

  /**
   * Sets the key's last use to `now` unless it was set after `notBefore` already (by this process
   * or another), so that processes racing on a busy key write at most once per interval between them.
   */
  async recordUse(id: string, now: Date, notBefore: Date): Promise<void> {
    await this.database.db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, notBefore))));
  }

  /** The key's name; undefined when there is no such key. A key revoked before keeps its first revocation's time. */
  async revoke(tx: Tx, id: string): Promise<{ name: string } | undefined> {
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(eq(apiKeys.id, id))
      .returning({ name: apiKeys.name });
    return revoked;
  }

  async hiddenEntryIds(keyId: string): Promise<number[]> {
    const rows = await this.database.db
      .select({ entryId: apiKeyHiddenEntries.entryId })
      .from(apiKeyHiddenEntries)
      .where(eq(apiKeyHiddenEntries.apiKeyId, keyId));
    return rows.map((r) => r.entryId);
  }

  /** The bank of the entry a feedback names; undefined when there is no such entry. */
  async bankOfEntry(tx: Tx, entryId: number): Promise<string | undefined> {
    const [entry] = await tx.select({ bankId: hashBankEntries.bankId }).from(hashBankEntries).where(eq(hashBankEntries.id, entryId));
    return entry?.bankId;
  }

  /** Locks the key's row until the transaction ends, so that its hidden entries change one transaction at a time. */
  async lockKey(tx: Tx, keyId: string): Promise<void> {
    await tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.id, keyId)).for('update');
  }

  async hiddenEntryCount(tx: Tx, keyId: string): Promise<number> {
    const [hidden] = await tx.select({ n: count() }).from(apiKeyHiddenEntries).where(eq(apiKeyHiddenEntries.apiKeyId, keyId));
    return hidden?.n ?? 0;
  }

  /** False when the key hid the entry already. */
  async hide(tx: Tx, keyId: string, entryId: number): Promise<boolean> {
    const inserted = await tx
      .insert(apiKeyHiddenEntries)
      .values({ apiKeyId: keyId, entryId })
      .onConflictDoNothing()
      .returning({ entryId: apiKeyHiddenEntries.entryId });
    return inserted.length > 0;
  }

  /** False when the key did not hide the entry. */
  async show(tx: Tx, keyId: string, entryId: number): Promise<boolean> {
    const deleted = await tx
      .delete(apiKeyHiddenEntries)
      .where(hiddenRow(keyId, entryId))
      .returning({ entryId: apiKeyHiddenEntries.entryId });
    return deleted.length > 0;
  }

  async isHidden(tx: Tx, keyId: string, entryId: number): Promise<boolean> {
    const rows = await tx.select({ entryId: apiKeyHiddenEntries.entryId }).from(apiKeyHiddenEntries).where(hiddenRow(keyId, entryId));
    return rows.length > 0;
  }

  async insertFeedback(tx: Tx, feedback: { entryId: number; apiKeyId: string; verdict: MatchVerdict; confirmed: boolean }): Promise<void> {
    await tx.insert(matchFeedback).values(feedback);
  }
}

function hiddenRow(keyId: string, entryId: number) {
  return and(eq(apiKeyHiddenEntries.apiKeyId, keyId), eq(apiKeyHiddenEntries.entryId, entryId));
}
