/**
 * Exact Hamming-radius search over 256-bit PDQ hashes, for matching uploads against banks of
 * known-image hashes.
 *
 * Multi-index hashing, with the pigeonhole principle applied twice. If a match differs from
 * the query in at most T bits and the word radii r_w satisfy sum(r_w + 1) = T + 1 over the
 * eight 32-bit words, some word w differs in at most r_w bits; splitting r_w + 1 the same way
 * between that word's 16-bit halves, one half differs in at most about r_w / 2 bits. At
 * T = 31: some word is within 3 bits, and one of its halves within 1 bit.
 *
 * So there is a table per half-word (16 tables), grouping every entry by that half's value and
 * storing beside it the other half of its word. A query visits the buckets within the half
 * radius of each of its own halves (17 per table at T = 31), scans them for entries whose
 * whole word is within r_w, and reads only those few hashes in full. On uniform data a bucket
 * holds ~n / 65536 entries: ~272 bucket visits and ~n / 240 dense 16-bit compares per query.
 * One table per 32-bit word would halve the tables but visit the 697 buckets within 3 bits
 * of a 16-bit prefix per word, which measured ~4x slower at 10M entries.
 *
 * Bulk-built tables are immutable arrays filled by counting sort. Later additions wait in a
 * small unindexed list, scanned linearly and folded into a rebuild once it passes a limit;
 * removals set a bit and are dropped at the next rebuild. Pure TypeScript on typed arrays.
 */

import { popcount32 } from './hash256.ts';

/**
 * A 256-bit PDQ hash: the 64 hex digits PDQ prints, or 8 uint32 words with word i holding bits
 * 32i to 32i + 31, as `Hash256.toWords()` returns them (the last 8 hex digits are word 0).
 */
export type PdqHashInput = string | ArrayLike<number>;

export interface HammingMatch {
  id: number;
  distance: number;
}

export interface HammingIndexOptions {
  /**
   * How many entries added after the last rebuild are scanned linearly before the tables are
   * rebuilt. Bounds the per-query cost of the scan against the rebuild cost amortised per add.
   */
  pendingLimit?: number;
}

/** Meta's recommended PDQ match threshold, inclusive. */
export const DEFAULT_MAX_DISTANCE = 31;
export const DEFAULT_PENDING_LIMIT = 8192;

const HASH_WORDS = 8;
const HASH_BITS = 256;
/** Table 2w indexes the high half of word w, table 2w + 1 its low half. */
const TABLES = 2 * HASH_WORDS;
const HALF_BITS = 16;
const BUCKETS = 1 << HALF_BITS;
const STARTS_PER_TABLE = BUCKETS + 1;
const MAX_UINT32 = 0xffffffff;

/**
 * All 16-bit masks ordered by popcount, so the keys within radius r of a half-word are the
 * masks in [0, weightStart[r + 1]).
 */
const { masksByWeight, weightStart } = (() => {
  const start = new Int32Array(HALF_BITS + 2);
  for (let mask = 0; mask < BUCKETS; mask++) start[popcount32(mask) + 1]!++;
  for (let weight = 1; weight < start.length; weight++) start[weight]! += start[weight - 1]!;
  const next = start.slice();
  const masks = new Uint16Array(BUCKETS);
  for (let mask = 0; mask < BUCKETS; mask++) masks[next[popcount32(mask)]!++] = mask;
  return { masksByWeight: masks, weightStart: start };
})();

/** Written so the JIT cannot drop the prefetching reads in `IndexedSegment.search`. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- written, never read, on purpose (above)
let prefetchSink = 0;

function tableHalf(table: number): { word: number; shift: number; otherShift: number } {
  const shift = (table & 1) === 0 ? 16 : 0;
  return { word: table >>> 1, shift, otherShift: 16 - shift };
}

/**
 * How far a match may differ per word and per half-word; -1 means no lookup is needed.
 * Pigeonhole twice: sum(words[w] + 1) = maxDistance + 1 over the words, and the two halves
 * of word w split words[w] + 1 the same way.
 */
interface SearchRadii {
  words: Int32Array;
  halves: Int32Array;
}

function searchRadii(maxDistance: number): SearchRadii {
  const words = new Int32Array(HASH_WORDS);
  const halves = new Int32Array(TABLES);
  const units = maxDistance + 1;
  for (let w = 0; w < HASH_WORDS; w++) {
    const wordUnits = Math.floor(units / HASH_WORDS) + (w < units % HASH_WORDS ? 1 : 0);
    words[w] = wordUnits - 1;
    halves[2 * w] = Math.ceil(wordUnits / 2) - 1;
    halves[2 * w + 1] = Math.floor(wordUnits / 2) - 1;
  }
  return { words, halves };
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_UINT32) {
    throw new RangeError(`id must be a uint32, got ${id}`);
  }
}

