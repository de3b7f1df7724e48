/**
 * Durable report submissions per second through the JSON API, with latency percentiles.
 *
 *   npx tsx bench/submissions.ts [--engine pglite|postgres] [--seconds 10] [--concurrency 10]
 *                                [--warmup 3] [--database-url postgresql://…] [--pool-size N] [--servers N]
 *                                [--client node|wrk] [--cpu-prof]
 *
 * Starts the real server (`node bin/hifazat.mjs start`) as a child process on a fresh database
 * (a temporary PGlite data directory, or a new database on the PostgreSQL server at
 * --database-url / BENCH_DATABASE_URL / TEST_DATABASE_URL, dropped afterwards) and drives
 * `POST /api/v1/reports` over loopback from this process with a fixed number of requests in
 * flight: first --warmup seconds unmeasured, then --seconds measured. A submission counts only
 * when it got its 201 and receipt, which the server sends after the commit; at the end the
 * reports in the database are counted against the receipts received. With --servers N (PostgreSQL
 * only) N server processes share the database, as instances behind a load balancer would, and the
 * client spreads its requests over them in turn. --client wrk drives the load with wrk (Debian
 * package `wrk`, script bench/submissions.lua: the same reports) instead of Node's http client,
 * which leaves the server more of the two cores: wrk spends a fraction of Node's CPU per request.
 * Then each server gets its own wrk process with its share of the connections, and the latency
 * percentiles shown are the worst of those processes'.
 *
 * Every report comes from one address without a proof of work (as the no-JavaScript form and
 * API clients that skip it do) and so passes its per-client throttle in the database, so the
 * server runs with CLIENT_UNVERIFIED_REPORTS_PER_HOUR and CLIENT_REPORTS_PER_HOUR raised far above
 * the default 10 and 30. --cpu-prof writes a V8
 * CPU profile of the server and prints where its time went (V8 samples by the wall clock, so
 * time spent waiting for a core is booked to the call that woke another process, such as
 * `writev`; docs/PERFORMANCE.md says how to count CPU time only). Without --engine, runs PGlite,
 * and PostgreSQL too when a server URL is known.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/store/database.ts';
import { scratchDatabase, withClient } from '../test/helpers/postgres.ts';
import { freePort, startServerProcess, type ServerProcess } from '../test/helpers/server-process.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    'database-url': { type: 'string' },
    'pool-size': { type: 'string' },
    servers: { type: 'string', default: '1' },
    client: { type: 'string', default: 'node' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});

type Engine = 'pglite' | 'postgres';
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const warmupSeconds = Number(values.warmup);
const serverUrl = values['database-url'] ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const serverCount = Number(values.servers);
if (!(seconds > 0) || !(concurrency >= 1) || !(warmupSeconds >= 0) || !Number.isInteger(serverCount) || serverCount < 1) {
  throw new Error('--seconds, --concurrency and --servers must be positive numbers, --warmup zero or more');
}
if (values.engine !== undefined && values.engine !== 'pglite' && values.engine !== 'postgres') {
  throw new Error('--engine must be pglite or postgres');
}
const engines: Engine[] = values.engine ? [values.engine as Engine] : serverUrl ? ['pglite', 'postgres'] : ['pglite'];
if (values.client !== 'node' && values.client !== 'wrk') throw new Error('--client must be node or wrk');
if (serverCount > 1 && engines.includes('pglite')) throw new Error('--servers above 1 needs --engine postgres: PGlite is one process');
if (engines.includes('postgres') && !serverUrl) {
  throw new Error('PostgreSQL needs a server: --database-url postgresql://user@host:5432/db (or BENCH_DATABASE_URL)');
}

const clockTicks = 100; // USER_HZ on Linux, the unit of /proc/<pid>/stat times

// ---------------------------------------------------------------- machine and CPU accounting

function cpuModel(): string {
  return os.cpus()[0]?.model.trim() ?? 'unknown';
}

/** CPU seconds (user + system, all threads) of a process, from /proc; 0 where unavailable. */
function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0;
  }
}

/** Busy, interrupt-handling (loopback networking runs there) and total jiffies of the whole machine. */
function machineTicks(): { busy: number; interrupts: number; total: number } {
  try {
    const [, ...numbers] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const v = numbers.map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), interrupts: (v[5] ?? 0) + (v[6] ?? 0), total };
  } catch {
    return { busy: 0, interrupts: 0, total: 0 };
  }
}

