import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, asc, count, eq, gt, gte, inArray, isNull, sql } from 'drizzle-orm';
import { HifazatError } from '../domain/errors.ts';
import {
  apiKeyScopes, defaultApiKeyScopes, formatBankFile, maxHiddenEntriesPerKey, minimumPdqQuality, parseBankFile,
  type ApiKeyScope, type BankEntryInput, type CsvProblem, type SignalType,
} from '../domain/signals.ts';
import { DEFAULT_MAX_DISTANCE, HammingIndex } from '../pdq/hamming-index.ts';
import { Hash256 } from '../pdq/hash256.ts';
import type { Database } from '../store/database.ts';
import { apiKeyBanks, apiKeyHiddenEntries, apiKeys, hashBankEntries, hashBanks, matchFeedback } from '../store/schema.ts';
import type { AuditLog } from './audit.ts';

export interface Bank {
  id: string;
  name: string;
  description: string | null;
  entries: number;
  disabled: number;
}

export interface ImportResult {
  layout: string | undefined;
  added: number;
  /** Already in the bank (the same signal type and value). */
  alreadyPresent: number;
  problems: CsvProblem[];
}

export interface Match {
  entryId: number;
  bank: string;
  signalType: SignalType;
  signal: string;
  label: string | null;
  quality: number | null;
  /** Hamming distance for PDQ; 0 for an exact digest match. */
  distance: number;
}

/**
 * A verified key's scope. Shared by the requests that present the key while it is cached: never
 * modified (a change replaces it).
 */
export interface ApiKey {
  id: string;
  name: string;
  bankIds: readonly string[];
  /** What the key may call. */
  scopes: readonly ApiKeyScope[];
  /** Entries the key's own confirmed false positives hid from its matches (no other key's). */
  hiddenEntryIds: ReadonlySet<number>;
}

/** Who disables or enables an entry for everyone: a staff member, or 'cli' (the operator). */
export interface BankActor {
  id: string | null;
  label: string;
}

export type MatchVerdict = 'true_positive' | 'false_positive';

/** What `describe` tells of an entry: fields written when it is added and never changed. */
export interface EntryDescription {
  id: number;
  bank: string;
  label: string | null;
  signal: string;
  signalType: string;
  quality: number | null;
}

const importBatch = 1000;

/**
 * How long a verified key's scope is reused before the database is asked again. Processes are
 * stateless and share only the database, so a key revoked through another process keeps working
 * in this one for at most this long (revoking through this process takes effect at once); in
 * exchange, most requests skip the key query, which cost more than the match itself.
 */
export const apiKeyScopeCacheMs = 5_000;

/**
 * Descriptions of matched entries kept in memory, oldest dropped first: about 15 MiB (300 bytes
 * each with a short label), where every entry's would take gigabytes at 10 million entries.
 */
const describedEntriesKept = 50_000;
/** Rows read from the database at a time when an index loads or catches up. */
const changesPageSize = 50_000;
const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * Named banks of known-image signals, kept in the database. Entries are never deleted: one found
 * to be a false positive is disabled for everyone by the hotline's staff (with its reason,
 * audited) and can be enabled again; a platform's feedback hides it from that platform's key only.
 */
export class HashBanks {
  constructor(
    private readonly database: Database,
    private readonly audit: AuditLog,
    /** Called after a change commits, so that this process's index sees it at once. */
    private readonly onChange: () => Promise<void> = async () => {},
  ) {}

  async list(): Promise<Bank[]> {
    const rows = await this.database.db
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
    return rows;
  }

  async byName(name: string): Promise<{ id: string; name: string }> {
    const [bank] = await this.database.db.select({ id: hashBanks.id, name: hashBanks.name }).from(hashBanks).where(eq(hashBanks.name, name));
    if (!bank) throw new HifazatError('not_found', `No bank named "${name}".`);
    return bank;
  }

