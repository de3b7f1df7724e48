import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HammingIndex, type HammingMatch } from './hamming-index.ts';
import { Hash256 } from './hash256.ts';

type Hash = readonly number[];

/** Reference distance, bit by bit, deliberately unlike the index's popcount. */
function distance(a: Hash, b: Hash): number {
  let bits = 0;
  for (let w = 0; w < 8; w++) {
    for (let bit = 0; bit < 32; bit++) bits += ((a[w]! ^ b[w]!) >>> bit) & 1;
  }
  return bits;
}

function bruteForce(entries: Map<number, Hash>, queries: Hash[], maxDistance: number): HammingMatch[] {
  const matches: HammingMatch[] = [];
  for (const [id, hash] of entries) {
    const nearest = Math.min(...queries.map((query) => distance(hash, query)));
    if (nearest <= maxDistance) matches.push({ id, distance: nearest });
  }
  return matches.sort((a, b) => a.distance - b.distance || a.id - b.id);
}

/** Bit b (0 = most significant bit of word 0) flipped for each b in `bits`. */
function flipBits(hash: Hash, bits: Iterable<number>): number[] {
  const flipped = [...hash];
  for (const bit of bits) {
    flipped[bit >>> 5] = (flipped[bit >>> 5]! ^ (0x80000000 >>> (bit & 31))) >>> 0;
  }
  return flipped;
}

function toArrays(entries: Array<{ id: number; hash: Hash }>): [Uint32Array, Uint32Array] {
  return [Uint32Array.from(entries, (entry) => entry.id), Uint32Array.from(entries.flatMap((entry) => [...entry.hash]))];
}

/** The text PDQ prints: most significant word, the last one, first. */
function hex(hash: Hash): string {
  return [...hash]
    .reverse()
    .map((word) => word.toString(16).padStart(8, '0'))
    .join('');
}

const hashArb = fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 8, maxLength: 8 });

/**
 * Bits to flip for a near-duplicate, 0 to 48 of them: scattered, or a few per word or per
 * half-word, which produces the evenly spread differences at the pigeonhole boundary (such as
 * 4 bits in every word) that scattered flips almost never hit.
 */
function flipsPerPart(partBits: number, parts: number, maxPerPart: number) {
  const part = fc.uniqueArray(fc.integer({ min: 0, max: partBits - 1 }), { maxLength: maxPerPart });
  return fc
    .array(part, { minLength: parts, maxLength: parts })
    .map((perPart) => perPart.flatMap((bits, p) => bits.map((bit) => partBits * p + bit)));
}
const flipsArb = fc.oneof(
  fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
  flipsPerPart(32, 8, 5),
  flipsPerPart(16, 16, 3),
);

const maxDistanceArb = fc.oneof(
  { arbitrary: fc.constant(31), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 48 }), weight: 5 },
  { arbitrary: fc.integer({ min: 0, max: 256 }), weight: 1 },
);

const scenarioArb = fc.record({
  centers: fc.array(hashArb, { minLength: 1, maxLength: 5 }),
  entries: fc.uniqueArray(
    fc.record({
      id: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0xffffffff)),
      center: fc.nat(),
      flips: fc.option(flipsArb, { freq: 5, nil: undefined }),
      randomHash: hashArb,
    }),
    { selector: (entry) => entry.id, minLength: 1, maxLength: 50 },
  ),
  bulkCount: fc.nat(),
  pendingLimit: fc.integer({ min: 1, max: 12 }),
  ops: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('add' as const), entry: fc.nat() }),
      fc.record({ kind: fc.constant('remove' as const), entry: fc.nat() }),
      fc.record({
        kind: fc.constant('search' as const),
        center: fc.nat(),
        maxDistance: maxDistanceArb,
      }),
    ),
    { maxLength: 30 },
  ),
});