// ---------------------------------------------------------------- the server process

async function waitReady(server: ServerProcess, port: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < 120_000) {
    if (server.hasExited()) throw new Error(`the server exited before it was ready:\n${server.output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  throw new Error(`the server was not ready within 120 s:\n${server.output()}`);
}

// ---------------------------------------------------------------- the client

let sequence = 0;
function reportBody(): string {
  const n = sequence++;
  return JSON.stringify(
    n % 2 === 0
      ? {
          kind: 'online_material',
          language: 'en',
          urls: [`https://example.com/bench/${n}`, `https://example.org/mirror/${n}`],
          site: 'a video site',
          reporterRelationship: 'other',
        }
      : {
          kind: 'abuse',
          language: 'ur',
          description: `ہمسایہ بچے کو تنگ کرتا ہے، وہ روز اسکول کے راستے میں کھڑا ہوتا ہے (${n})`,
          province: 'punjab',
          district: 'ملتان',
          childAgeBand: '6-10',
          childSex: 'girl',
          abuserRelationship: 'neighbour',
          inDangerNow: true,
        },
  );
}

function post(agent: http.Agent, port: number, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/reports',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'idempotency-key': randomUUID(),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

interface Phase {
  created: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  failures: Map<string, number>;
  elapsedMs: number;
  /** CPU seconds the load generator used (this process, or the wrk processes). */
  clientCpuSeconds: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Node's http client: keeps `concurrency` submissions in flight for `durationMs`, spread over the servers' ports in turn. */
async function driveWithNode(agent: http.Agent, ports: number[], durationMs: number): Promise<Phase> {
  let turn = 0;
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  let created = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      let outcome: string;
      try {
        const { status, text } = await post(agent, ports[turn++ % ports.length]!, reportBody());
        if (status === 201) {
          created++;
          latencies.push(performance.now() - t0);
          continue;
        }
        outcome = `${status} ${text.slice(0, 120)}`;
      } catch (error) {
        outcome = String(error);
      }
      failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    created,
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
    },
    failures,
    elapsedMs,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/** wrk: one process per server, with its share of the connections, for `durationMs`. */
async function driveWithWrk(ports: number[], durationMs: number, label: string): Promise<Phase> {
  const script = fileURLToPath(new URL('./submissions.lua', import.meta.url));
  const started = performance.now();
  const runs = ports.map((port, i) => {
    const connections = Math.max(1, Math.floor(concurrency / ports.length) + (i < concurrency % ports.length ? 1 : 0));
    const child = spawn(
      'wrk',
      ['-t1', `-c${connections}`, `-d${Math.round(durationMs / 1000)}s`, '-s', script, `http://127.0.0.1:${port}`, '--', `${label}${i}`],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    // wrk's CPU is read from /proc while it runs: once it exits, its times are gone.
    let cpuSeconds = 0;
    const sampler = setInterval(() => (cpuSeconds = processCpuSeconds(child.pid!) || cpuSeconds), 50);
    return new Promise<{ output: string; cpuSeconds: number }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        clearInterval(sampler);
        if (code === 0) resolve({ output, cpuSeconds });
        else reject(new Error(`wrk exited with ${code}:\n${output}`));
      });
    });
  });
  const results = await Promise.all(runs);
  const elapsedMs = performance.now() - started;
  const summaries = results.map(
    (r) =>
      JSON.parse(r.output.trim().split('\n').at(-1)!) as {
        created: number;
        failed: number;
        p50Us: number;
        p90Us: number;
        p99Us: number;
        maxUs: number;
      },
  );
  const worst = (key: 'p50Us' | 'p90Us' | 'p99Us' | 'maxUs') => Math.max(...summaries.map((x) => x[key])) / 1000;
  const failed = summaries.reduce((sum, x) => sum + x.failed, 0);
  return {
    created: summaries.reduce((sum, x) => sum + x.created, 0),
    latencyMs: { p50: worst('p50Us'), p90: worst('p90Us'), p99: worst('p99Us'), max: worst('maxUs') },
    failures: failed > 0 ? new Map([['not 201 with a receipt (wrk)', failed]]) : new Map(),
    elapsedMs,
    clientCpuSeconds: results.reduce((sum, r) => sum + r.cpuSeconds, 0),
  };
}

