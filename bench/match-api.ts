/**
 * Benchmark of the platform matching API over HTTP: `POST /api/v1/match` with one PDQ hash and
 * `POST /api/v1/match/bulk` with B hashes, against an index of N uniform random PDQ hashes.
 *
 * Usage: npx tsx bench/match-api.ts [--size 10000000] [--seconds 15] [--connections 16]
 *          [--bulk 100] [--targets 10000] [--log-level info] [--seed 1]
 *
 * This process is the server: the real app (`buildApp` + `createServices`) on PGlite in memory,
 * migrated, or on PostgreSQL when DATABASE_URL is set (use a scratch database: the bench adds a
 * bank and an API key there and deletes them at the end). It listens on 127.0.0.1 only.
 *
 * - `--targets` entries (10,000) are imported into a new bank through `HashBanks.import`, so they
 *   are real rows in `hash_bank_entries` and reach the index through its own loading path. The
 *   near-duplicate queries are made from these, so every match is described from the database.
 * - The other N - targets hashes are random and bulk-loaded with `MatchIndex.addPdqEntries` (ids
 *   above every id in the table; no rows). Random queries match nothing, as the checks confirm.
 * - An API key scoped to the bank is created with `ApiKeys.create`; every request is checked by
 *   the route's own `authenticate` (a database query per request). The per-key rate limit is
 *   raised to 10^9 a minute (the default, 60,000 a minute, would refuse a fast client), but the
 *   limiter still counts every request. Request logging is at `--log-level` (default `info`, the
 *   production default: two lines per request), written synchronously to /dev/null.
 *
 * The load comes from a child process (this file again) using Node's fetch (undici) over
 * keep-alive connections, so the server keeps its own core: `--connections` requests in flight,
 * for `--seconds` per phase after a warm-up, each response checked (a near-duplicate must come
 * back with its entry id, bank and exact distance; a random hash with no match).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { formatBankFile } from '../src/domain/signals.ts';
import { buildApp } from '../src/http/app.ts';
import { Hash256 } from '../src/pdq/hash256.ts';
import { createServices } from '../src/services/index.ts';
import { Keyring } from '../src/services/keys.ts';
import { migrate, openDatabase, type Database } from '../src/store/database.ts';
import { apiKeys, hashBankEntries, hashBanks } from '../src/store/schema.ts';

const WORDS = 8;
const MAX_DISTANCE = 31;
const ROLE_VARIABLE = 'MATCH_API_BENCH_ROLE';

// ---------------------------------------------------------------------------------------------
// Shared by both processes

/** xorshift32: reproducible data without a dependency (as in bench/pdq-match.ts). */
function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/** The 64-digit hex form of the hash at `offset` (most significant word first). */
function wordsToHex(words: Uint32Array, offset = 0): string {
  let hex = '';
  for (let w = WORDS - 1; w >= 0; w--) hex += words[offset + w]!.toString(16).padStart(8, '0');
  return hex;
}

function hexToWords(hex: string): Uint32Array {
  const words = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) words[WORDS - 1 - i] = Number.parseInt(hex.slice(8 * i, 8 * i + 8), 16);
  return words;
}

/**
 * The calling process's main thread (its event loop): nanoseconds on a CPU and waiting in the
 * run queue for one (Linux schedstat). The wait is the time other processes took from it.
 */
function schedstat(): { runNs: number; waitNs: number } {
  const [run = NaN, wait = NaN] = readFileSync('/proc/self/schedstat', 'utf8').split(' ').map(Number);
  return { runNs: run, waitNs: wait };
}

interface Query {
  hex: string;
  /** For a near-duplicate: the entry it must find, and at which distance. */
  expect?: { id: number; distance: number };
}

