/**
 * Durability under crashes. A real server process (`node bin/hifazat.mjs start`) is killed with
 * SIGKILL at random moments while a client keeps a few reports in flight through
 * `POST /api/v1/reports`, and started again on the same data. After every restart:
 *
 * - the server comes back (GET /readyz): on PGlite that means recovering a data directory
 *   killed mid-write, and its data-dir lock, which the kernel released with the dead process;
 * - the receipts handed out just before the kill (the ones at risk) answer a follow-up;
 * - the submissions left unanswered by the kill, retried with their Idempotency-Key, get a
 *   receipt (200 for a report that was committed before the kill, 201 for one that was not).
 *
 * At the end the server is stopped cleanly and every receipt the client ever received is looked
 * up in the database by its keyed hash; there must be exactly one report per receipt.
 *
 * The limits on reports without proof of work are raised through their documented settings
 * (CLIENT_UNVERIFIED_REPORTS_PER_HOUR, CLIENT_REPORTS_PER_HOUR, CLIENT_FOLLOW_UPS_PER_TEN_MINUTES): the test
 * is about crashes, not floods.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { count, inArray } from 'drizzle-orm';
import { Keyring, loadOrCreateDataKey } from '../../src/services/keys.ts';
import { lockHolder } from '../../src/store/data-dir-lock.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { reports } from '../../src/store/schema.ts';
import { forEachEngine, testDatabase, type Engine } from '../helpers/database.ts';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const killsUnderLoad = 20;
/** Extra kills before the server is ready (during PGlite recovery, migration check, maintenance). */
const killsDuringStartup = 3;
const concurrency = 4;
/** Follow-ups checked after each kill (the per-client limit is raised for the test, below). */
const followUpChecksPerStart = 16;
/** When to kill, after the first receipt of a run. */
const killDelayMs = { min: 0, max: 400 };

interface Acknowledged {
  receipt: string;
  /** The server lifetime (1-based) it was received in; run k ends with kill #k. */
  run: number;
  how: 'created' | 'created on retry' | 'replayed on retry';
  /** ms before the kill that ended its run (negative: received after the signal was sent). */
  beforeKillMs: number;
}

interface Unanswered {
  key: string;
  body: object;
  run: number;
}

async function kill(server: ServerProcess): Promise<void> {
  if (!server.hasExited()) server.child.kill('SIGKILL');
  await server.exited;
}

/** Polls GET /readyz until it answers 200; returns how long the start took. */
async function waitReady(server: ServerProcess, base: string, startedAt: number, what: string): Promise<number> {
  const deadline = startedAt + 60_000;
  for (;;) {
    if (server.hasExited()) {
      const { code, signal } = await server.exited;
      assert.fail(`${what}: the server exited (code ${code}, signal ${signal}) before it was ready:\n${server.output()}`);
    }
    try {
      const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - startedAt;
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline) assert.fail(`${what}: the server was not ready within 60 s:\n${server.output()}`);
    await sleep(20);
  }
}

let sequence = 0;
/** Alternates the two kinds of report, so that URLs (a second table) and district look-ups are written too. */
function reportBody(): object {
  const n = sequence++;
  return n % 2 === 0
    ? {
        kind: 'online_material',
        language: 'en',
        urls: [`https://example.com/durability/${n}`, `https://example.org/mirror/${n}`],
        site: 'a video site',
        reporterRelationship: 'other',
      }
    : {
        kind: 'abuse',
        language: 'ur',
        description: `ہمسایہ بچے کو تنگ کرتا ہے (${n})`,
        province: 'punjab',
        district: 'ملتان',
        childAgeBand: '6-10',
        inDangerNow: true,
      };
}