function checkMaxDistance(maxDistance: number): void {
  if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > HASH_BITS) {
    throw new RangeError(`maxDistance must be an integer in 0..${HASH_BITS}, got ${maxDistance}`);
  }
}

const HEX_HASH = /^[0-9a-f]{64}$/i;

/** The 8 words of a hash, in `Hash256.toWords()` order. */
function hashWords(hash: PdqHashInput): Uint32Array {
  const words = new Uint32Array(HASH_WORDS);
  if (typeof hash === 'string') {
    if (!HEX_HASH.test(hash)) throw new RangeError('a PDQ hash must be 64 hex digits');
    // The text starts with the most significant word.
    for (let i = 0; i < HASH_WORDS; i++) {
      words[HASH_WORDS - 1 - i] = parseInt(hash.slice(8 * i, 8 * i + 8), 16);
    }
    return words;
  }
  if (hash.length !== HASH_WORDS) throw new RangeError('a PDQ hash must be 8 uint32 words');
  for (let w = 0; w < HASH_WORDS; w++) {
    const word = hash[w]!;
    if (!Number.isInteger(word) || word < 0 || word > MAX_UINT32) {
      throw new RangeError(`hash words must be uint32, got ${word}`);
    }
    words[w] = word;
  }
  return words;
}

function keepSmaller(found: Map<number, number>, id: number, distance: number): void {
  const previous = found.get(id);
  if (previous === undefined || distance < previous) found.set(id, distance);
}

/** Ids in ascending order and where each came from: two stable 16-bit counting-sort passes. */
function sortIds(ids: Uint32Array): { sorted: Uint32Array; order: Uint32Array } {
  const n = ids.length;
  const lowStarts = new Uint32Array(STARTS_PER_TABLE);
  const highStarts = new Uint32Array(STARTS_PER_TABLE);
  for (let i = 0; i < n; i++) {
    lowStarts[(ids[i]! & 0xffff) + 1]!++;
    highStarts[(ids[i]! >>> 16) + 1]!++;
  }
  for (let b = 1; b <= BUCKETS; b++) {
    lowStarts[b]! += lowStarts[b - 1]!;
    highStarts[b]! += highStarts[b - 1]!;
  }
  const byLowOrder = new Uint32Array(n);
  const byLowIds = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const slot = lowStarts[ids[i]! & 0xffff]!++;
    byLowOrder[slot] = i;
    byLowIds[slot] = ids[i]!;
  }
  const order = new Uint32Array(n);
  const sorted = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const slot = highStarts[byLowIds[i]! >>> 16]!++;
    order[slot] = byLowOrder[i]!;
    sorted[slot] = byLowIds[i]!;
  }
  return { sorted, order };
}

/** An immutable bulk-built set of entries with a lookup table per half-word. */
class IndexedSegment {
  readonly count: number;
  /** Ascending, so ids are found by binary search. */
  readonly ids: Uint32Array;
  /** HASH_WORDS per entry, in the order of `ids`. */
  readonly words: Uint32Array;
  /**
   * Per table (see `tableHalf`): entries grouped by the half-word's value, the group for
   * value h in [bucketStarts[h], bucketStarts[h + 1]), each with the other half of its word
   * (read by every scan, so kept dense and small) and its position in `ids` and `words`.
   */
  readonly bucketStarts: Uint32Array[] = [];
  readonly otherHalves: Uint16Array[] = [];
  readonly positions: Uint32Array[] = [];
  readonly removed: Uint32Array;
  removedCount = 0;