  async create(name: string, description: string | null = null): Promise<string> {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
      throw new HifazatError('validation_failed', 'Bank names are lower-case letters, digits, - and _.', { issues: [{ field: 'name', problem: 'invalid' }] });
    }
    const id = randomUUID();
    const inserted = await this.database.db.insert(hashBanks).values({ id, name, description }).onConflictDoNothing().returning({ id: hashBanks.id });
    if (inserted.length === 0) throw new HifazatError('validation_failed', `A bank named "${name}" exists.`, { issues: [{ field: 'name', problem: 'taken' }] });
    return id;
  }

  /**
   * Imports a bank file (Hifazat CSV, ThreatExchange/HMA signal lines, or PDQ tool output).
   * Good lines are added in one transaction; bad lines are reported with their line numbers
   * and nothing of theirs is stored.
   */
  async import(bankName: string, text: string, source: string | null = null): Promise<ImportResult> {
    const bank = await this.byName(bankName);
    const { layout, entries, problems } = parseBankFile(text, { source });
    let added = 0;
    await this.database.db.transaction(async (tx) => {
      for (let i = 0; i < entries.length; i += importBatch) {
        const batch = entries.slice(i, i + importBatch);
        const inserted = await tx
          .insert(hashBankEntries)
          .values(batch.map((e) => entryValues(bank.id, e)))
          .onConflictDoNothing()
          .returning({ id: hashBankEntries.id });
        added += inserted.length;
      }
    });
    if (added > 0) await this.onChange();
    return { layout, added, alreadyPresent: entries.length - added, problems };
  }

  async add(bankName: string, entry: BankEntryInput): Promise<number | undefined> {
    const bank = await this.byName(bankName);
    const [row] = await this.database.db.insert(hashBankEntries).values(entryValues(bank.id, entry)).onConflictDoNothing().returning({ id: hashBankEntries.id });
    if (row) await this.onChange();
    return row?.id;
  }

  /** The bank's enabled entries as Hifazat CSV (disabled ones are known false positives). */
  async export(bankName: string): Promise<string> {
    const bank = await this.byName(bankName);
    const rows = await this.database.db
      .select()
      .from(hashBankEntries)
      .where(and(eq(hashBankEntries.bankId, bank.id), isNull(hashBankEntries.disabledAt)))
      .orderBy(asc(hashBankEntries.id));
    return formatBankFile(
      rows.map((r) => ({ type: r.signalType as SignalType, value: r.signal, quality: r.quality, label: r.label, source: r.source })),
    );
  }

  /**
   * Disables an entry for every key (a `reason`), or enables it again (null): the hotline's
   * decision, never a platform's, audited as 'bank_entry.disable' or 'bank_entry.enable'.
   */
  async setDisabled(actor: BankActor, entryId: number, reason: string | null): Promise<void> {
    if (!Number.isSafeInteger(entryId) || entryId < 1 || entryId > 2_147_483_647) throw new HifazatError('not_found', 'No such bank entry.');
    await this.database.db.transaction(async (tx) => {
      const updated = await tx
        .update(hashBankEntries)
        .set({ disabledAt: reason === null ? null : sql`now()`, disabledReason: reason, changedAt: sql`clock_timestamp()` })
        .where(eq(hashBankEntries.id, entryId))
        .returning({ id: hashBankEntries.id, bankId: hashBankEntries.bankId });
      if (updated.length === 0) throw new HifazatError('not_found', 'No such bank entry.');
      await this.audit.append(tx, {
        actorId: actor.id,
        actor: actor.label,
        action: reason === null ? 'bank_entry.enable' : 'bank_entry.disable',
        objectType: 'bank_entry',
        objectId: String(entryId),
        details: { bankId: updated[0]!.bankId, ...(reason === null ? {} : { reason }) },
      });
    });
    await this.onChange();
  }

  /**
   * Records a platform's verdict on a match, for analysts to review, and audits it as
   * 'match.feedback' with the key as the actor. A confirmed false positive hides the entry from
   * this key's matches, and a confirmed true positive shows it again; no other key is affected.
   * Only entries in the banks the key reaches (else not_found, as for an entry that does not
   * exist). `hidden` tells whether the entry is now hidden from this key; `changed`, whether that
   * changed.
   */
  async recordFeedback(apiKey: ApiKey, input: { entryId: number; verdict: MatchVerdict; confirmed: boolean }): Promise<{ hidden: boolean; changed: boolean }> {
    return this.database.db.transaction(async (tx) => {
      const [entry] = await tx
        .select({ id: hashBankEntries.id, bankId: hashBankEntries.bankId })
        .from(hashBankEntries)
        .where(eq(hashBankEntries.id, input.entryId));
      if (!entry || !apiKey.bankIds.includes(entry.bankId)) throw new HifazatError('not_found', 'No such entry in the banks this key reaches.');
      const hiddenRow = and(eq(apiKeyHiddenEntries.apiKeyId, apiKey.id), eq(apiKeyHiddenEntries.entryId, entry.id));
      let changed = false;
      if (input.confirmed && input.verdict === 'false_positive') {
        // Serialises this key's hiding, so that concurrent requests cannot pass the limit together.
        await tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.id, apiKey.id)).for('update');
        const [hiddenCount] = await tx.select({ n: count() }).from(apiKeyHiddenEntries).where(eq(apiKeyHiddenEntries.apiKeyId, apiKey.id));
        const inserted = await tx.insert(apiKeyHiddenEntries).values({ apiKeyId: apiKey.id, entryId: entry.id }).onConflictDoNothing().returning({ entryId: apiKeyHiddenEntries.entryId });
        changed = inserted.length > 0;
        if (changed && (hiddenCount?.n ?? 0) >= maxHiddenEntriesPerKey) {
          throw new HifazatError('invalid_state', `This key has hidden ${maxHiddenEntriesPerKey} entries, the most one key may; the hotline reviews them.`);
        }
      } else if (input.confirmed && input.verdict === 'true_positive') {
        changed = (await tx.delete(apiKeyHiddenEntries).where(hiddenRow).returning({ entryId: apiKeyHiddenEntries.entryId })).length > 0;
      }
      const hidden = input.confirmed
        ? input.verdict === 'false_positive'
        : (await tx.select({ entryId: apiKeyHiddenEntries.entryId }).from(apiKeyHiddenEntries).where(hiddenRow)).length > 0;
      await tx.insert(matchFeedback).values({ entryId: entry.id, apiKeyId: apiKey.id, verdict: input.verdict, confirmed: input.confirmed });
      await this.audit.append(tx, {
        actorId: apiKey.id,
        actor: `api key "${apiKey.name}"`,
        action: 'match.feedback',
        objectType: 'bank_entry',
        objectId: String(entry.id),
        details: { bankId: entry.bankId, verdict: input.verdict, confirmed: input.confirmed, hiddenForKey: hidden },
      });
      return { hidden, changed };
    });
  }

  /** A page of enabled entries with ids above `afterId`, in id order, for loading an index. */
  enabledEntriesAfter(afterId: number, limit = changesPageSize) {
    return this.database.db
      .select(indexedColumns)
      .from(hashBankEntries)
      .where(and(isNull(hashBankEntries.disabledAt), gt(hashBankEntries.id, afterId)))
      .orderBy(asc(hashBankEntries.id))
      .limit(limit)
      .execute();
  }

  /**
   * A page of the entries changed at or after `since`, with ids above `afterId`, in id order, for
   * the indexes to catch up. Paging by id, not by change time: many entries can share one time.
   */
  changesSince(since: Date, afterId = 0, limit = changesPageSize) {
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
      .select({ id: hashBankEntries.id, bank: hashBanks.name, label: hashBankEntries.label, signal: hashBankEntries.signal, signalType: hashBankEntries.signalType, quality: hashBankEntries.quality })
      .from(hashBankEntries)
      .innerJoin(hashBanks, eq(hashBanks.id, hashBankEntries.bankId))
      .where(inArray(hashBankEntries.id, entryIds));
    return new Map(rows.map((r) => [r.id, r]));
  }

}