/** Query i: near-duplicates of a random target (0-31 bits flipped) for even i, random for odd. */
function queryMaker(seed: number, targets: readonly { id: number; hex: string }[]): (i: number) => Query {
  const next = xorshift(seed);
  const below = (limit: number) => Math.floor((next() / 2 ** 32) * limit);
  const targetWords = targets.map((t) => hexToWords(t.hex));
  return (i) => {
    const hash = new Uint32Array(WORDS);
    if (i % 2 === 1) {
      for (let w = 0; w < WORDS; w++) hash[w] = next();
      return { hex: wordsToHex(hash) };
    }
    const target = below(targetWords.length);
    hash.set(targetWords[target]!);
    const flips = below(MAX_DISTANCE + 1);
    const chosen = new Set<number>();
    while (chosen.size < flips) chosen.add(below(256));
    for (const bit of chosen) hash[bit >>> 5]! ^= 1 << (bit & 31);
    return { hex: wordsToHex(hash), expect: { id: targets[target]!.id, distance: flips } };
  };
}

interface Phase {
  name: string;
  route: 'single' | 'bulk';
  connections: number;
  warmUpSeconds: number;
  seconds: number;
}

interface ClientInit {
  type: 'init';
  url: string;
  secret: string;
  bankName: string;
  targets: { id: number; hex: string }[];
  bulk: number;
  seed: number;
}

interface PhaseStats {
  requests: number;
  hashes: number;
  /** Near-duplicate hashes whose entry came back at the right distance. */
  found: number;
  /** Non-200 answers and failed requests. */
  errors: number;
  /** 200 answers that were wrong: a near-duplicate missed, or a random hash matched. */
  wrong: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  clientCpuMs: number;
  /** The client's main thread: time on a CPU and time waiting for one, in ms. */
  clientRunMs: number;
  clientWaitMs: number;
}

type ToServer = { type: 'ready' } | { type: 'measuring' } | { type: 'result'; stats: PhaseStats };
type ToClient = ClientInit | { type: 'run'; phase: Phase } | { type: 'exit' };

// ---------------------------------------------------------------------------------------------
// The load generator (child process)

interface SingleQuery {
  body: string;
  expect?: { id: number; distance: number };
}

interface BulkQuery {
  body: string;
  expect: ({ id: number; distance: number } | undefined)[];
}

interface MatchBody {
  entryId: number;
  bank: string;
  distance: number;
}