  /** `ids` may be in any order; `words` holds HASH_WORDS per id. Throws on duplicate ids. */
  constructor(ids: Uint32Array, words: Uint32Array) {
    const n = ids.length;
    this.count = n;
    const byId = sortIds(ids);
    for (let i = 1; i < n; i++) {
      if (byId.sorted[i] === byId.sorted[i - 1]) throw new Error(`duplicate id ${byId.sorted[i]}`);
    }
    this.ids = byId.sorted;
    this.words = new Uint32Array(n * HASH_WORDS);
    for (let i = 0; i < n; i++) {
      const from = byId.order[i]! * HASH_WORDS;
      const to = i * HASH_WORDS;
      for (let w = 0; w < HASH_WORDS; w++) this.words[to + w] = words[from + w]!;
    }

    const column = new Uint32Array(n);
    for (let table = 0; table < TABLES; table++) {
      const { word, shift, otherShift } = tableHalf(table);
      for (let i = 0; i < n; i++) column[i] = this.words[i * HASH_WORDS + word]!;
      // One counting-sort pass; order inside a bucket is irrelevant as buckets are scanned whole.
      const starts = new Uint32Array(STARTS_PER_TABLE);
      for (let i = 0; i < n; i++) starts[((column[i]! >>> shift) & 0xffff) + 1]!++;
      for (let h = 1; h <= BUCKETS; h++) starts[h]! += starts[h - 1]!;
      const next = starts.slice(0, BUCKETS);
      const otherHalves = new Uint16Array(n);
      const positions = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        const value = column[i]!;
        const slot = next[(value >>> shift) & 0xffff]!++;
        otherHalves[slot] = (value >>> otherShift) & 0xffff;
        positions[slot] = i;
      }
      this.bucketStarts.push(starts);
      this.otherHalves.push(otherHalves);
      this.positions.push(positions);
    }
    this.removed = new Uint32Array(Math.ceil(n / 32));
  }

  get liveCount(): number {
    return this.count - this.removedCount;
  }

  get byteLength(): number {
    let bytes = this.ids.byteLength + this.words.byteLength + this.removed.byteLength;
    for (let table = 0; table < TABLES; table++) {
      bytes += this.bucketStarts[table]!.byteLength;
      bytes += this.otherHalves[table]!.byteLength + this.positions[table]!.byteLength;
    }
    return bytes;
  }

  isRemoved(position: number): boolean {
    return ((this.removed[position >>> 5]! >>> (position & 31)) & 1) === 1;
  }

  /** Position of a live entry with this id, or -1. */
  positionOf(id: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.ids[middle]! < id) low = middle + 1;
      else high = middle;
    }
    return low < this.count && this.ids[low] === id && !this.isRemoved(low) ? low : -1;
  }

  remove(position: number): void {
    this.removed[position >>> 5]! |= 1 << (position & 31);
    this.removedCount++;
  }

  /** Live entries, for rebuilding. */
  liveEntries(): { ids: Uint32Array; words: Uint32Array } {
    const ids = new Uint32Array(this.liveCount);
    const words = new Uint32Array(this.liveCount * HASH_WORDS);
    let kept = 0;
    for (let p = 0; p < this.count; p++) {
      if (this.isRemoved(p)) continue;
      ids[kept] = this.ids[p]!;
      for (let w = 0; w < HASH_WORDS; w++) {
        words[kept * HASH_WORDS + w] = this.words[p * HASH_WORDS + w]!;
      }
      kept++;
    }
    return { ids, words };
  }

  search(query: Uint32Array, radii: SearchRadii, maxDistance: number, found: Map<number, number>): void {
    if (this.liveCount === 0) return;
    for (let table = 0; table < TABLES; table++) {
      const halfRadius = radii.halves[table]!;
      if (halfRadius < 0) continue;
      const { word, shift, otherShift } = tableHalf(table);
      const wordRadius = radii.words[word]!;
      const queryHalf = (query[word]! >>> shift) & 0xffff;
      const queryOther = (query[word]! >>> otherShift) & 0xffff;
      const starts = this.bucketStarts[table]!;
      const otherHalves = this.otherHalves[table]!;
      const positions = this.positions[table]!;
      const bucketCount = weightStart[Math.min(halfRadius, HALF_BITS) + 1]!;
      // JS has no prefetch instruction. Reading the first entry of every bucket in a tight loop
      // lets the CPU overlap those cache misses rather than stall on each bucket in turn; it
      // took a fifth (10M entries) to a half (1M) off the query time.
      let touched = 0;
      for (let m = 0; m < bucketCount; m++) {
        touched += otherHalves[starts[queryHalf ^ masksByWeight[m]!]!] ?? 0;
      }
      prefetchSink ^= touched;
      for (let halfDistance = 0; halfDistance <= Math.min(halfRadius, HALF_BITS); halfDistance++) {
        const otherRadius = wordRadius - halfDistance;
        const masksEnd = weightStart[halfDistance + 1]!;
        for (let m = weightStart[halfDistance]!; m < masksEnd; m++) {
          const bucket = queryHalf ^ masksByWeight[m]!;
          const end = starts[bucket + 1]!;
          for (let i = starts[bucket]!; i < end; i++) {
            if (popcount32(otherHalves[i]! ^ queryOther) <= otherRadius) {
              this.verify(positions[i]!, table, query, radii, maxDistance, found);
            }
          }
        }
      }
    }
  }

  /**
   * Reports the entry if it is within maxDistance, unless another table reports it: an
   * earlier word within its radius has a half that its own table finds, and a low-half hit
   * whose high half is within radius is found by the high-half table. So each entry is
   * reported once without a per-query "seen" set.
   */
  private verify(
    position: number,
    table: number,
    query: Uint32Array,
    radii: SearchRadii,
    maxDistance: number,
    found: Map<number, number>,
  ): void {
    const word = table >>> 1;
    const base = position * HASH_WORDS;
    let distance = 0;
    for (let w = 0; w < HASH_WORDS; w++) {
      const wordDistance = popcount32(this.words[base + w]! ^ query[w]!);
      if (w < word && wordDistance <= radii.words[w]!) return;
      distance += wordDistance;
      if (distance > maxDistance) return;
    }
    const isLowHalf = (table & 1) === 1;
    if (isLowHalf) {
      const highDistance = popcount32((this.words[base + word]! ^ query[word]!) >>> 16);
      if (highDistance <= radii.halves[table - 1]!) return;
    }
    if (this.isRemoved(position)) return;
    keepSmaller(found, this.ids[position]!, distance);
  }
}

