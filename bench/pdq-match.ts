/**
 * Benchmark of the PDQ matching index on uniform random hashes, the hard case for multi-index
 * hashing. Usage: npx tsx bench/pdq-match.ts [--size 1000000] [--queries 2000] [--seed 1]
 *
 * Half the queries are near-duplicates of indexed hashes (0-31 bits flipped, must be found),
 * half are fresh random hashes (no match expected). The same queries are then timed with a
 * full pending list of later additions, and a sample is checked against brute force.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_DISTANCE, DEFAULT_PENDING_LIMIT, HammingIndex, type HammingMatch } from '../src/pdq/hamming-index.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1000000' },
    queries: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
  },
});
const size = Number(values.size);
const queryCount = Number(values.queries);
const maxDistance = DEFAULT_MAX_DISTANCE;
const WORDS = 8;

// xorshift32: reproducible data without pulling in a dependency.
let state = Number(values.seed) >>> 0 || 1;
function nextUint32(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state;
}
function below(limit: number): number {
  return Math.floor((nextUint32() / 2 ** 32) * limit);
}

function randomHash(): Uint32Array {
  const hash = new Uint32Array(WORDS);
  for (let w = 0; w < WORDS; w++) hash[w] = nextUint32();
  return hash;
}

/** A copy of the hash with `flips` distinct bits flipped. */
function nearDuplicate(source: Uint32Array, flips: number): Uint32Array {
  const hash = source.slice();
  const chosen = new Set<number>();
  while (chosen.size < flips) chosen.add(below(256));
  for (const bit of chosen) hash[bit >>> 5]! ^= 1 << (bit & 31);
  return hash;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** The baseline: every hash compared, four words before the first exit test. */
function bruteForce(ids: Uint32Array, words: Uint32Array, query: Uint32Array): HammingMatch[] {
  const matches: HammingMatch[] = [];
  for (let i = 0; i < ids.length; i++) {
    const base = i * WORDS;
    let distance = 0;
    for (let w = 0; w < 4; w++) distance += popcount32(words[base + w]! ^ query[w]!);
    if (distance > maxDistance) continue;
    for (let w = 4; w < WORDS; w++) distance += popcount32(words[base + w]! ^ query[w]!);
    if (distance <= maxDistance) matches.push({ id: ids[i]!, distance });
  }
  return matches.sort((a, b) => a.distance - b.distance || a.id - b.id);
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

function summary(label: string, timesMs: number[]): string {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((total, t) => total + t, 0) / sorted.length;
  const ms = (value: number) => `${value.toFixed(3)} ms`;
  return [
    label.padEnd(38),
    `n=${String(sorted.length).padStart(5)}`,
    `p50 ${ms(percentile(sorted, 0.5))}`,
    `p99 ${ms(percentile(sorted, 0.99))}`,
    `mean ${ms(mean)}`,
    `max ${ms(sorted.at(-1)!)}`,
  ].join('  ');
}

const loadAverage = () =>
  os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
console.log(`date ${new Date().toISOString()}`);
const cpus = `${os.cpus().length} cpus, ${os.availableParallelism()} usable by this process`;
console.log(`node ${process.version}, ${cpus}, cpu ${os.cpus()[0]?.model}`);
console.log(`load average at start ${loadAverage()}`);
console.log(`size ${size}, queries ${queryCount}, maxDistance ${maxDistance}, seed ${values.seed}`);

const ids = new Uint32Array(size);
const words = new Uint32Array(size * WORDS);
// An odd multiplier is a bijection on uint32: unique ids in no particular order, like a bank.
const idOf = (entry: number) => Math.imul(entry + 1, 0x9e3779b1) >>> 0;
for (let i = 0; i < size; i++) ids[i] = idOf(i);
for (let i = 0; i < words.length; i++) words[i] = nextUint32();

const buildStart = performance.now();
const index = HammingIndex.fromArrays(ids, words);
const buildMs = performance.now() - buildStart;
console.log(`build ${(buildMs / 1000).toFixed(2)} s`);
const mebibytes = (index.byteLength / 2 ** 20).toFixed(1);
const perHash = (index.byteLength / index.size).toFixed(1);
console.log(`memory ${mebibytes} MiB in index arrays = ${perHash} bytes/hash`);

interface Query {
  hash: Uint32Array;
  expectedId?: number;
  flips?: number;
}
function makeQueries(count: number): Query[] {
  return Array.from({ length: count }, (_, i) => {
    if (i % 2 === 1) return { hash: randomHash() };
    const entry = below(size);
    const flips = below(maxDistance + 1);
    const hash = nearDuplicate(words.subarray(entry * WORDS, (entry + 1) * WORDS), flips);
    return { hash, expectedId: ids[entry]!, flips };
  });
}

for (const query of makeQueries(500)) index.search(query.hash); // warm up the JIT

const queries = makeQueries(queryCount);

function timeQueries(label: string): void {
  const nearTimes: number[] = [];
  const randomTimes: number[] = [];
  let randomWithMatches = 0;
  for (const query of queries) {
    const start = performance.now();
    const matches = index.search(query.hash);
    const elapsed = performance.now() - start;
    if (query.expectedId === undefined) {
      randomTimes.push(elapsed);
      if (matches.length > 0) randomWithMatches++;
    } else {
      nearTimes.push(elapsed);
      const match = matches.find((m) => m.id === query.expectedId);
      if (match?.distance !== query.flips) {
        throw new Error(`near-duplicate ${query.expectedId} at ${query.flips} bits not found`);
      }
    }
  }
  console.log(summary(`near-duplicate, found${label}`, nearTimes));
  console.log(summary(`random, no match${label}`, randomTimes));
  console.log(summary(`all${label}`, [...nearTimes, ...randomTimes]));
  console.log(`random queries with any match${label}: ${randomWithMatches}`);
}

timeQueries('');

const variantTimes: number[] = [];
for (const query of queries.slice(0, 200)) {
  const variants = [query.hash, ...Array.from({ length: 7 }, randomHash)];
  const start = performance.now();
  index.searchVariants(variants);
  variantTimes.push(performance.now() - start);
}
console.log(summary('8 query variants per search', variantTimes));

const bruteTimes: number[] = [];
for (const query of queries.slice(0, 20)) {
  const start = performance.now();
  const expected = bruteForce(ids, words, query.hash);
  bruteTimes.push(performance.now() - start);
  if (JSON.stringify(index.search(query.hash)) !== JSON.stringify(expected)) {
    throw new Error('index and brute force disagree');
  }
}
console.log(summary('brute force (results checked)', bruteTimes));

// A full pending list: later additions are scanned linearly until the next rebuild.
const pendingAdds = DEFAULT_PENDING_LIMIT;
for (let i = 0; i < pendingAdds; i++) index.add(idOf(size + i), randomHash());
timeQueries(` (+${pendingAdds} pending)`);

const rebuildStart = performance.now();
index.add(idOf(size + pendingAdds), randomHash());
const rebuildSeconds = ((performance.now() - rebuildStart) / 1000).toFixed(2);
console.log(`add that overflows the pending list (rebuild of ${index.size}): ${rebuildSeconds} s`);
console.log(`load average at end ${loadAverage()}`);
