import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openStorage } from '../../src/main.ts';
import type { AuditHead } from '../../src/services/audit.ts';
import { createServices } from '../../src/services/index.ts';
import { AuditLogStore, type ChainedRow, type StoredChainedRow } from '../../src/store/audit-log.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { forEachEngine, testDatabase } from '../helpers/database.ts';
import { freePort, startServerProcess } from '../helpers/server-process.ts';

const bin = new URL('../../bin/hifazat.mjs', import.meta.url).pathname;

forEachEngine('anchoring the audit log head', (engine) => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let closeDatabase = async () => {};
  /** Runs `work` as the tables' owner could (on PostgreSQL the commands' role may not: least-privilege.test.ts). */
  let asOwner: <T>(work: (owner: Database) => Promise<T>) => Promise<T>;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hifazat-audit-head-'));
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    env = { ...inherited, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    if (engine === 'postgres') {
      // A migrated database of its own; the commands and the server reach it by its URL.
      const database = await testDatabase(engine);
      env.DATABASE_URL = database.url;
      closeDatabase = () => database.close();
      asOwner = (work) => database.asOwner(work);
    } else if (process.env.HIFAZAT_TEST_PGLITE_DUMP) {
      // Seeding the directory from the migrated tarball (scripts/test.mjs) saves a fresh initdb.
      const loadDataDir = new Blob([new Uint8Array(await readFile(process.env.HIFAZAT_TEST_PGLITE_DUMP))]);
      await (await openDatabase({ engine: 'pglite', dataDir: join(dataDir, 'pglite'), loadDataDir })).close();
    }
    if (engine === 'pglite') {
      // One superuser: the owner is whoever opens the directory (closed again before a command runs).
      asOwner = async (work) => {
        const storage = await openStorage(loadConfig(env));
        try {
          return await work(storage.database);
        } finally {
          await storage.close();
        }
      };
    }
  });
  after(async () => {
    await closeDatabase();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const hifazat = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 60_000 });

  /**
   * Opens storage as the commands do (closed again before a command runs, since the embedded
   * directory admits one process), appends `n` entries and returns the head AuditLog reads.
   */
  async function appendEntries(n: number): Promise<AuditHead | null> {
    const storage = await openStorage(loadConfig(env));
    try {
      const { audit } = createServices(storage.database, storage.keyring);
      for (let i = 0; i < n; i++) {
        await audit.appendNow({ actorId: null, actor: 'cli', action: 'report.view', objectType: 'report', objectId: `report-${i}` });
      }
      return await audit.head();
    } finally {
      await storage.close();
    }
  }

  test('audit head prints the newest entry as SEQ:HASH; verify --head catches the entries from it on cut off', async () => {
    const empty = hifazat('audit', 'head');
    assert.equal(empty.status, 0, empty.stderr);
    assert.equal(empty.stdout, 'The audit log is empty: no head to record yet.\n');

    const recorded = await appendEntries(3);
    assert.equal(recorded?.seq, 3);
    const printed = hifazat('audit', 'head');
    assert.equal(printed.status, 0, printed.stderr);
    assert.equal(printed.stdout, `3:${recorded!.hash}\n`, 'one line, the form verify --head takes');
    const anchor = printed.stdout.trim();
    const intact = hifazat('audit', 'verify', '--head', anchor);
    assert.equal(intact.status, 0, intact.stdout + intact.stderr);

    // Later entries continue the chain: the recorded head is still in it.
    const newer = await appendEntries(2);
    assert.equal(hifazat('audit', 'head').stdout, `5:${newer!.hash}\n`);
    const continued = hifazat('audit', 'verify', '--head', anchor);
    assert.equal(continued.status, 0, continued.stdout + continued.stderr);

    // The table's owner cuts the log off from the recorded head on: a shorter chain that verifies.
    await asOwner((owner) =>
      owner.rawTransaction(async (raw) => {
        await raw.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
        await raw.exec('DELETE FROM audit_log WHERE seq >= 3');
        await raw.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
      }),
    );
    assert.equal(hifazat('audit', 'verify').status, 0, 'from the database alone the cut is not seen');
    const cut = hifazat('audit', 'verify', '--head', anchor);
    assert.equal(cut.status, 1, cut.stdout + cut.stderr);
    assert.match(cut.stdout, /seq 3: recorded_head_missing/);
  });

  test('an attacker with the data key re-chains the log around a deleted entry: only the recorded head shows it', async () => {
    await appendEntries(5);
    // What the operator's cron (or the start log) sent off the machine.
    const recorded = hifazat('audit', 'head');
    assert.equal(recorded.status, 0, recorded.stderr);
    const anchor = recorded.stdout.trim();
    const [recordedSeq] = anchor.split(':').map(Number) as [number];

    // The attacker holds the data key and the owner's rights: reads the chain as it is hashed,
    // deletes one entry and hashes every later one again, renumbered, exactly as services/audit.ts does.
    const storage = await openStorage(loadConfig(env));
    const { keyring } = storage;
    const rows = await new AuditLogStore(storage.database).chainPage(undefined, 10_000);
    await storage.close();
    const victim = recordedSeq - 2;
    const canonical = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
      if (value === null || typeof value !== 'object') return JSON.stringify(value);
      const object = value as Record<string, unknown>;
      const keys = Object.keys(object).sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(object[key])}`).join(',')}}`;
    };
    const chainOn = (row: ChainedRow): StoredChainedRow => {
      const { seq, at, actorId, actor, action, objectType, objectId, details } = row;
      const content = { seq, at, actorId, actor, action, objectType, objectId, details, prevHash: row.prevHash.toString('hex') };
      return { ...row, hash: keyring.mac('audit-chain', canonical(content)) };
    };
    const forged: StoredChainedRow[] = [];
    let previous = rows.find((row) => row.seq === victim - 1)!.hash;
    for (const row of rows.filter((r) => r.seq > victim)) {
      const rechained = chainOn({ ...row, seq: row.seq - 1, prevHash: previous });
      forged.push(rechained);
      previous = rechained.hash;
    }
    const rewrite = (entries: StoredChainedRow[], from: number) =>
      asOwner((owner) =>
        owner.rawTransaction(async (raw) => {
          await raw.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
          await raw.query('DELETE FROM audit_log WHERE seq >= $1', [from]);
          for (const e of entries) {
            await raw.query(
              `INSERT INTO audit_log (seq, at, actor_id, actor, action, object_type, object_id, details, prev_hash, hash)
               VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8, $9, $10)`,
              [e.seq, e.at, e.actorId, e.actor, e.action, e.objectType, e.objectId, JSON.stringify(e.details), e.prevHash, e.hash],
            );
          }
          await raw.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
        }),
      );
    await rewrite(forged, victim);

    // From the database and the key alone, the forged chain is whole: why the head must be kept elsewhere.
    const alone = hifazat('audit', 'verify');
    assert.equal(alone.status, 0, alone.stdout + alone.stderr);
    assert.match(alone.stdout, new RegExp(`^Audit log intact: ${recordedSeq - 1} entries checked\\.`));

    const caught = hifazat('audit', 'verify', '--head', anchor);
    assert.equal(caught.status, 1, caught.stdout + caught.stderr);
    assert.equal(
      caught.stdout.split('\n').slice(0, 3).join('\n'),
      [
        `Audit log NOT intact: ${recordedSeq - 1} entries checked, 1 problem(s).`,
        `Head: seq ${recordedSeq - 1}, hash ${previous.toString('hex')}`,
        `  seq ${recordedSeq}: recorded_head_missing: the recorded head is no longer in the log (the log was truncated)`,
      ].join('\n'),
    );

    // Forging one more entry to fill the recorded seq again does not help: its hash is not the recorded one.
    const filler = chainOn({ ...forged.at(-1)!, seq: recordedSeq, prevHash: previous, details: { forged: true } });
    await rewrite([filler], recordedSeq);
    assert.equal(hifazat('audit', 'verify').status, 0, 'still whole from the database alone');
    const refilled = hifazat('audit', 'verify', '--head', anchor);
    assert.equal(refilled.status, 1, refilled.stdout + refilled.stderr);
    assert.match(refilled.stdout, /^Audit log NOT intact: \d+ entries checked, 1 problem\(s\)\./);
    assert.ok(
      refilled.stdout.includes(
        `  seq ${recordedSeq}: recorded_head_mismatch: the entry at the recorded head has another hash now (the log was rewritten)\n`,
      ),
      refilled.stdout,
    );
  });

  test('the server logs the head at info level when it starts, and audit head and verify answer while it runs', async () => {
    const head = await appendEntries(1);
    const port = await freePort();
    const server = startServerProcess({ ...env, LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1' });
    try {
      const deadline = Date.now() + 40_000;
      const logged = () =>
        server
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { level: number; msg?: string; auditHead?: unknown })
          .find((line) => line.msg === 'audit log head');
      while (!(logged() && server.output().includes('running at')) && !server.hasExited() && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const line = logged();
      assert.ok(line, server.output());
      assert.equal(line.level, 30, 'info');
      assert.deepEqual(line.auditHead, head);
      assert.deepEqual(
        Object.keys(line).sort(),
        ['auditHead', 'hostname', 'level', 'msg', 'pid', 'time'],
        'nothing but the head: no request data, nothing withheld',
      );

      // While the server runs, an operator's cron gets the same head: on the embedded database the
      // server holds the data directory, so the commands ask it (the control channel).
      const command = hifazat('audit', 'head');
      assert.equal(command.status, 0, command.stderr);
      assert.equal(command.stdout, `${head!.seq}:${head!.hash}\n`);
      const intact = hifazat('audit', 'verify', '--head', command.stdout.trim());
      assert.equal(intact.status, 0, intact.stderr);
      assert.match(intact.stdout, /^Audit log intact: \d+ entries checked\./);
      const rewritten = hifazat('audit', 'verify', '--head', `${head!.seq}:${'0'.repeat(64)}`);
      assert.equal(rewritten.status, 1, rewritten.stderr);
      assert.match(
        rewritten.stdout,
        new RegExp(`seq ${head!.seq}: recorded_head_mismatch: the entry at the recorded head has another hash now`),
      );
      assert.equal(server.hasExited(), false, 'the server still runs');
    } finally {
      server.child.kill('SIGTERM');
      assert.deepEqual(await server.exited, { code: 0, signal: null });
    }
  });
});