/** Entries added since the last rebuild, scanned linearly. */
class PendingEntries {
  ids = new Uint32Array(64);
  words = new Uint32Array(64 * HASH_WORDS);
  count = 0;
  private readonly slotById = new Map<number, number>();

  has(id: number): boolean {
    return this.slotById.has(id);
  }

  add(id: number, hash: Uint32Array): void {
    if (this.count === this.ids.length) {
      const ids = new Uint32Array(this.count * 2);
      ids.set(this.ids);
      const words = new Uint32Array(this.count * 2 * HASH_WORDS);
      words.set(this.words);
      this.ids = ids;
      this.words = words;
    }
    this.ids[this.count] = id;
    this.words.set(hash, this.count * HASH_WORDS);
    this.slotById.set(id, this.count);
    this.count++;
  }

  /** Moves the last entry into the freed slot to keep the list dense. */
  remove(id: number): boolean {
    const slot = this.slotById.get(id);
    if (slot === undefined) return false;
    this.slotById.delete(id);
    const last = --this.count;
    if (slot !== last) {
      const movedId = this.ids[last]!;
      this.ids[slot] = movedId;
      this.words.copyWithin(slot * HASH_WORDS, last * HASH_WORDS, (last + 1) * HASH_WORDS);
      this.slotById.set(movedId, slot);
    }
    return true;
  }

  entries(): { ids: Uint32Array; words: Uint32Array } {
    return {
      ids: this.ids.subarray(0, this.count),
      words: this.words.subarray(0, this.count * HASH_WORDS),
    };
  }

  search(query: Uint32Array, maxDistance: number, found: Map<number, number>): void {
    const { words, ids } = this;
    for (let slot = 0; slot < this.count; slot++) {
      const base = slot * HASH_WORDS;
      // Four words without branching first: a random entry is far past any useful threshold
      // by then, and an early-exit branch per word mispredicts on every entry.
      let distance =
        popcount32(words[base]! ^ query[0]!) +
        popcount32(words[base + 1]! ^ query[1]!) +
        popcount32(words[base + 2]! ^ query[2]!) +
        popcount32(words[base + 3]! ^ query[3]!);
      if (distance > maxDistance) continue;
      for (let w = 4; w < HASH_WORDS; w++) distance += popcount32(words[base + w]! ^ query[w]!);
      if (distance <= maxDistance) keepSmaller(found, ids[slot]!, distance);
    }
  }
}