/** What an index keeps of an entry. */
const indexedColumns = {
  id: hashBankEntries.id,
  bankId: hashBankEntries.bankId,
  signalType: hashBankEntries.signalType,
  signal: hashBankEntries.signal,
  quality: hashBankEntries.quality,
};

function entryValues(bankId: string, e: BankEntryInput) {
  return { bankId, signalType: e.signal.type, signal: e.signal.value, quality: e.quality, label: e.label, source: e.source };
}

/**
 * The in-memory index of every enabled entry: PDQ hashes in a HammingIndex, digests in maps.
 * Loaded on first use, then kept current from the database's change times, so that entries
 * added or disabled by another process reach this one too.
 */
export class MatchIndex {
  #pdq = new HammingIndex();
  #digests = new Map<string, number[]>();
  /**
   * The bank of each live entry, by entry id (ids are dense): an ordinal into #banks plus one,
   * 0 for no live entry. Two bytes an entry, where a Map would take dozens.
   */
  #bankOfId = new Uint16Array(1024);
  #banks: string[] = [];
  #size = 0;
  /** Set by loading. */
  #syncedTo = new Date(0);
  #loading: Promise<void> | undefined;
  #refreshing: Promise<void> = Promise.resolve();
  #described = new Map<number, EntryDescription>();
  /** Counts refreshes that saw changes, so that a description read before one is not kept after it. */
  #changes = 0;