function postReport(base: string, body: object, key: string): Promise<Response> {
  return fetch(`${base}/api/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
}

/**
 * Submits reports from `concurrency` workers until the server is killed, `killAfterMs` after the
 * first receipt of the run (so that every run has receipts at risk, however slowly a freshly
 * started process answers). Every 201 is acknowledged; a request the kill left without an answer
 * is kept for a retry. Anything else (a refusal, an error before the kill) fails the test.
 */
async function submitUntilKilled(server: ServerProcess, base: string, run: number, killAfterMs: number) {
  const acknowledged: (Acknowledged & { at: number })[] = [];
  const unanswered: Unanswered[] = [];
  let killed = false;
  let killedAt = 0;
  let inFlight = 0;
  let inFlightAtKill = 0;
  let failure: Error | undefined;

  const killNow = () => {
    if (killed) return;
    killed = true;
    killedAt = performance.now();
    inFlightAtKill = inFlight;
    server.child.kill('SIGKILL');
  };
  const fail = (error: Error) => {
    failure ??= error;
    killNow();
  };
  let killTimer: NodeJS.Timeout | undefined;
  const noReceipt = setTimeout(() => fail(new Error(`run ${run}: no receipt within 60 s\n${server.output()}`)), 60_000);

  const worker = async () => {
    while (!killed) {
      const body = reportBody();
      const key = randomUUID();
      inFlight++;
      let status: number;
      let text: string;
      try {
        const response = await postReport(base, body, key);
        status = response.status;
        text = await response.text();
      } catch (error) {
        if (!killed) fail(new Error(`run ${run}: a submission failed before kill #${run}: ${String(error)}\n${server.output()}`));
        else unanswered.push({ key, body, run });
        return;
      } finally {
        inFlight--;
      }
      if (status !== 201) {
        fail(new Error(`run ${run}: a submission got ${status} (expected 201): ${text}\n${server.output()}`));
        return;
      }
      const { receipt } = JSON.parse(text) as { receipt: string };
      acknowledged.push({ receipt, run, how: 'created', beforeKillMs: 0, at: performance.now() });
      if (!killTimer) {
        clearTimeout(noReceipt);
        killTimer = setTimeout(killNow, killAfterMs);
      }
    }
  };

  await Promise.all(Array.from({ length: concurrency }, worker));
  clearTimeout(noReceipt);
  clearTimeout(killTimer);
  const exit = await server.exited;
  if (failure) throw failure;
  assert.equal(exit.signal, 'SIGKILL', `run ${run}: the server should have died of SIGKILL, not ${exit.code}/${exit.signal}`);
  for (const a of acknowledged) {
    assert.match(a.receipt, /^\d{20}$/);
    a.beforeKillMs = Math.round(killedAt - a.at);
  }
  return { acknowledged, unanswered, inFlightAtKill };
}