/** Joins arrays, without a copy when only one is non-empty (the bulk-build case). */
function concatenate(parts: Uint32Array[]): Uint32Array {
  const nonEmpty = parts.filter((part) => part.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  const joined = new Uint32Array(nonEmpty.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of nonEmpty) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

function sortedMatches(found: Map<number, number>): HammingMatch[] {
  const matches = Array.from(found, ([id, distance]) => ({ id, distance }));
  return matches.sort((a, b) => a.distance - b.distance || a.id - b.id);
}

/**
 * Finds every entry within a Hamming distance of a 256-bit query, with its exact distance.
 * Ids are uint32 and unique among live entries.
 */
export class HammingIndex {
  #indexed: IndexedSegment;
  #pending = new PendingEntries();
  readonly #pendingLimit: number;

  constructor(options: HammingIndexOptions = {}) {
    const pendingLimit = options.pendingLimit ?? DEFAULT_PENDING_LIMIT;
    if (!Number.isInteger(pendingLimit) || pendingLimit < 0) {
      throw new RangeError(`pendingLimit must be a non-negative integer, got ${pendingLimit}`);
    }
    this.#pendingLimit = pendingLimit;
    this.#indexed = new IndexedSegment(new Uint32Array(0), new Uint32Array(0));
  }

  /** Bulk build: `words` holds 8 words per id, in `Hash256.toWords()` order. */
  static fromArrays(ids: Uint32Array, words: Uint32Array, options: HammingIndexOptions = {}): HammingIndex {
    const index = new HammingIndex(options);
    index.addMany(ids, words);
    return index;
  }

  get size(): number {
    return this.#indexed.liveCount + this.#pending.count;
  }

  /** Bytes held in the index's typed arrays. */
  get byteLength(): number {
    return this.#indexed.byteLength + this.#pending.ids.byteLength + this.#pending.words.byteLength;
  }

  /** Whether a live entry has this id. */
  has(id: number): boolean {
    return this.#pending.has(id) || this.#indexed.positionOf(id) >= 0;
  }

  add(id: number, hash: PdqHashInput): void {
    checkId(id);
    const words = hashWords(hash);
    if (this.has(id)) throw new Error(`duplicate id ${id}`);
    this.#pending.add(id, words);
    if (this.#pending.count > this.#pendingLimit) this.#rebuild();
  }

  /** Adds many entries, all or none; a large batch costs one rebuild instead of many. */
  addMany(ids: Uint32Array, words: Uint32Array): void {
    if (words.length !== ids.length * HASH_WORDS) {
      throw new RangeError('words must hold 8 words per id');
    }
    if (this.#pending.count + ids.length > this.#pendingLimit) {
      this.#rebuild({ ids, words });
      return;
    }
    const batchIds = new Set<number>();
    for (const id of ids) {
      if (this.has(id) || batchIds.has(id)) throw new Error(`duplicate id ${id}`);
      batchIds.add(id);
    }
    for (let i = 0; i < ids.length; i++) {
      this.#pending.add(ids[i]!, words.subarray(i * HASH_WORDS, (i + 1) * HASH_WORDS));
    }
  }

  /** Disables an entry; returns whether it was present. */
  remove(id: number): boolean {
    if (this.#pending.remove(id)) return true;
    const position = this.#indexed.positionOf(id);
    if (position < 0) return false;
    this.#indexed.remove(position);
    // Dead entries still cost memory and candidate checks; rebuilding once they are the
    // majority keeps that bounded at an amortised constant cost per removal.
    if (this.#indexed.removedCount > this.#indexed.liveCount) this.#rebuild();
    return true;
  }

  /** Every entry within maxDistance (inclusive), nearest first, ties by id. */
  search(hash: PdqHashInput, maxDistance = DEFAULT_MAX_DISTANCE): HammingMatch[] {
    return this.searchVariants([hash], maxDistance);
  }

  /**
   * Matches any of several query hashes, such as the 8 dihedral variants (rotations and
   * flips) of an image's hash; each id is reported once with its smallest distance.
   */
  searchVariants(hashes: readonly PdqHashInput[], maxDistance = DEFAULT_MAX_DISTANCE): HammingMatch[] {
    checkMaxDistance(maxDistance);
    const queries = hashes.map(hashWords);
    const radii = searchRadii(maxDistance);
    const found = new Map<number, number>();
    for (const query of queries) {
      this.#indexed.search(query, radii, maxDistance, found);
      this.#pending.search(query, maxDistance, found);
    }
    return sortedMatches(found);
  }

  /** Rebuilds the tables from the live and pending entries plus a batch; all or nothing. */
  #rebuild(batch?: { ids: Uint32Array; words: Uint32Array }): void {
    const parts = [this.#indexed.liveEntries(), this.#pending.entries()];
    if (batch) parts.push(batch);
    this.#indexed = new IndexedSegment(concatenate(parts.map((part) => part.ids)), concatenate(parts.map((part) => part.words)));
    this.#pending = new PendingEntries();
  }
}