  constructor(private readonly banks: HashBanks) {}

  get size(): number {
    return this.#size;
  }

  #bankOf(id: number): string | undefined {
    const ordinal = id < this.#bankOfId.length ? this.#bankOfId[id]! : 0;
    return ordinal === 0 ? undefined : this.#banks[ordinal - 1];
  }

  #setBank(id: number, bankId: string | undefined): void {
    if (id >= this.#bankOfId.length) {
      const grown = new Uint16Array(Math.max(id + 1, this.#bankOfId.length * 2));
      grown.set(this.#bankOfId);
      this.#bankOfId = grown;
    }
    let ordinal = 0;
    if (bankId !== undefined) {
      ordinal = this.#banks.indexOf(bankId) + 1;
      if (ordinal === 0) ordinal = this.#banks.push(bankId);
    }
    this.#size += (ordinal === 0 ? 0 : 1) - (this.#bankOfId[id] === 0 ? 0 : 1);
    this.#bankOfId[id] = ordinal;
  }

  /**
   * Adds rows: digests at once, PDQ hashes into `batch` (which the caller hands to the index
   * in one addMany, so that a load costs one rebuild of its tables, not one per page).
   */
  #addAll(rows: readonly { id: number; bankId: string; signalType: string; signal: string; quality: number | null }[], batch: PdqBatch) {
    for (const row of rows) {
      if (this.#bankOf(row.id) !== undefined) continue;
      if (row.signalType === 'pdq') {
        // Low-quality PDQ hashes match noise; matching systems leave them out.
        if ((row.quality ?? 100) < minimumPdqQuality) continue;
        batch.push(row.id, Hash256.fromHex(row.signal).toWords());
      } else {
        const key = `${row.signalType}:${row.signal}`;
        this.#digests.set(key, [...(this.#digests.get(key) ?? []), row.id]);
      }
      this.#setBank(row.id, row.bankId);
    }
  }

  #remove(row: { id: number; signalType: string; signal: string }) {
    if (this.#bankOf(row.id) === undefined) return;
    this.#setBank(row.id, undefined);
    if (row.signalType === 'pdq') this.#pdq.remove(row.id);
    else {
      const key = `${row.signalType}:${row.signal}`;
      const ids = (this.#digests.get(key) ?? []).filter((id) => id !== row.id);
      if (ids.length) this.#digests.set(key, ids);
      else this.#digests.delete(key);
    }
  }

  /**
   * Adds PDQ entries of one bank in bulk from typed arrays, without reading the database: `ids`
   * are `hash_bank_entries` ids, `words` their hashes, 8 words per id in `Hash256.toWords()`
   * order. The caller vouches that each is an enabled entry of that bank, with that hash and a
   * quality of at least `minimumPdqQuality`: nothing is checked against the database, rows that
   * loading or refreshing reads later with these ids are skipped as already indexed, and an entry
   * disabled before the index's first load is not removed. For filling a large index without
   * the database (from a snapshot of the banks, or in a benchmark). All or nothing: throws,
   * adding none, if an id is repeated or already indexed.
   */
  addPdqEntries(bankId: string, ids: Uint32Array, words: Uint32Array): void {
    for (const id of ids) {
      if (this.#bankOf(id) !== undefined) throw new Error(`duplicate id ${id}`);
    }
    this.#pdq.addMany(ids, words);
    for (const id of ids) this.#setBank(id, bankId);
  }

  ensureLoaded(): Promise<void> {
    this.#loading ??= (async () => {
      const started = new Date(Date.now() - 1000);
      const batch = new PdqBatch();
      // The database reads the next page while this process parses the last one.
      let next = this.banks.enabledEntriesAfter(0);
      for (let page = await next; page.length > 0; page = await next) {
        next = this.banks.enabledEntriesAfter(page.at(-1)!.id);
        this.#addAll(page, batch);
      }
      const { ids, words } = batch.arrays();
      this.#pdq.addMany(ids, words);
      // Changes made while loading are picked up by the first refresh.
      this.#syncedTo = started;
    })();
    return this.#loading;
  }

  /** Applies every change since the last sync. Calls are serialised. */
  refresh(): Promise<void> {
    this.#refreshing = this.#refreshing.then(async () => {
      await this.ensureLoaded();
      // Every page of changes, then one build: an import of many entries rebuilds the tables once.
      const batch = new PdqBatch();
      let newest: Date | undefined;
      for (let afterId = 0; ; ) {
        const rows = await this.banks.changesSince(this.#syncedTo, afterId);
        if (rows.length > 0) this.#changes++;
        for (const row of rows) {
          // Refreshes overlap, so most rows seen again are unchanged: their descriptions stay.
          if (row.disabled || this.#described.get(row.id)?.label !== row.label) this.#described.delete(row.id);
          if (row.disabled) this.#remove(row);
          if (!newest || row.changedAt > newest) newest = row.changedAt;
        }
        this.#addAll(rows.filter((row) => !row.disabled), batch);
        if (rows.length < changesPageSize) break;
        afterId = rows.at(-1)!.id;
      }
      const { ids, words } = batch.arrays();
      this.#pdq.addMany(ids, words);
      // Keep a little overlap: a change committed late with an earlier time is not missed.
      if (newest) this.#syncedTo = new Date(newest.getTime() - 1000);
    });
    return this.#refreshing;
  }

  /**
   * Entry ids matching the signals, with distances, in the given banks only, less the `hidden`
   * ones (a key's own false positives: one set look-up per entry found, after the search).
   */
  async match(
    query: { pdq?: string[]; md5?: string; sha256?: string },
    options: { bankIds: readonly string[]; maxDistance?: number; hidden?: ReadonlySet<number> },
  ): Promise<{ entryId: number; distance: number }[]> {
    await this.ensureLoaded();
    const allowed = new Set(options.bankIds);
    const hidden = options.hidden;
    const found = new Map<number, number>();
    if (query.pdq?.length) {
      for (const m of this.#pdq.searchVariants(query.pdq, options.maxDistance ?? DEFAULT_MAX_DISTANCE)) found.set(m.id, m.distance);
    }
    for (const [type, value] of [['md5', query.md5], ['sha256', query.sha256]] as const) {
      if (value) for (const id of this.#digests.get(`${type}:${value}`) ?? []) found.set(id, 0);
    }
    return [...found]
      .filter(([id]) => allowed.has(this.#bankOf(id) ?? '') && !hidden?.has(id))
      .map(([entryId, distance]) => ({ entryId, distance }))
      .sort((a, b) => a.distance - b.distance || a.entryId - b.entryId);
  }

  /**
   * `HashBanks.describe`, answered from memory for entries described before. Nothing in Hifazat
   * changes a description (an entry's bank, signal, quality and label, a bank's name), and a
   * refresh forgets those of entries it finds disabled or relabelled (with SQL that bumps
   * `changed_at`, as every change must), so this tells what the database would as of the
   * index's last refresh, as `match` does.
   */
  async describe(entryIds: number[]): Promise<Map<number, EntryDescription>> {
    const described = new Map<number, EntryDescription>();
    const missing: number[] = [];
    for (const id of entryIds) {
      const description = this.#described.get(id);
      if (description) described.set(id, description);
      else missing.push(id);
    }
    if (missing.length === 0) return described;
    const changes = this.#changes;
    const read = await this.banks.describe(missing);
    for (const [id, description] of read) {
      described.set(id, description);
      if (changes !== this.#changes) continue;
      if (this.#described.size >= describedEntriesKept) this.#described.delete(this.#described.keys().next().value!);
      this.#described.set(id, description);
    }
    return described;
  }
}

/** PDQ entries gathered for one addMany, in typed arrays that grow by doubling. */
class PdqBatch {
  #ids = new Uint32Array(1024);
  #words = new Uint32Array(1024 * 8);
  #count = 0;

  push(id: number, words: Uint32Array): void {
    if (this.#count === this.#ids.length) {
      const ids = new Uint32Array(this.#ids.length * 2);
      ids.set(this.#ids);
      this.#ids = ids;
      const grown = new Uint32Array(this.#words.length * 2);
      grown.set(this.#words);
      this.#words = grown;
    }
    this.#ids[this.#count] = id;
    this.#words.set(words, this.#count * 8);
    this.#count++;
  }

  arrays(): { ids: Uint32Array; words: Uint32Array } {
    return { ids: this.#ids.subarray(0, this.#count), words: this.#words.subarray(0, this.#count * 8) };
  }
}

/**
 * API keys for platforms, scoped to banks and to what they may call ('match', 'feedback'). Only a
 * hash of each key is stored.
 */
export class ApiKeys {
  /**
   * Verified keys' scopes by the hash of the secret, until a time. A wrong key is never kept, so
   * guessing cannot fill memory: there is at most one entry per key the database confirmed.
   */
  #verified = new Map<string, { key: ApiKey; until: number }>();
  /** Counts changes to keys (revocations, hidden entries), so that a key read before one is not cached after it. */
  #changes = 0;

  constructor(
    private readonly database: Database,
    private readonly banks: HashBanks,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(name: string, bankNames: string[], scopes: readonly ApiKeyScope[] = defaultApiKeyScopes): Promise<{ id: string; secret: string }> {
    if (bankNames.length === 0) throw new HifazatError('validation_failed', 'Name at least one bank.', { issues: [{ field: 'banks', problem: 'required' }] });
    if (scopes.length === 0 || !scopes.every((s) => apiKeyScopes.includes(s))) {
      throw new HifazatError('validation_failed', `Grant one or more of: ${apiKeyScopes.join(', ')}.`, { issues: [{ field: 'scopes', problem: 'invalid_choice' }] });
    }
    const bankIds = await Promise.all(bankNames.map(async (n) => (await this.banks.byName(n)).id));
    const id = randomUUID();
    const secret = `hz_${randomBytes(32).toString('base64url')}`;
    await this.database.db.transaction(async (tx) => {
      await tx.insert(apiKeys).values({ id, name, keyHash: sha256(secret), scopes: [...new Set(scopes)] });
      await tx.insert(apiKeyBanks).values(bankIds.map((bankId) => ({ apiKeyId: id, bankId })));
    });
    return { id, secret };
  }

  /** The key's scope, from memory for up to `apiKeyScopeCacheMs` after the database confirmed it. */
  async authenticate(secret: string | undefined): Promise<ApiKey | undefined> {
    if (!secret || secret.length > 200) return undefined;
    const keyHash = sha256(secret);
    const cacheKey = keyHash.toString('base64');
    const now = this.clock().getTime();
    const cached = this.#verified.get(cacheKey);
    if (cached && now < cached.until) return cached.key;
    this.#verified.delete(cacheKey);
    const changes = this.#changes;
    const rows = await this.database.db
      .select({ id: apiKeys.id, name: apiKeys.name, scopes: apiKeys.scopes, bankId: apiKeyBanks.bankId })
      .from(apiKeys)
      .innerJoin(apiKeyBanks, eq(apiKeyBanks.apiKeyId, apiKeys.id))
      .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)));
    if (rows.length === 0) return undefined;
    const hidden = await this.database.db
      .select({ entryId: apiKeyHiddenEntries.entryId })
      .from(apiKeyHiddenEntries)
      .where(eq(apiKeyHiddenEntries.apiKeyId, rows[0]!.id));
    const key: ApiKey = {
      id: rows[0]!.id,
      name: rows[0]!.name,
      bankIds: rows.map((r) => r.bankId),
      scopes: rows[0]!.scopes.filter((s): s is ApiKeyScope => (apiKeyScopes as readonly string[]).includes(s)),
      hiddenEntryIds: new Set(hidden.map((h) => h.entryId)),
    };
    if (changes === this.#changes) this.#verified.set(cacheKey, { key, until: now + apiKeyScopeCacheMs });
    return key;
  }

  /**
   * A platform's verdict on a match (`HashBanks.recordFeedback`: recorded, audited, and a confirmed
   * one hides or shows the entry for this key only). Takes effect at once for the key in this
   * process, and within `apiKeyScopeCacheMs` in the others.
   */
  async feedback(key: ApiKey, input: { entryId: number; verdict: MatchVerdict; confirmed: boolean }): Promise<{ hidden: boolean }> {
    const { hidden, changed } = await this.banks.recordFeedback(key, input);
    if (changed) this.#forget(key.id);
    return { hidden };
  }

  /** Takes effect at once in this process; other processes stop accepting the key within `apiKeyScopeCacheMs`. */
  async revoke(id: string): Promise<void> {
    await this.database.db.update(apiKeys).set({ revokedAt: sql`now()` }).where(eq(apiKeys.id, id));
    this.#forget(id);
  }

  #forget(id: string): void {
    this.#changes++;
    for (const [cacheKey, { key }] of this.#verified) if (key.id === id) this.#verified.delete(cacheKey);
  }
}