async function followUpStatus(base: string, receipt: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}/api/v1/follow-up`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ receipt }),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, text: await response.text() };
}

/** Runs `work` on every item, `concurrency` at a time; the first failure is thrown once all have settled. */
async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Copies the migrated PGlite data directory scripts/test.mjs prepared, if any; else the first start creates one. */
function seedPgliteDataDir(dataDir: string): void {
  const dump = process.env.HIFAZAT_TEST_PGLITE_DUMP;
  if (!dump) return;
  const target = join(dataDir, 'pglite');
  mkdirSync(target, { recursive: true });
  const tar = spawnSync('tar', ['-xzf', dump, '-C', target], { stdio: 'ignore' });
  if (tar.status !== 0) rmSync(target, { recursive: true, force: true });
}

forEachEngine('durability: the server killed with SIGKILL during submissions', (engine: Engine) => {
  let workDir: string;
  let postgres: (Database & { url?: string }) | undefined;
  let current: ServerProcess | undefined;

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), `hifazat-durability-${engine}-`));
    if (engine === 'postgres') postgres = await testDatabase('postgres');
    else seedPgliteDataDir(join(workDir, 'data'));
  });

  after(async () => {
    if (current) await kill(current);
    await postgres?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  test(
    `every receipt handed out survives ${killsUnderLoad} kills, and the server comes back each time`,
    { timeout: 600_000 },
    async (t) => {
      const began = performance.now();
      const dataDir = join(workDir, 'data');
      const keyFile = join(workDir, 'data.key');
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        DATA_DIR: dataDir,
        HIFAZAT_KEY_FILE: keyFile,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        CLIENT_UNVERIFIED_REPORTS_PER_HOUR: '1000000',
        CLIENT_FOLLOW_UPS_PER_TEN_MINUTES: '1000000',
        CLIENT_REPORTS_PER_HOUR: '1000000',
        ...(engine === 'postgres' ? { DATABASE_URL: postgres!.url } : {}),
      };

      const acknowledged: Acknowledged[] = [];
      const startupMs: number[] = [];
      const inFlightAtKills: number[] = [];
      let retried = 0;
      let replayed = 0;
      let followUps = 0;
      let startupKills = 0;
      const spent = { starting: 0, submitting: 0, checking: 0, database: 0 };
      const startupKillRuns = new Set(
        Array.from({ length: killsDuringStartup }, (_, i) => Math.round(((i + 1) * killsUnderLoad) / (killsDuringStartup + 1)) + 1),
      );

      /** Starts the server; `previousPid` is the killed owner of the data-dir lock, if any. */
      const startAndWait = async (what: string, previousPid: number | undefined): Promise<ServerProcess> => {
        const startedAt = performance.now();
        current = startServerProcess(env);
        startupMs.push(await waitReady(current, base, startedAt, what));
        if (engine === 'pglite') {
          assert.equal(await lockHolder(dataDir), current.pid, `${what}: the new process holds the data-dir lock`);
          if (previousPid !== undefined) assert.notEqual(current.pid, previousPid);
        }
        return current;
      };

      let pending: Unanswered[] = [];
      let lastRun: (Acknowledged & { at: number })[] = [];
      let previousPid: number | undefined;

      for (let run = 1; run <= killsUnderLoad + 1; run++) {
        const restart = run === 1 ? 'first start' : `restart after kill #${run - 1}`;
        let mark = performance.now();

        if (startupKillRuns.has(run)) {
          // Kill it again before it is ready: recovery and start-up must survive being interrupted too.
          const typicalStart = median(startupMs);
          const early = startServerProcess(env);
          current = early;
          await sleep(randomInt(0, Math.max(1, Math.round(typicalStart))));
          await kill(early);
          startupKills++;
          previousPid = early.pid;
        }

        const server = await startAndWait(restart, previousPid);
        spent.starting += performance.now() - mark;
        mark = performance.now();

        // The unanswered submissions of the last run, retried with the same key: one report each.
        await inParallel(pending, async (u) => {
          const response = await postReport(base, u.body, u.key);
          const text = await response.text();
          assert.ok(
            response.status === 200 || response.status === 201,
            `a submission left unanswered by kill #${u.run}, retried with its Idempotency-Key after the ${restart}, ` +
              `got ${response.status}: ${text}\n${server.output()}`,
          );
          const { receipt } = JSON.parse(text) as { receipt: string };
          retried++;
          if (response.status === 200) replayed++;
          acknowledged.push({ receipt, run, how: response.status === 200 ? 'replayed on retry' : 'created on retry', beforeKillMs: 0 });
        });

        // The receipts at risk: the last ones received before the kill.
        const atRisk = [...lastRun].sort((a, b) => a.beforeKillMs - b.beforeKillMs).slice(0, followUpChecksPerStart);
        await inParallel(atRisk, async (a) => {
          const { status, text } = await followUpStatus(base, a.receipt);
          followUps++;
          assert.equal(
            status,
            200,
            `receipt ${a.receipt}, received (201) in run ${a.run} ${a.beforeKillMs} ms before kill #${a.run}, ` +
              `was not found after the ${restart}: ${status} ${text}`,
          );
        });

        spent.checking += performance.now() - mark;

        if (run > killsUnderLoad) {
          // Last lifetime: stop cleanly (SIGTERM), which must release the lock.
          server.child.kill('SIGTERM');
          const exit = await server.exited;
          assert.equal(exit.code, 0, `clean stop after the last restart: exit ${exit.code}/${exit.signal}\n${server.output()}`);
          if (engine === 'pglite') assert.equal(await lockHolder(dataDir), undefined, 'a clean stop releases the data-dir lock');
          break;
        }

        mark = performance.now();
        const result = await submitUntilKilled(server, base, run, randomInt(killDelayMs.min, killDelayMs.max));
        spent.submitting += performance.now() - mark;
        inFlightAtKills.push(result.inFlightAtKill);
        if (engine === 'pglite') {
          assert.equal(await lockHolder(dataDir), undefined, `kill #${run}: the dead process's lock went with it`);
        }
        previousPid = server.pid;
        lastRun = result.acknowledged;
        pending = result.unanswered;
        acknowledged.push(...result.acknowledged.map(({ at: _at, ...a }) => a));
      }
      current = undefined;

      // Every receipt ever handed out, looked up in the database by its keyed hash.
      const checkStarted = performance.now();
      const keyring = new Keyring(loadOrCreateDataKey(keyFile, { create: false }));
      const database = postgres ?? (await openDatabase({ engine: 'pglite', dataDir: join(dataDir, 'pglite') }));
      try {
        const found = new Set<string>();
        for (let i = 0; i < acknowledged.length; i += 1000) {
          const hashes = acknowledged.slice(i, i + 1000).map((a) => keyring.mac('receipt-lookup', a.receipt));
          const rows = await database.db
            .select({ receiptHash: reports.receiptHash })
            .from(reports)
            .where(inArray(reports.receiptHash, hashes));
          for (const row of rows) found.add(row.receiptHash.toString('hex'));
        }
        const lost = acknowledged.filter((a) => !found.has(keyring.mac('receipt-lookup', a.receipt).toString('hex')));
        assert.deepEqual(
          lost.map(
            (a) =>
              `receipt ${a.receipt} (${a.how} in run ${a.run}` +
              (a.how === 'created' ? `, ${a.beforeKillMs} ms before kill #${a.run})` : `, after kill #${a.run - 1})`),
          ),
          [],
          `receipts lost (of ${acknowledged.length})`,
        );
        const distinct = new Set(acknowledged.map((a) => a.receipt));
        assert.equal(distinct.size, acknowledged.length, 'every receipt is different');
        const [stored] = await database.db.select({ n: count() }).from(reports);
        assert.equal(
          stored!.n,
          acknowledged.length,
          'exactly one report per receipt: retries created no duplicates, and no committed report went unanswered',
        );
      } finally {
        if (!postgres) await database.close();
      }
      spent.database = performance.now() - checkStarted;

      const kills = inFlightAtKills.length + startupKills;
      assert.ok(inFlightAtKills.length >= killsUnderLoad, `${inFlightAtKills.length} kills under load`);
      t.diagnostic(
        `${engine}: ${kills} kills (${inFlightAtKills.length} under load with ${median(inFlightAtKills)} requests in flight (median), ` +
          `${startupKills} during start-up); ${acknowledged.length} receipts checked in the database, ${followUps} by follow-up; ` +
          `${retried} unanswered submissions retried (${replayed} had been committed); ` +
          `start to ready: median ${Math.round(median(startupMs))} ms, max ${Math.round(Math.max(...startupMs))} ms; ` +
          `total ${((performance.now() - began) / 1000).toFixed(1)} s (starting ${seconds(spent.starting)}, ` +
          `submitting ${seconds(spent.submitting)}, retries and follow-ups ${seconds(spent.checking)}, ` +
          `database check ${seconds(spent.database)})`,
      );
    },
  );
});