async function client(): Promise<void> {
  const send = (message: ToServer) => process.send!(message);
  let init: ClientInit | undefined;
  let singles: SingleQuery[] = [];
  let bulks: BulkQuery[] = [];

  const prepare = (options: ClientInit) => {
    init = options;
    const query = queryMaker(options.seed * 7919 + 17, options.targets);
    singles = Array.from({ length: 20_000 }, (_, i) => {
      const q = query(i);
      return { body: JSON.stringify({ pdq: q.hex }), ...(q.expect ? { expect: q.expect } : {}) };
    });
    const bulkCount = Math.max(1, Math.ceil(20_000 / options.bulk));
    bulks = Array.from({ length: bulkCount }, () => {
      const qs = Array.from({ length: options.bulk }, (_, i) => query(i));
      return { body: JSON.stringify({ queries: qs.map((q) => ({ pdq: q.hex })) }), expect: qs.map((q) => q.expect) };
    });
  };

  const isFound = (matches: MatchBody[], expect: { id: number; distance: number }) =>
    matches.some((m) => m.entryId === expect.id && m.distance === expect.distance && m.bank === init!.bankName);

  const run = async (phase: Phase): Promise<void> => {
    const { url, secret } = init!;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${secret}` };
    let cursor = 0;
    let recording = false;
    const latencies: number[] = [];
    const stats = { requests: 0, hashes: 0, found: 0, errors: 0, wrong: 0, statuses: {} as Record<string, number> };

    const one = async () => {
      const index = cursor++;
      const started = performance.now();
      let status = 'failed';
      let hashes = 0;
      let found = 0;
      let wrong = 0;
      try {
        if (phase.route === 'single') {
          const q = singles[index % singles.length]!;
          const response = await fetch(`${url}/api/v1/match`, { method: 'POST', headers, body: q.body });
          status = String(response.status);
          const body = (await response.json()) as { matches?: MatchBody[] };
          hashes = 1;
          if (response.status === 200) {
            const matches = body.matches ?? [];
            if (q.expect ? isFound(matches, q.expect) : matches.length === 0) found += q.expect ? 1 : 0;
            else wrong++;
          }
        } else {
          const q = bulks[index % bulks.length]!;
          const response = await fetch(`${url}/api/v1/match/bulk`, { method: 'POST', headers, body: q.body });
          status = String(response.status);
          const body = (await response.json()) as { results?: { index: number; matches: MatchBody[] }[] };
          hashes = q.expect.length;
          if (response.status === 200) {
            const results = body.results ?? [];
            if (results.length !== q.expect.length) wrong += q.expect.length;
            for (const result of results) {
              const expect = q.expect[result.index];
              if (expect ? isFound(result.matches, expect) : result.matches.length === 0) found += expect ? 1 : 0;
              else wrong++;
            }
          }
        }
      } catch {
        // No answer (status stays "failed"), or an answer that was not the JSON expected.
        if (status === '200') wrong++;
      }
      const elapsed = performance.now() - started;
      if (!recording) return;
      latencies.push(elapsed);
      stats.requests++;
      stats.hashes += hashes;
      stats.found += found;
      stats.wrong += wrong;
      if (status !== '200') stats.errors++;
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
    };

    const drive = async (until: number) => {
      const loop = async () => {
        while (performance.now() < until) await one();
      };
      await Promise.all(Array.from({ length: phase.connections }, loop));
    };

    await drive(performance.now() + phase.warmUpSeconds * 1000);
    send({ type: 'measuring' });
    recording = true;
    const cpuStart = process.cpuUsage();
    const schedStart = schedstat();
    const start = performance.now();
    await drive(start + phase.seconds * 1000);
    const elapsedMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const sched = schedstat();
    latencies.sort((a, b) => a - b);
    const at = (fraction: number) => latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))] ?? NaN;
    send({
      type: 'result',
      stats: {
        ...stats,
        elapsedMs,
        latencyMs: {
          p50: at(0.5),
          p90: at(0.9),
          p99: at(0.99),
          max: latencies.at(-1) ?? NaN,
          mean: latencies.reduce((total, t) => total + t, 0) / latencies.length,
        },
        clientCpuMs: (cpu.user + cpu.system) / 1000,
        clientRunMs: (sched.runNs - schedStart.runNs) / 1e6,
        clientWaitMs: (sched.waitNs - schedStart.waitNs) / 1e6,
      },
    });
  };

  process.on('message', (message: ToClient) => {
    if (message.type === 'init') {
      prepare(message);
      send({ type: 'ready' });
    } else if (message.type === 'run') {
      run(message.phase).catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
    } else {
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The server (this process)

const loadAverage = () => os.loadavg().map((load) => load.toFixed(2)).join(' ');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Resident set size now and at its peak, from /proc (Linux). */
function memory(): { rss: number; peak: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(2)} s`;
}

/** Messages from the child, one awaited at a time. */
function inbox(child: ChildProcess): (type: ToServer['type']) => Promise<ToServer> {
  const queue: ToServer[] = [];
  const waiting: ((message: ToServer) => void)[] = [];
  child.on('message', (message: ToServer) => {
    const resolve = waiting.shift();
    if (resolve) resolve(message);
    else queue.push(message);
  });
  child.on('exit', (code) => {
    if (code !== 0) {
      console.error(`load generator exited with ${code}`);
      process.exit(1);
    }
  });
  return async (type) => {
    const message = queue.shift() ?? (await new Promise<ToServer>((resolve) => waiting.push(resolve)));
    if (message.type !== type) throw new Error(`expected "${type}" from the load generator, got "${message.type}"`);
    return message;
  };
}

async function serve(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '10000000' },
      seconds: { type: 'string', default: '15' },
      connections: { type: 'string', default: '16' },
      bulk: { type: 'string', default: '100' },
      targets: { type: 'string', default: '10000' },
      'log-level': { type: 'string', default: 'info' },
      seed: { type: 'string', default: '1' },
    },
  });
  const size = Number(values.size);
  const phaseSeconds = Number(values.seconds);
  const connections = Number(values.connections);
  const bulk = Number(values.bulk);
  const targetCount = Math.min(Number(values.targets), size);
  const seed = Number(values.seed);
  const databaseUrl = process.env.DATABASE_URL;

  const runStarted = performance.now();
  console.log(`date ${new Date().toISOString()}`);
  console.log(`node ${process.version}, nproc ${os.availableParallelism()}, cpu ${os.cpus()[0]?.model}, memory ${mib(os.totalmem())}`);
  console.log(`load average at start ${loadAverage()}`);
  console.log(
    `size ${size}, targets in the database ${targetCount}, seconds ${phaseSeconds} per phase, connections ${connections}, ` +
      `bulk ${bulk}, log level ${values['log-level']}, seed ${seed}, database ${databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'PGlite in memory'}`,
  );

  let started = performance.now();
  const database: Database = databaseUrl
    ? await openDatabase({ engine: 'postgres', url: databaseUrl, poolSize: 10 })
    : await openDatabase({ engine: 'pglite' });
  await migrate(database);
  const services = createServices(database, new Keyring(randomBytes(32)));
  console.log(`database open and migrated: ${seconds(started)}`);

  const next = xorshift(seed);
  const bankName = `bench-${randomBytes(4).toString('hex')}`;
  const bankId = await services.banks.create(bankName, 'bench/match-api.ts; safe to delete');

  // The targets: real rows, through the import path, and into the index through its own loading.
  started = performance.now();
  const targetWords = new Uint32Array(targetCount * WORDS);
  for (let i = 0; i < targetWords.length; i++) targetWords[i] = next();
  const csv = formatBankFile(
    Array.from({ length: targetCount }, (_, i) => ({
      type: 'pdq' as const,
      value: wordsToHex(targetWords, i * WORDS),
      quality: 100,
      label: `bench target ${i}`,
      source: 'bench',
    })),
  );
  const imported = await services.banks.import(bankName, csv);
  if (imported.added !== targetCount || imported.problems.length > 0) throw new Error(`import: ${JSON.stringify(imported).slice(0, 500)}`);
  const rows = await database.db
    .select({ id: hashBankEntries.id, signal: hashBankEntries.signal })
    .from(hashBankEntries)
    .where(eq(hashBankEntries.bankId, bankId));
  const targets = rows.map((r) => ({ id: r.id, hex: r.signal }));
  if (Hash256.fromHex(targets[0]!.hex).toHex() !== targets[0]!.hex) throw new Error('hex round trip');
  await services.matchIndex.ensureLoaded();
  console.log(`${targetCount} target entries imported and indexed: ${seconds(started)}`);

  // The filler: random hashes bulk-loaded into the index, with ids no row has.
  started = performance.now();
  const [{ maxId } = { maxId: 0 }] = await database.db.select({ maxId: sql<number>`coalesce(max(${hashBankEntries.id}), 0)::int` }).from(hashBankEntries);
  const fillerCount = size - targetCount;
  if (maxId + fillerCount >= 2 ** 31) throw new Error('ids would pass the integer column');
  let fillerIds: Uint32Array | undefined = new Uint32Array(fillerCount);
  let fillerWords: Uint32Array | undefined = new Uint32Array(fillerCount * WORDS);
  for (let i = 0; i < fillerCount; i++) fillerIds[i] = maxId + 1 + i;
  for (let i = 0; i < fillerWords.length; i++) fillerWords[i] = next();
  console.log(`${fillerCount} random hashes generated: ${seconds(started)}`);
  started = performance.now();
  services.matchIndex.addPdqEntries(bankId, fillerIds, fillerWords);
  fillerIds = undefined;
  fillerWords = undefined;
  console.log(`MatchIndex.addPdqEntries: ${seconds(started)}; index size ${services.matchIndex.size}`);
  if (services.matchIndex.size < size) throw new Error(`index holds ${services.matchIndex.size}, expected ${size}`);

  const { id: apiKeyId, secret } = await services.apiKeys.create('bench/match-api.ts', [bankName]);
  // What the route does, called directly (no HTTP), one call at a time, as a breakdown.
  const timeCalls = async (label: string, count: number, call: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 100; i++) await call(i); // warm-up
    const times: number[] = [];
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const callStart = performance.now();
      await call(i);
      times.push(performance.now() - callStart);
    }
    const cpu = process.cpuUsage(cpuStart);
    times.sort((a, b) => a - b);
    const cpuPerCall = (cpu.user + cpu.system) / 1000 / count;
    console.log(
      `  ${label.padEnd(46)} p50 ${times[Math.floor(count / 2)]!.toFixed(3)} ms  p99 ${times[Math.floor(count * 0.99)]!.toFixed(3)} ms  CPU ${cpuPerCall.toFixed(3)} ms/call`,
    );
  };
  console.log('in-process calls (no HTTP), one at a time:');
  const direct = queryMaker(seed + 1, targets);
  const nearQueries = Array.from({ length: 2000 }, (_, i) => direct(2 * i));
  const randomQueries = Array.from({ length: 2000 }, (_, i) => direct(2 * i + 1));
  await timeCalls('ApiKeys.authenticate (the key check)', 1000, () => services.apiKeys.authenticate(secret));
  await timeCalls('MatchIndex.match, near-duplicate (found)', 1000, async (i) => {
    const q = nearQueries[i]!;
    const found = await services.matchIndex.match({ pdq: [q.hex] }, { bankIds: [bankId] });
    if (!found.some((m) => m.entryId === q.expect!.id && m.distance === q.expect!.distance)) throw new Error('near-duplicate not found');
  });
  await timeCalls('MatchIndex.match, random (no match)', 1000, async (i) => {
    if ((await services.matchIndex.match({ pdq: [randomQueries[i]!.hex] }, { bankIds: [bankId] })).length > 0) throw new Error('random hash matched');
  });
  await timeCalls('HashBanks.describe, one entry', 1000, (i) => services.banks.describe([targets[i % targets.length]!.id]));
  await timeCalls(`HashBanks.describe, ${Math.ceil(bulk / 2)} entries`, 200, (i) =>
    services.banks.describe(Array.from({ length: Math.ceil(bulk / 2) }, (_, j) => targets[(i * bulk + j) % targets.length]!.id)),
  );

  const app = await buildApp(services, {
    logLevel: values['log-level'],
    // As the default destination (stdout, written synchronously), but to /dev/null.
    logStream: pino.destination({ dest: '/dev/null', sync: true }) as unknown as NodeJS.WritableStream,
    trustProxy: false,
    https: false,
    clientRateLimit: { reportsPerHour: 30, followUpsPerTenMinutes: 30 },
    matchRequestsPerMinute: 1_000_000_000,
  });
  // As src/main.ts does: changes made by other instances are picked up every ten seconds.
  const refreshTimer = setInterval(() => void services.matchIndex.refresh().catch((error: unknown) => console.error(error)), 10_000);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const loaded = memory();
  console.log(`listening on ${url}; server RSS ${mib(loaded.rss)}, peak so far ${mib(loaded.peak)}`);

  const child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, [ROLE_VARIABLE]: 'client' } });
  const receive = inbox(child);
  const tell = (message: ToClient) => child.send(message);
  tell({ type: 'init', url, secret, bankName, targets, bulk, seed });
  await receive('ready');

  const phases: Phase[] = [
    { name: `match, 1 hash, 1 connection`, route: 'single', connections: 1, warmUpSeconds: 3, seconds: phaseSeconds },
    { name: `match, 1 hash, ${connections} connections`, route: 'single', connections, warmUpSeconds: 2, seconds: phaseSeconds },
    { name: `match/bulk, ${bulk} hashes, 1 connection`, route: 'bulk', connections: 1, warmUpSeconds: 2, seconds: phaseSeconds },
    { name: `match/bulk, ${bulk} hashes, ${connections} connections`, route: 'bulk', connections, warmUpSeconds: 2, seconds: phaseSeconds },
  ];
  const results: { phase: Phase; stats: PhaseStats; serverCpuMs: number; serverWallMs: number; rss: number }[] = [];
  const percentOf = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)} %`;
  for (const phase of phases) {
    tell({ type: 'run', phase });
    await receive('measuring');
    const cpuStart = process.cpuUsage();
    const schedStart = schedstat();
    const wallStart = performance.now();
    const { stats } = (await receive('result')) as Extract<ToServer, { type: 'result' }>;
    const cpu = process.cpuUsage(cpuStart);
    const sched = schedstat();
    const serverWallMs = performance.now() - wallStart;
    const result = {
      phase,
      stats,
      serverCpuMs: (cpu.user + cpu.system) / 1000,
      serverRunMs: (sched.runNs - schedStart.runNs) / 1e6,
      serverWaitMs: (sched.waitNs - schedStart.waitNs) / 1e6,
      serverWallMs,
      rss: memory().rss,
    };
    results.push(result);
    const l = stats.latencyMs;
    console.log(
      [
        phase.name.padEnd(40),
        `${(stats.requests / (stats.elapsedMs / 1000)).toFixed(1)} requests/s`,
        `${(stats.hashes / (stats.elapsedMs / 1000)).toFixed(0)} hashes/s`,
        `p50 ${l.p50.toFixed(2)} ms`,
        `p90 ${l.p90.toFixed(2)} ms`,
        `p99 ${l.p99.toFixed(2)} ms`,
        `max ${l.max.toFixed(1)} ms`,
      ].join('  '),
    );
    console.log(
      [
        ''.padEnd(40),
        `requests ${stats.requests}, hashes ${stats.hashes}, near-duplicates found ${stats.found}, wrong ${stats.wrong}, errors ${stats.errors}`,
        `statuses ${JSON.stringify(stats.statuses)}`,
        `server CPU (all threads) ${percentOf(result.serverCpuMs, serverWallMs)} of a core, ${(result.serverCpuMs / stats.requests).toFixed(3)} ms/request`,
        `server main thread ran ${percentOf(result.serverRunMs, serverWallMs)}, waited for a CPU ${percentOf(result.serverWaitMs, serverWallMs)} of the time`,
        `client CPU ${percentOf(stats.clientCpuMs, stats.elapsedMs)}, main thread waited ${percentOf(stats.clientWaitMs, stats.elapsedMs)}`,
        `server RSS ${mib(result.rss)}`,
      ].join('; '),
    );
  }
  tell({ type: 'exit' });
  await new Promise((resolve) => child.once('exit', resolve));

  clearInterval(refreshTimer);
  await app.close();
  if (databaseUrl) {
    // Entries go with their bank (ON DELETE CASCADE), the key's scope with the key.
    await database.db.delete(hashBanks).where(eq(hashBanks.id, bankId));
    await database.db.delete(apiKeys).where(eq(apiKeys.id, apiKeyId));
  }
  await database.close();
  const end = memory();
  console.log(`server RSS at end ${mib(end.rss)}, peak ${mib(end.peak)}`);
  console.log(`load average at end ${loadAverage()}; whole run ${seconds(runStarted)}`);
  const failed = results.some((r) => r.stats.wrong > 0 || r.stats.errors > 0);
  if (failed) {
    console.error('some answers were wrong or failed; see above');
    process.exitCode = 1;
  }
}

if (process.env[ROLE_VARIABLE] === 'client') await client();
else await serve();
