import { minimumPdqQuality } from '../domain/signals.ts';
import { DEFAULT_MAX_DISTANCE, HammingIndex } from '../pdq/hamming-index.ts';
import { Hash256 } from '../pdq/hash256.ts';
import type { EntryDescription, HashBankStore } from '../store/hash-banks.ts';

/**
 * Descriptions of matched entries kept in memory, oldest dropped first: about 15 MiB (300 bytes
 * each with a short label), where every entry's would take gigabytes at 10 million entries.
 */
const describedEntriesKept = 50_000;
/** Rows read from the database at a time when an index loads or catches up. */
const changesPageSize = 50_000;

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

  constructor(private readonly store: Pick<HashBankStore, 'enabledEntriesAfter' | 'changesSince' | 'describe'>) {}

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
      let next = this.store.enabledEntriesAfter(0, changesPageSize);
      for (let page = await next; page.length > 0; page = await next) {
        next = this.store.enabledEntriesAfter(page.at(-1)!.id, changesPageSize);
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
      for (let afterId = 0; ;) {
        const rows = await this.store.changesSince(this.#syncedTo, afterId, changesPageSize);
        if (rows.length > 0) this.#changes++;
        for (const row of rows) {
          // Refreshes overlap, so most rows seen again are unchanged: their descriptions stay.
          if (row.disabled || this.#described.get(row.id)?.label !== row.label) this.#described.delete(row.id);
          if (row.disabled) this.#remove(row);
          if (!newest || row.changedAt > newest) newest = row.changedAt;
        }
        this.#addAll(
          rows.filter((row) => !row.disabled),
          batch,
        );
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
    for (const [type, value] of [
      ['md5', query.md5],
      ['sha256', query.sha256],
    ] as const) {
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
    const read = await this.store.describe(missing);
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
