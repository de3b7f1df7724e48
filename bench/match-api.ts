/**
 * Benchmark of the platform matching API over HTTP: `POST /api/v1/match` with one PDQ hash and
 * `POST /api/v1/match/bulk` with B hashes, against an index of N uniform random PDQ hashes.
 *
 * Usage: npx tsx bench/match-api.ts [--size 10000000] [--seconds 15] [--connections 16]
 *          [--bulk 100] [--targets 10000] [--log-level info] [--seed 1]
 *          [--database-url postgresql://…] [--servers 1] [--filler memory|database]
 *
 * The servers run the real app (`buildApp` + `createServices`), listening on 127.0.0.1 only, on
 * PGlite in memory, migrated, or with --database-url (or DATABASE_URL) on a scratch database that
 * the bench creates on that PostgreSQL server and drops at the end. With PostgreSQL, --servers N
 * runs N server processes sharing that database, as N instances of Hifazat would: this process
 * and N - 1 children (this file again), each with its own index, started one after another.
 *
 * - `--targets` entries (10,000) are imported into a new bank through `HashBanks.import`, so they
 *   are real rows in `hash_bank_entries`, and every server loads them with
 *   `MatchIndex.ensureLoaded`, as at start-up. The near-duplicate queries are made from these.
 * - The other N - targets hashes are random. With `--filler memory` (the default) every server
 *   generates the same ones and bulk-loads them with `MatchIndex.addPdqEntries` (ids above every
 *   id in the table; no rows). With `--filler database` (PostgreSQL only) they are inserted as
 *   rows with SQL (SHA-256 of the seed and a counter) and every server loads all N rows with
 *   `ensureLoaded`: the start-up of a real deployment of that size. Random queries match nothing,
 *   as the checks confirm.
 * - An API key scoped to the bank is created with `ApiKeys.create`; every request is checked by
 *   the route's own `authenticate` (a database query when the key's scope is not in memory). The
 *   per-key rate limit is raised to 10^9 a minute (the default, 60,000 a minute, would refuse a
 *   fast client), but the limiter still counts every request. Request logging is at
 *   `--log-level` (default `info`, the production default: two lines per request), written
 *   synchronously to /dev/null. Each server refreshes its index every 10 s, as src/main.ts does.
 *
 * The load comes from another child process (this file again) using Node's http client over
 * keep-alive connections (about a third of the CPU that fetch takes per request, which would
 * otherwise take the servers' CPU on a small machine): `--connections` requests in flight, spread
 * over the servers, for `--seconds` per phase after a warm-up, each response checked (a
 * near-duplicate must come back with its entry id, bank and exact distance; a random hash with
 * no match). Per phase it prints the CPU of each server, the client, this database's PostgreSQL
 * backends and the whole machine, from /proc (Linux).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { commandLine } from '../src/domain/actor.ts';
import { formatBankFile } from '../src/domain/signals.ts';
import { buildApp } from '../src/http/app.ts';
import { Hash256 } from '../src/pdq/hash256.ts';
import { ApiKeys } from '../src/services/api-keys.ts';
import { createServices, type Services } from '../src/services/index.ts';
import { Keyring } from '../src/services/keys.ts';
import { ApiKeyStore } from '../src/store/api-keys.ts';
import { migrate, openDatabase, type Database } from '../src/store/database.ts';
import { hashBankEntries } from '../src/store/schema.ts';
import { scratchDatabase } from '../test/helpers/postgres.ts';

const WORDS = 8;
const MAX_DISTANCE = 31;
const ROLE_VARIABLE = 'MATCH_API_BENCH_ROLE';
/** USER_HZ on Linux, the unit of the times in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = 100;

// ---------------------------------------------------------------------------------------------
// Shared by all processes

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

/** The bench's random hashes, the same in every process: the targets', then the filler's. */
function benchWords(seed: number, targetCount: number, fillerCount: number): { targetWords: Uint32Array; fillerWords: Uint32Array } {
  const next = xorshift(seed);
  const targetWords = new Uint32Array(targetCount * WORDS);
  for (let i = 0; i < targetWords.length; i++) targetWords[i] = next();
  const fillerWords = new Uint32Array(fillerCount * WORDS);
  for (let i = 0; i < fillerWords.length; i++) fillerWords[i] = next();
  return { targetWords, fillerWords };
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
 * A process's main thread (its event loop): nanoseconds on a CPU and waiting in the run queue
 * for one (Linux schedstat). The wait is the time other processes took from it.
 */
function schedstat(pid: number | 'self' = 'self'): { runNs: number; waitNs: number } {
  const [run = NaN, wait = NaN] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { runNs: run, waitNs: wait };
}

/** CPU time of a process, all threads, user and system, in ms; NaN once it is gone. */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
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
  /** The servers; connection c goes to urls[c % urls.length]. */
  urls: string[];
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

type FromClient = { type: 'ready' } | { type: 'measuring' } | { type: 'result'; stats: PhaseStats };
type ToClient = ClientInit | { type: 'run'; phase: Phase } | { type: 'exit' };

/** What every server needs to load the same index. */
interface ServerSetup {
  /** The scratch database (PostgreSQL) every server process opens. */
  databaseUrl: string | undefined;
  bankId: string;
  size: number;
  targetCount: number;
  seed: number;
  filler: 'memory' | 'database';
  /** The id of the first filler hash loaded from memory. */
  fillerFirstId: number;
  logLevel: string;
}

type FromServer = { type: 'listening'; url: string };
type ToServer = { type: 'init'; setup: ServerSetup; name: string } | { type: 'exit' };

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

/** One POST over a keep-alive connection of `agent`; the answer's status and parsed JSON. */
function post(
  agent: http.Agent,
  url: URL,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        hostname: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          try {
            resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function client(): Promise<void> {
  const send = (message: FromClient) => process.send!(message);
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
    const urls = init!.urls.map((url) => new URL(url));
    const agent = new http.Agent({ keepAlive: true, maxSockets: phase.connections });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${init!.secret}` };
    let cursor = 0;
    let recording = false;
    const latencies: number[] = [];
    const stats = { requests: 0, hashes: 0, found: 0, errors: 0, wrong: 0, statuses: {} as Record<string, number> };

    const one = async (url: URL) => {
      const index = cursor++;
      const started = performance.now();
      let status = 'failed';
      let hashes = 0;
      let found = 0;
      let wrong = 0;
      try {
        if (phase.route === 'single') {
          const q = singles[index % singles.length]!;
          const response = await post(agent, url, '/api/v1/match', headers, q.body);
          status = String(response.status);
          hashes = 1;
          if (response.status === 200) {
            const matches = (response.json as { matches?: MatchBody[] }).matches ?? [];
            if (q.expect ? isFound(matches, q.expect) : matches.length === 0) found += q.expect ? 1 : 0;
            else wrong++;
          }
        } else {
          const q = bulks[index % bulks.length]!;
          const response = await post(agent, url, '/api/v1/match/bulk', headers, q.body);
          status = String(response.status);
          hashes = q.expect.length;
          if (response.status === 200) {
            const results = (response.json as { results?: { index: number; matches: MatchBody[] }[] }).results ?? [];
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
      const loop = async (connection: number) => {
        const url = urls[connection % urls.length]!;
        while (performance.now() < until) await one(url);
      };
      await Promise.all(Array.from({ length: phase.connections }, (_, connection) => loop(connection)));
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
    agent.destroy();
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

  // Goes with the bench, also when it fails.
  process.on('disconnect', () => process.exit(0));
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
// A server (this process, and the other server processes)

const loadAverage = () =>
  os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Resident set size of a process now and at its peak, from /proc (Linux). */
function memory(pid: number | 'self' = 'self'): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(2)} s`;
}

/**
 * Loads the index as a starting server does (plus the filler from memory, if so), then serves
 * the app on a free port of 127.0.0.1 with the index refreshed every ten seconds.
 */
async function startServer(
  services: Services,
  setup: ServerSetup,
  log: (line: string) => void,
): Promise<{ url: string; stop(): Promise<void> }> {
  let started = performance.now();
  await services.matchIndex.ensureLoaded();
  log(`MatchIndex.ensureLoaded: ${seconds(started)}; index size ${services.matchIndex.size}`);
  if (setup.filler === 'memory') {
    started = performance.now();
    const fillerCount = setup.size - setup.targetCount;
    const { fillerWords } = benchWords(setup.seed, setup.targetCount, fillerCount);
    const fillerIds = new Uint32Array(fillerCount);
    for (let i = 0; i < fillerCount; i++) fillerIds[i] = setup.fillerFirstId + i;
    log(`${fillerCount} random hashes generated: ${seconds(started)}`);
    started = performance.now();
    services.matchIndex.addPdqEntries(setup.bankId, fillerIds, fillerWords);
    log(`MatchIndex.addPdqEntries: ${seconds(started)}; index size ${services.matchIndex.size}`);
  }
  if (services.matchIndex.size < setup.size) throw new Error(`index holds ${services.matchIndex.size}, expected ${setup.size}`);

  const app = await buildApp(services, {
    logLevel: setup.logLevel,
    // As the default destination (stdout, written synchronously), but to /dev/null.
    logStream: pino.destination({ dest: '/dev/null', sync: true }) as unknown as NodeJS.WritableStream,
    trustProxy: false,
    https: false,
    publicUrl: 'http://127.0.0.1',
    matchRequestsPerMinute: 1_000_000_000,
  });
  // As src/main.ts does: changes made by other instances are picked up every ten seconds.
  const refreshTimer = setInterval(() => void services.matchIndex.refresh().catch((error: unknown) => console.error(error)), 10_000);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const loaded = memory();
  log(`listening on ${url}; RSS ${mib(loaded.rss)}, peak so far ${mib(loaded.peak)}`);
  return {
    url,
    async stop() {
      clearInterval(refreshTimer);
      await app.close();
    },
  };
}

/** A server process besides this one: loads, serves, and stops when told. */
async function otherServer(): Promise<void> {
  let stop = async () => {};
  // Goes with the bench, also when it fails.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: ToServer) => {
    if (message.type === 'init') {
      const log = (line: string) => console.log(`${message.name}: ${line}`);
      void (async () => {
        const database = await openDatabase({ engine: 'postgres', url: message.setup.databaseUrl!, poolSize: 10 });
        const server = await startServer(createServices(database, new Keyring(randomBytes(32))), message.setup, log);
        stop = async () => {
          await server.stop();
          await database.close();
        };
        process.send!({ type: 'listening', url: server.url } satisfies FromServer);
      })().catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
    } else {
      void stop().then(() => process.exit(0));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The bench (this process, also the first server)

/** Messages from a child, one awaited at a time. */
function inbox<M extends { type: string }>(child: ChildProcess, name: string): (type: M['type']) => Promise<M> {
  const queue: M[] = [];
  const waiting: ((message: M) => void)[] = [];
  child.on('message', (message: M) => {
    const resolve = waiting.shift();
    if (resolve) resolve(message);
    else queue.push(message);
  });
  child.on('exit', (code) => {
    if (code !== 0) {
      console.error(`${name} exited with ${code}`);
      process.exit(1);
    }
  });
  return async (type) => {
    const message = queue.shift() ?? (await new Promise<M>((resolve) => waiting.push(resolve)));
    if (message.type !== type) throw new Error(`expected "${type}" from ${name}, got "${message.type}"`);
    return message;
  };
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
function machineTicks(): { busy: number; total: number } {
  const values = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  return { busy: total - values[3]! - values[4]!, total };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '10000000' },
      seconds: { type: 'string', default: '15' },
      connections: { type: 'string', default: '16' },
      bulk: { type: 'string', default: '100' },
      targets: { type: 'string', default: '10000' },
      'log-level': { type: 'string', default: 'info' },
      seed: { type: 'string', default: '1' },
      'database-url': { type: 'string' },
      servers: { type: 'string', default: '1' },
      filler: { type: 'string', default: 'memory' },
    },
  });
  const size = Number(values.size);
  const phaseSeconds = Number(values.seconds);
  const connections = Number(values.connections);
  const bulk = Number(values.bulk);
  const targetCount = Math.min(Number(values.targets), size);
  const seed = Number(values.seed);
  const serverCount = Number(values.servers);
  const filler = values.filler;
  const serverUrl = values['database-url'] ?? process.env.DATABASE_URL;
  if (filler !== 'memory' && filler !== 'database') throw new Error('--filler is memory or database');
  if (!Number.isInteger(serverCount) || serverCount < 1) throw new Error('--servers must be a whole number, 1 or more');
  if (!serverUrl && (serverCount > 1 || filler === 'database')) {
    throw new Error('--servers above 1 and --filler database need PostgreSQL: --database-url postgresql://…');
  }

  const runStarted = performance.now();
  console.log(`date ${new Date().toISOString()}`);
  console.log(`node ${process.version}, nproc ${os.availableParallelism()}, cpu ${os.cpus()[0]?.model}, memory ${mib(os.totalmem())}`);
  console.log(`load average at start ${loadAverage()}`);
  console.log(
    `size ${size}, targets in the database ${targetCount}, filler ${filler}, servers ${serverCount}, seconds ${phaseSeconds} per phase, ` +
      `connections ${connections}, bulk ${bulk}, log level ${values['log-level']}, seed ${seed}, database ${serverUrl ? 'PostgreSQL' : 'PGlite in memory'}`,
  );

  const scratch = serverUrl ? await scratchDatabase(serverUrl, 'hifazat_bench_match') : undefined;
  if (scratch) console.log(`scratch database ${scratch.name} created`);
  try {
    await bench({
      size,
      phaseSeconds,
      connections,
      bulk,
      targetCount,
      seed,
      serverCount,
      filler,
      databaseUrl: scratch?.url,
      logLevel: values['log-level'],
    });
  } finally {
    if (scratch) {
      await scratch.drop();
      console.log(`scratch database ${scratch.name} dropped`);
    }
  }
  const end = memory();
  console.log(`this process's RSS at end ${mib(end.rss)}, peak ${mib(end.peak)}`);
  console.log(`load average at end ${loadAverage()}; whole run ${seconds(runStarted)}`);
}

async function bench(options: {
  size: number;
  phaseSeconds: number;
  connections: number;
  bulk: number;
  targetCount: number;
  seed: number;
  serverCount: number;
  filler: 'memory' | 'database';
  databaseUrl: string | undefined;
  logLevel: string;
}): Promise<void> {
  const { size, phaseSeconds, connections, bulk, targetCount, seed, databaseUrl } = options;
  let started = performance.now();
  const database: Database = databaseUrl
    ? await openDatabase({ engine: 'postgres', url: databaseUrl, poolSize: 10 })
    : await openDatabase({ engine: 'pglite' });
  await migrate(database);
  const keyring = new Keyring(randomBytes(32));
  // Creates the bank, its rows and the key; the servers' indexes load from the database.
  const setup = createServices(database, keyring);
  console.log(`database open and migrated: ${seconds(started)}`);

  const bankName = `bench-${randomBytes(4).toString('hex')}`;
  const bankId = await setup.banks.create(commandLine, bankName, 'bench/match-api.ts');

  // The targets: real rows, through the import path.
  started = performance.now();
  const { targetWords } = benchWords(seed, targetCount, 0);
  const csv = formatBankFile(
    Array.from({ length: targetCount }, (_, i) => ({
      type: 'pdq' as const,
      value: wordsToHex(targetWords, i * WORDS),
      quality: 100,
      label: `bench target ${i}`,
      source: 'bench',
    })),
  );
  const imported = await setup.banks.import(commandLine, bankName, csv);
  if (imported.added !== targetCount || imported.problems.length > 0) throw new Error(`import: ${JSON.stringify(imported).slice(0, 500)}`);
  const rows = await database.db
    .select({ id: hashBankEntries.id, signal: hashBankEntries.signal })
    .from(hashBankEntries)
    .where(eq(hashBankEntries.bankId, bankId));
  const targets = rows.map((r) => ({ id: r.id, hex: r.signal }));
  if (Hash256.fromHex(targets[0]!.hex).toHex() !== targets[0]!.hex) throw new Error('hex round trip');
  console.log(`${targetCount} target entries imported: ${seconds(started)}`);

  const fillerCount = size - targetCount;
  const [{ maxId } = { maxId: 0 }] = await database.db
    .select({ maxId: sql<number>`coalesce(max(${hashBankEntries.id}), 0)::int` })
    .from(hashBankEntries);
  if (maxId + fillerCount >= 2 ** 31) throw new Error('ids would pass the integer column');
  if (options.filler === 'database') {
    started = performance.now();
    const chunk = 1_000_000;
    for (let first = 1; first <= fillerCount; first += chunk) {
      await database.db.execute(sql`
        INSERT INTO hash_bank_entries (bank_id, signal_type, signal, quality)
        SELECT ${bankId}, 'pdq', encode(sha256(int4send(${seed}::int) || int4send(i)), 'hex'), 100
        FROM generate_series(${first}::int, ${Math.min(fillerCount, first + chunk - 1)}::int) AS i`);
    }
    await database.db.execute(sql`VACUUM ANALYZE hash_bank_entries`);
    console.log(`${fillerCount} random hashes inserted as rows (and VACUUM ANALYZE): ${seconds(started)}`);
  }
  const { secret } = await setup.apiKeys.create(commandLine, 'bench/match-api.ts', [bankName]);
  const serverSetup: ServerSetup = {
    databaseUrl,
    bankId,
    size,
    targetCount,
    seed,
    filler: options.filler,
    fillerFirstId: maxId + 1,
    logLevel: options.logLevel,
  };

  const services = createServices(database, keyring);
  const first = await startServer(services, serverSetup, (line) => console.log(`server 1: ${line}`));

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
      `  ${label.padEnd(52)} p50 ${times[Math.floor(count / 2)]!.toFixed(3)} ms  p99 ${times[Math.floor(count * 0.99)]!.toFixed(3)} ms  CPU ${cpuPerCall.toFixed(3)} ms/call`,
    );
  };
  console.log('in-process calls in server 1 (no HTTP), one at a time; CPU of this process only:');
  const direct = queryMaker(seed + 1, targets);
  const nearQueries = Array.from({ length: 2000 }, (_, i) => direct(2 * i));
  const randomQueries = Array.from({ length: 2000 }, (_, i) => direct(2 * i + 1));
  await timeCalls('ApiKeys.authenticate, scope in memory', 1000, () => services.apiKeys.authenticate(secret));
  const keyStore = new ApiKeyStore(database);
  // A new ApiKeys per call: its memory is empty, so every call reads the key.
  await timeCalls('ApiKeys.authenticate, from the database', 1000, () =>
    new ApiKeys(keyStore, services.banks, services.audit).authenticate(secret),
  );
  await timeCalls('MatchIndex.match, near-duplicate (found)', 1000, async (i) => {
    const q = nearQueries[i]!;
    const found = await services.matchIndex.match({ pdq: [q.hex] }, { bankIds: [bankId] });
    if (!found.some((m) => m.entryId === q.expect!.id && m.distance === q.expect!.distance)) throw new Error('near-duplicate not found');
  });
  await timeCalls('MatchIndex.match, random (no match)', 1000, async (i) => {
    if ((await services.matchIndex.match({ pdq: [randomQueries[i]!.hex] }, { bankIds: [bankId] })).length > 0)
      throw new Error('random hash matched');
  });
  await timeCalls('HashBanks.describe, 1 entry (the database)', 1000, (i) => services.banks.describe([targets[i % targets.length]!.id]));
  await timeCalls(`HashBanks.describe, ${Math.ceil(bulk / 2)} entries (the database)`, 200, (i) =>
    services.banks.describe(Array.from({ length: Math.ceil(bulk / 2) }, (_, j) => targets[(i * bulk + j) % targets.length]!.id)),
  );
  // The warm-up's 100 calls describe the entries that the timed calls then ask for.
  await timeCalls('MatchIndex.describe, 1 entry described before', 1000, (i) => services.matchIndex.describe([targets[i % 100]!.id]));

  const others: { child: ChildProcess; receive: (type: FromServer['type']) => Promise<FromServer>; url: string }[] = [];
  for (let n = 2; n <= options.serverCount; n++) {
    const name = `server ${n}`;
    const child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, [ROLE_VARIABLE]: 'server' } });
    const receive = inbox<FromServer>(child, name);
    child.send({ type: 'init', setup: serverSetup, name } satisfies ToServer);
    const { url } = await receive('listening');
    others.push({ child, receive, url });
  }
  const serverPids = [process.pid, ...others.map((other) => other.child.pid!)];

  const clientProcess = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, [ROLE_VARIABLE]: 'client' } });
  const receive = inbox<FromClient>(clientProcess, 'the load generator');
  const tell = (message: ToClient) => clientProcess.send(message);
  tell({ type: 'init', urls: [first.url, ...others.map((other) => other.url)], secret, bankName, targets, bulk, seed });
  await receive('ready');

  const phases: Phase[] = [
    { name: `match, 1 hash, 1 connection`, route: 'single', connections: 1, warmUpSeconds: 3, seconds: phaseSeconds },
    { name: `match, 1 hash, ${connections} connections`, route: 'single', connections, warmUpSeconds: 2, seconds: phaseSeconds },
    { name: `match/bulk, ${bulk} hashes, 1 connection`, route: 'bulk', connections: 1, warmUpSeconds: 2, seconds: phaseSeconds },
    { name: `match/bulk, ${bulk} hashes, ${connections} connections`, route: 'bulk', connections, warmUpSeconds: 2, seconds: phaseSeconds },
  ];
  /**
   * This database's PostgreSQL backends (the servers' pools, found once they are busy), and how
   * many transactions it committed: one per query of the servers, which use none of their own.
   */
  const databaseActivity = async (): Promise<{ backends: number[]; transactions: number }> => {
    if (!databaseUrl) return { backends: [], transactions: NaN };
    const result = await database.db.execute(sql`
      SELECT array(SELECT pid FROM pg_stat_activity WHERE datname = current_database()) AS backends,
             (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS transactions`);
    const [row] = (result as unknown as { rows: { backends: number[]; transactions: string }[] }).rows;
    return { backends: row!.backends, transactions: Number(row!.transactions) };
  };
  const sample = (backends: number[]) => ({
    servers: serverPids.map((pid) => ({ cpuMs: processCpuMs(pid), ...schedstat(pid) })),
    backendsCpuMs: backends.map(processCpuMs),
    machine: machineTicks(),
  });
  const percentOf = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)} %`;
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  let failed = false;
  for (const phase of phases) {
    tell({ type: 'run', phase });
    await receive('measuring');
    const activity = await databaseActivity();
    const before = sample(activity.backends);
    const wallStart = performance.now();
    const { stats } = (await receive('result')) as Extract<FromClient, { type: 'result' }>;
    const after = sample(activity.backends);
    const wallMs = performance.now() - wallStart;
    const transactions = (await databaseActivity()).transactions - activity.transactions;
    failed ||= stats.wrong > 0 || stats.errors > 0;

    const serverCpuMs = after.servers.map((s, i) => s.cpuMs - before.servers[i]!.cpuMs);
    const serverWaitMs = after.servers.map((s, i) => (s.waitNs - before.servers[i]!.waitNs) / 1e6);
    // Backends that closed during the phase (NaN) are left out.
    const backendCpuMs = sum(after.backendsCpuMs.map((ms, i) => ms - before.backendsCpuMs[i]!).filter((ms) => !Number.isNaN(ms)));
    const machineBusyMs = ((after.machine.busy - before.machine.busy) * 1000) / CLOCK_TICKS_PER_SECOND;
    const machineMs = ((after.machine.total - before.machine.total) * 1000) / CLOCK_TICKS_PER_SECOND;
    const otherMs = machineBusyMs - sum(serverCpuMs) - stats.clientCpuMs - backendCpuMs;
    const perRequest = (ms: number) => `${(ms / stats.requests).toFixed(3)} ms/request`;
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
    const detail = (...parts: string[]) => console.log(`${''.padEnd(40)}${parts.join('; ')}`);
    detail(
      `requests ${stats.requests}, hashes ${stats.hashes}, near-duplicates found ${stats.found}, wrong ${stats.wrong}, errors ${stats.errors}`,
      `statuses ${JSON.stringify(stats.statuses)}`,
    );
    serverPids.forEach((pid, i) =>
      detail(
        `server ${i + 1}: CPU (all threads) ${percentOf(serverCpuMs[i]!, wallMs)} of a core`,
        `main thread waited for a CPU ${percentOf(serverWaitMs[i]!, wallMs)} of the time`,
        `RSS ${mib(memory(pid).rss)}`,
      ),
    );
    detail(
      `CPU per request: servers ${perRequest(sum(serverCpuMs))}, client ${perRequest(stats.clientCpuMs)}, PostgreSQL backends ${perRequest(backendCpuMs)}, rest of the machine ${perRequest(otherMs)}`,
      `machine busy ${percentOf(machineBusyMs, machineMs)} of ${os.availableParallelism()} CPUs`,
      `client main thread waited for a CPU ${percentOf(stats.clientWaitMs, stats.elapsedMs)} of the time`,
      `database queries ${(transactions / stats.requests).toFixed(3)} per request`,
    );
  }
  tell({ type: 'exit' });
  await new Promise((resolve) => clientProcess.once('exit', resolve));
  for (const other of others) {
    other.child.send({ type: 'exit' } satisfies ToServer);
    await new Promise((resolve) => other.child.once('exit', resolve));
  }
  await first.stop();
  await database.close();
  if (failed) {
    console.error('some answers were wrong or failed; see above');
    process.exitCode = 1;
  }
}

const role = process.env[ROLE_VARIABLE];
if (role === 'client') await client();
else if (role === 'server') await otherServer();
else await main();