// ---------------------------------------------------------------- CPU profile summary

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

function summariseProfile(path: string): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const area = (frame: ProfileNode['callFrame']): string => {
    if (frame.functionName.startsWith('(')) return frame.functionName;
    const url = frame.url;
    if (!url) return '(native)';
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (pkg) return pkg[1]!;
    if (url.startsWith('node:')) return url.split('/')[0]!;
    if (url.includes('/src/')) return `src/${url.split('/src/')[1]!.split('/')[0]!}`;
    if (url.startsWith('wasm://')) return 'wasm';
    return url;
  };
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of self) {
    const frame = nodes.get(id)!.callFrame;
    total += micros;
    byArea.set(area(frame), (byArea.get(area(frame)) ?? 0) + micros);
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/src\//, 'src/')}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  }
  const busy = total - (byArea.get('(idle)') ?? 0);
  const line = ([name, micros]: [string, number]) => `    ${((100 * micros) / busy).toFixed(1).padStart(5)} %  ${name}`;
  return [
    `  server CPU profile (${path}): ${(busy / 1e6).toFixed(1)} s busy of ${(total / 1e6).toFixed(1)} s sampled; self time of the busy part`,
    '  by package or area:',
    ...[...byArea]
      .filter(([k]) => k !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 18)
      .map(line),
    '  by function:',
    ...[...byFunction]
      .filter(([k]) => !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(line),
  ].join('\n');
}

// ---------------------------------------------------------------- one run

async function run(engine: Engine): Promise<void> {
  const workDir = mkdtempSync(join(os.tmpdir(), `hifazat-bench-${engine}-`));
  const scratch = engine === 'postgres' ? await scratchDatabase(serverUrl!, 'hifazat_bench') : undefined;
  const ports: number[] = [];
  for (let i = 0; i < serverCount; i++) ports.push(await freePort());
  const profileDir = join(workDir, 'profile');
  const env = (i: number): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    DATA_DIR: join(workDir, i === 0 ? 'data' : `data-${i}`),
    // One data key for all: they read each other's encrypted fields.
    HIFAZAT_KEY_FILE: join(workDir, 'data.key'),
    PORT: String(ports[i]),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    CLIENT_UNVERIFIED_REPORTS_PER_HOUR: '1000000000',
    CLIENT_REPORTS_PER_HOUR: '1000000000',
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    ...(values['pool-size'] ? { DATABASE_POOL_SIZE: values['pool-size'] } : {}),
  });
  const servers: ServerProcess[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    // The first server creates the key file and migrates; the others start once it is ready.
    let readyMs = 0;
    for (let i = 0; i < serverCount; i++) {
      servers.push(startServerProcess(env(i), values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []));
      readyMs = Math.max(readyMs, await waitReady(servers[i]!, ports[i]!));
    }
    const drive = (durationMs: number, label: string) =>
      values.client === 'wrk' ? driveWithWrk(ports, durationMs, label) : driveWithNode(agent, ports, durationMs);
    const warmup = warmupSeconds > 0 ? await drive(warmupSeconds * 1000, 'warmup') : undefined;
    const serversCpu = () => servers.reduce((sum, server) => sum + processCpuSeconds(server.pid), 0);

    const backends = scratch
      ? await withClient(serverUrl!, async (c) =>
          // This database's connections, and the server's own processes (WAL writer, checkpointer, …).
          (
            await c.query<{ pid: number }>(
              "SELECT pid FROM pg_stat_activity WHERE datname = $1 OR (backend_type <> 'client backend' AND backend_type NOT LIKE 'autovacuum worker')",
              [scratch.name],
            )
          ).rows.map((r) => r.pid),
        )
      : [];
    const before = {
      server: serversCpu(),
      backends: backends.reduce((s, pid) => s + processCpuSeconds(pid), 0),
      machine: machineTicks(),
      load: os.loadavg()[0]!,
    };
    const measured = await drive(seconds * 1000, 'measured');
    const wall = measured.elapsedMs / 1000;
    const after = {
      server: serversCpu(),
      backends: backends.reduce((s, pid) => s + processCpuSeconds(pid), 0),
      machine: machineTicks(),
    };

    agent.destroy();
    for (const server of servers) {
      server.child.kill('SIGTERM');
      const { code } = await server.exited;
      if (code !== 0) throw new Error(`a server did not stop cleanly (exit ${code}):\n${server.output()}`);
    }

    // Every 201 is a report in the database.
    const received = measured.created + (warmup?.created ?? 0);
    let stored: number;
    if (scratch) {
      stored = await withClient(scratch.url, async (c) =>
        Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM reports')).rows[0]!.n),
      );
    } else {
      const pglite = await openDatabase({ engine: 'pglite', dataDir: join(workDir, 'data', 'pglite') });
      stored = (await pglite.rawTransaction((raw) => raw.query<{ n: number }>('SELECT count(*)::int AS n FROM reports')))[0]!.n;
      await pglite.close();
    }

    const failed = [...measured.failures.values()].reduce((a, b) => a + b, 0);
    // Every receipt is a report. wrk stops with requests in flight and drops their answers, so
    // with wrk up to `concurrency` reports per run (warm-up and measured) have no counted receipt.
    const unanswered = values.client === 'wrk' ? concurrency * (warmup ? 2 : 1) : 0;
    const accounted = stored >= received && stored - received <= unanswered;
    const machineBusy = (100 * (after.machine.busy - before.machine.busy)) / Math.max(1, after.machine.total - before.machine.total);
    const pct = (cpuSeconds: number) => `${((100 * cpuSeconds) / wall).toFixed(0)} %`;
    // Everything else: other processes on the machine, in % of one core.
    const ours = after.server - before.server + (after.backends - before.backends) + measured.clientCpuSeconds;
    const ticks = Math.max(1, after.machine.total - before.machine.total);
    const interruptsPercent = (100 * os.cpus().length * (after.machine.interrupts - before.machine.interrupts)) / ticks;
    const othersPercent = Math.max(0, machineBusy * os.cpus().length - (100 * ours) / wall - interruptsPercent);
    const f = (ms: number) => ms.toFixed(1);
    process.stdout.write(
      [
        `${engine}, client ${values.client}: ${serverCount} server process${serverCount === 1 ? '' : 'es'}, ${concurrency} in flight, ${seconds} s measured after ${warmupSeconds} s warm-up (server ready in ${Math.round(readyMs)} ms)`,
        `  ${(measured.created / wall).toFixed(0)} durable submissions/s (${measured.created} receipts in ${wall.toFixed(1)} s, ${failed} failed)`,
        `  latency ms: p50 ${f(measured.latencyMs.p50)}  p90 ${f(measured.latencyMs.p90)}  p99 ${f(measured.latencyMs.p99)}  max ${f(measured.latencyMs.max)}`,
        `  CPU (100 % = one core): server${serverCount === 1 ? '' : 's'} ${pct(after.server - before.server)}` +
          (scratch ? `, PostgreSQL ${pct(after.backends - before.backends)}` : '') +
          `, the client (${values.client}) ${pct(measured.clientCpuSeconds)}, interrupts ${interruptsPercent.toFixed(0)} %, ` +
          `everything else ${othersPercent.toFixed(0)} %; ` +
          `machine ${machineBusy.toFixed(0)} % busy of ${os.cpus().length} cores (load average ${before.load.toFixed(1)} before)`,
        `  database: ${stored} reports for ${received} receipts received${accounted ? '' : '  <-- MISMATCH'}`,
        ...[...measured.failures].slice(0, 5).map(([what, n]) => `  failure ×${n}: ${what}`),
      ].join('\n') + '\n',
    );
    if (values['cpu-prof']) {
      const profiles = readdirSync(profileDir)
        .map((f) => join(profileDir, f))
        .sort((a, b) => statSync(b).size - statSync(a).size);
      if (profiles[0]) process.stdout.write(`${summariseProfile(profiles[0])}\n`);
    }
    if (!accounted || failed > 0) process.exitCode = 1;
  } finally {
    agent.destroy();
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
    await scratch?.drop();
    if (!values['cpu-prof']) rmSync(workDir, { recursive: true, force: true });
  }
}

process.stdout.write(
  `Hifazat submissions benchmark, ${new Date().toISOString()}: ${os.cpus().length} CPUs (nproc ${os.availableParallelism()}), ${cpuModel()}, Node ${process.version}\n`,
);
for (const engine of engines) await run(engine);