describe('HammingIndex', () => {
  it('matches brute force across bulk builds, adds and removes', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { centers } = scenario;
        // Entries are near-duplicates (0-48 bits) of the centers, which serve as queries,
        // or unrelated random hashes.
        const entries = scenario.entries.map(({ id, center, flips, randomHash }) => ({
          id,
          hash: flips === undefined ? randomHash : flipBits(centers[center % centers.length]!, flips),
        }));
        const bulk = entries.slice(0, scenario.bulkCount % (entries.length + 1));
        const { pendingLimit } = scenario;
        const index = HammingIndex.fromArrays(...toArrays(bulk), { pendingLimit });
        const model = new Map(bulk.map((entry) => [entry.id, entry.hash]));

        const check = (queries: Hash[], maxDistance: number) => {
          const expected = bruteForce(model, queries, maxDistance);
          const actual = queries.length === 1 ? index.search(queries[0]!, maxDistance) : index.searchVariants(queries, maxDistance);
          assert.deepEqual(actual, expected);
        };

        for (const op of scenario.ops) {
          if (op.kind === 'search') {
            check([centers[op.center % centers.length]!], op.maxDistance);
            continue;
          }
          const entry = entries[op.entry % entries.length]!;
          if (op.kind === 'remove') {
            assert.equal(index.remove(entry.id), model.delete(entry.id));
          } else if (model.has(entry.id)) {
            assert.throws(() => index.add(entry.id, entry.hash), /duplicate id/);
          } else {
            index.add(entry.id, entry.hash);
            model.set(entry.id, entry.hash);
          }
          assert.equal(index.size, model.size);
        }
        check(centers, 31);
        for (const center of centers) check([center], 31);
      }),
      { numRuns: 150 },
    );
  });

  it('stays exact through long runs of adds, removes and re-adds of the same ids', () => {
    let state = 0x9e3779b9;
    const next = (limit: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % limit;
    };
    const center = [0xcafef00d, 1, 2, 3, 4, 5, 6, 7];
    const index = new HammingIndex({ pendingLimit: 6 });
    const model = new Map<number, Hash>();
    for (let step = 0; step < 400; step++) {
      const id = next(16);
      if (model.has(id) && next(2) === 0) {
        assert.equal(index.remove(id), true);
        model.delete(id);
      } else if (!model.has(id)) {
        const bits = new Set(Array.from({ length: next(36) }, () => next(256)));
        const hash = flipBits(center, bits);
        index.add(id, hash);
        model.set(id, hash);
      }
      assert.equal(index.size, model.size);
      assert.deepEqual(index.search(center), bruteForce(model, [center], 31), `step ${step}`);
    }
  });

  it('matches brute force on a larger bank with crowded buckets', () => {
    let state = 0x2545f491;
    const nextWord = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    };
    const randomHash = () => Array.from({ length: 8 }, nextWord);
    const queries = Array.from({ length: 20 }, randomHash);
    // Near-duplicates share most half-words with their query, so they crowd its buckets.
    const entries: Array<{ id: number; hash: Hash }> = [];
    for (let i = 0; i < 10_000; i++) {
      const query = queries[i % queries.length]!;
      const near = Math.floor(i / queries.length) % 4 === 0;
      const flips = Array.from({ length: nextWord() % 41 }, () => nextWord() % 256);
      const hash = near ? flipBits(query, new Set(flips)) : randomHash();
      entries.push({ id: i * 7919, hash });
    }
    const index = HammingIndex.fromArrays(...toArrays(entries));
    const model = new Map(entries.map((entry) => [entry.id, entry.hash]));
    for (const query of queries) {
      const found = index.search(query);
      assert.ok(found.length > 0);
      assert.deepEqual(found, bruteForce(model, [query], 31));
    }
  });

  for (const [layout, pendingLimit] of [
    ['tables', 0],
    ['pending list', 100],
  ] as const) {
    it(`reports each id once, at its smallest distance over the query variants (${layout})`, () => {
      const base = [1, 2, 3, 4, 5, 6, 7, 8];
      const index = new HammingIndex({ pendingLimit });
      index.add(10, base);
      index.add(11, flipBits(base, [0, 40, 80]));
      const variants = [flipBits(base, [0, 1, 2, 3, 4]), flipBits(base, [40, 80]), flipBits(base, [200])];
      assert.deepEqual(index.searchVariants(variants), [
        { id: 10, distance: 1 },
        { id: 11, distance: 1 },
      ]);
    });

    it(`finds a match at exactly maxDistance and nothing beyond it (${layout})`, () => {
      const base = [0, 0, 0, 0, 0, 0, 0, 0];
      const index = new HammingIndex({ pendingLimit });
      // Four differing bits in every word: 32 in all, one past the default threshold.
      const spread = Array.from({ length: 32 }, (_, i) => 32 * (i >>> 2) + 7 * (i & 3));
      index.add(1, flipBits(base, spread));
      index.add(2, flipBits(base, spread.slice(1)));
      assert.deepEqual(index.search(base), [{ id: 2, distance: 31 }]);
      assert.deepEqual(index.search(base, 32), [
        { id: 2, distance: 31 },
        { id: 1, distance: 32 },
      ]);
    });
  }

  it('reads hex as PDQ prints it and words in Hash256 order', () => {
    const hash = [0x01234567, 0x89abcdef, 0, 0xffffffff, 42, 7, 0x80000000, 1];
    const index = new HammingIndex();
    index.add(1, hex(hash));
    assert.deepEqual(index.search(hash, 0), [{ id: 1, distance: 0 }]);
    const fromHasher = Hash256.fromHex(hex(hash)).toWords();
    assert.deepEqual(index.search(fromHasher, 0), [{ id: 1, distance: 0 }]);
    const twoBitsOff = flipBits(hash, [0, 255]);
    assert.deepEqual(index.search(hex(twoBitsOff).toUpperCase(), 2), [{ id: 1, distance: 2 }]);
    assert.deepEqual(index.search(twoBitsOff, 1), []);
  });

  it('finds differences spread evenly over words and halves, at every threshold', () => {
    // The pigeonhole split is tightest when every word and half-word differs by about the
    // same number of bits, so spread d differences round-robin from each starting point.
    const base = [0x0f0f0f0f, 0x12345678, 0, 0xffffffff, 0xdeadbeef, 0x80000001, 0xaaaa5555, 7];
    const spreads = [
      (i: number) => 16 * (i % 16) + (i >>> 4), // over the 16 half-words
      (i: number) => 32 * (i % 8) + (i >>> 3), // over the 8 words, filling high halves first
    ];
    const entries: Array<{ id: number; hash: Hash; distance: number }> = [];
    for (let d = 0; d <= 66; d++) {
      for (const spread of spreads) {
        for (let start = 0; start < 16; start++) {
          const bits = Array.from({ length: d }, (_, i) => spread(i + start) % 256);
          entries.push({ id: entries.length, hash: flipBits(base, bits), distance: d });
        }
      }
    }
    const index = HammingIndex.fromArrays(...toArrays(entries), { pendingLimit: 0 });
    for (let maxDistance = 0; maxDistance <= 65; maxDistance++) {
      const expected = entries
        .filter((entry) => entry.distance <= maxDistance)
        .map(({ id, distance }) => ({ id, distance }))
        .sort((a, b) => a.distance - b.distance || a.id - b.id);
      assert.deepEqual(index.search(base, maxDistance), expected, `maxDistance ${maxDistance}`);
    }
  });

  it('rejects malformed hashes, ids and thresholds', () => {
    const index = new HammingIndex();
    assert.throws(() => index.add(1, '0'.repeat(63)), RangeError);
    assert.throws(() => index.add(1, 'g'.repeat(64)), RangeError);
    assert.throws(() => index.add(1, [1, 2, 3]), RangeError);
    assert.throws(() => index.add(1, [0, 0, 0, 0, 0, 0, 0, 2 ** 32]), RangeError);
    assert.throws(() => index.add(-1, '0'.repeat(64)), RangeError);
    assert.throws(() => index.add(2 ** 32, '0'.repeat(64)), RangeError);
    assert.throws(() => index.search('0'.repeat(64), -1), RangeError);
    assert.throws(() => index.search('0'.repeat(64), 257), RangeError);
    assert.throws(() => index.search('0'.repeat(64), 1.5), RangeError);
    assert.throws(() => HammingIndex.fromArrays(new Uint32Array(2), new Uint32Array(8)), /8 words/);
    assert.throws(() => new HammingIndex({ pendingLimit: -1 }), RangeError);
    assert.equal(index.size, 0);
  });

  it('adds a batch all or nothing', () => {
    const index = new HammingIndex({ pendingLimit: 4 });
    index.add(5, [5, 5, 5, 5, 5, 5, 5, 5]);
    const words = new Uint32Array(3 * 8);
    assert.throws(() => index.addMany(Uint32Array.of(1, 2, 5), words), /duplicate id 5/);
    assert.throws(() => index.addMany(Uint32Array.of(1, 2, 2), words), /duplicate id 2/);
    // Past the pending limit the batch goes through a rebuild, which must fail just as cleanly.
    const pastLimit = Uint32Array.of(1, 2, 3, 4, 5);
    assert.throws(() => index.addMany(pastLimit, new Uint32Array(5 * 8)), /duplicate id 5/);
    assert.equal(index.size, 1);
    assert.deepEqual(index.search([5, 5, 5, 5, 5, 5, 5, 5], 0), [{ id: 5, distance: 0 }]);
  });
});
