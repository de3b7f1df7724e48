/**
 * `hifazat backup` and `hifazat restore` on both engines, run as an operator runs them: every
 * report, case, message and audit entry comes back and the audit chain verifies; a backup taken
 * while reports are being written (through a running server, which on the embedded engine takes
 * the backup itself over its control channel) restores to a consistent state; a restore refuses
 * a target that is not empty and a key file that is not the backup's.
 */
import assert from 'node:assert/strict';
import { spawn, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { commandLine } from '../../src/domain/actor.ts';
import { reportContexts } from '../../src/domain/encryption-contexts.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { openStorage, type Opened } from '../../src/main.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import type { Database } from '../../src/store/database.ts';
import { testClient } from '../helpers/app.ts';
import { forEachEngine, type Engine } from '../helpers/database.ts';
import { formEncode } from '../helpers/forms.ts';
import { scratchDatabase, withClient } from '../helpers/postgres.ts';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { createStaff } from '../helpers/staff.ts';

const bin = new URL('../../bin/hifazat.mjs', import.meta.url).pathname;
type Env = Record<string, string>;

/** Runs `hifazat ARGS` to its end, as an operator (or cron) does. */
function hifazat(args: string[], env: Env): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const options: SpawnOptions = { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] };
  const child = spawn(process.execPath, [bin, ...args], options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

async function withStorage<T>(env: Env, work: (storage: Opened, services: Services) => Promise<T>): Promise<T> {
  const storage = await openStorage(loadConfig({ LOG_LEVEL: 'warn', ...env }));
  try {
    return await work(storage, createServices(storage.database, storage.keyring));
  } finally {
    await storage.close();
  }
}

/** What a restore must bring back, as stored (ciphertexts included, so the content is compared too). */
function contents(database: Database) {
  return database.rawTransaction(async (raw) => ({
    reports: await raw.query<{ id: string; case_id: string; sensitive: string }>(
      "SELECT id::text, case_id::text, encode(sensitive, 'hex') AS sensitive FROM reports ORDER BY id",
    ),
    cases: await raw.query('SELECT id::text, reference, state FROM cases ORDER BY id'),
    incidents: await raw.query('SELECT case_id::text FROM incident_records WHERE case_id IS NOT NULL ORDER BY case_id'),
    messages: await raw.query<{ report_id: string; author: 'reporter' | 'staff'; body: string }>(
      "SELECT report_id::text, author, encode(body, 'hex') AS body FROM report_messages ORDER BY id",
    ),
    audit: await raw.query<{ seq: string; action: string; hash: string }>(
      "SELECT seq::text, action, encode(hash, 'hex') AS hash FROM audit_log ORDER BY seq",
    ),
  }));
}

const relationCount = (url: string) =>
  withClient(url, async (client) =>
    Number((await client.query("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")).rows[0].count),
  );

forEachEngine('backup and restore', (engine: Engine) => {
  let work: string;
  const drops: Array<() => Promise<void>> = [];
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'hifazat-backup-'));
  });
  after(async () => {
    for (const drop of drops) await drop();
    rmSync(work, { recursive: true, force: true });
  });

  /**
   * A fresh installation: its own DATA_DIR, a key file outside it (shared by the installations of
   * one test unless given, as an operator restores with the key kept apart), and on PostgreSQL a
   * new empty database.
   */
  async function installation(name: string, keyFile = join(work, 'data.key')): Promise<Env> {
    const env: Env = { DATA_DIR: join(work, name), HIFAZAT_KEY_FILE: keyFile };
    if (engine === 'postgres') {
      const scratch = await scratchDatabase(process.env.TEST_DATABASE_URL!, 'hifazat_test_backup');
      drops.push(scratch.drop);
      env.DATABASE_URL = scratch.url;
    }
    return env;
  }

  test('every report, case, message and audit entry comes back, and the audit log verifies', async () => {
    const source = await installation('source');
    const before = await withStorage(source, async (storage, services) => {
      const supervisor = await createStaff(storage.database, 'supervisor');
      await services.staff.invite(commandLine, { email: 'analyst@hotline.example.org', displayName: 'Analyst', role: 'analyst' });
      for (let i = 0; i < 3; i++) {
        const input = reportInputSchema(pakistanToday()).parse({
          language: 'en',
          kind: 'abuse',
          description: `Report ${i}: a neighbour hurts the child next door.`,
        });
        const { receipt } = await services.reports.submit(input, { source: 'api', client: testClient });
        const [report] = await storage.database.rawTransaction((raw) =>
          raw.query<{ id: string }>('SELECT id::text FROM reports ORDER BY created_at DESC, id LIMIT 1'),
        );
        await services.cases.viewReport(supervisor, report!.id);
        await services.cases.askReporter(supervisor, report!.id, `Which school, ${i}?`);
        await services.followUp.addReporterMessage(receipt, `The one near the park (${i}).`, testClient);
      }
      return contents(storage.database);
    });
    assert.equal(before.reports.length, 3);
    assert.equal(before.messages.length, 6);
    assert.ok(before.audit.length >= 7, 'an invitation, and a view and a message per report');

    if (engine === 'pglite') {
      const nothing = await hifazat(['backup', join(work, 'nothing.backup')], await installation('empty'));
      assert.equal(nothing.status, 1);
      assert.match(nothing.stderr, /There is no database in .*empty: nothing to back up/);
    }
    const file = join(work, 'first.backup');
    const backup = await hifazat(['backup', file], source);
    assert.equal(backup.status, 0, backup.stderr);
    assert.match(backup.stdout, new RegExp(`^Backup written to ${file} \\(`));
    assert.ok(
      backup.stdout.includes(`The data key file (${source.HIFAZAT_KEY_FILE}) is NOT in the backup.`) &&
        backup.stdout.includes('a backup without its key is unreadable'),
      backup.stdout,
    );

    const target = await installation('target');
    const restore = await hifazat(['restore', file], target);
    assert.equal(restore.status, 0, restore.stderr);
    assert.match(restore.stdout, /Audit log intact: \d+ entries checked; the restore is recorded in it/);

    await withStorage(target, async (storage, services) => {
      const restored = await contents(storage.database);
      assert.deepEqual(
        { ...restored, audit: restored.audit.slice(0, before.audit.length) },
        before,
        'everything, byte for byte, and the audit log up to the backup',
      );
      assert.deepEqual(
        restored.audit.slice(before.audit.length).map((entry) => entry.action),
        ['backup.restore'],
        'then the restore, recorded by the command line',
      );
      assert.equal((await services.audit.list({ limit: 1 }))[0]!.actor, 'cli');
      assert.equal((await services.audit.verify()).ok, true);
      const message = restored.messages.find((m) => m.author === 'reporter')!;
      assert.match(
        storage.keyring.decrypt(Buffer.from(message.body, 'hex'), reportContexts.message(message.report_id, 'reporter')),
        /^The one near the park \(\d\)\.$/,
      );
    });
    // The source recorded that it was copied, after the copy.
    await withStorage(source, async (_storage, services) => {
      assert.equal((await services.audit.list({ limit: 1 }))[0]!.action, 'backup.create');
    });

    // A second restore into the same target refuses, and leaves it as it was.
    const again = await hifazat(['restore', file], target);
    assert.equal(again.status, 1);
    assert.match(
      again.stderr,
      engine === 'pglite'
        ? /pglite already holds a database: a restore does not overwrite one\. .* Nothing was restored\./
        : /The database of DATABASE_URL is not empty \(\d+ tables, sequences or views\): restore into a new, empty database, or give --force .* Nothing was restored\./,
    );
    if (engine === 'postgres') {
      // Told to, it restores over it: the backup's content, and one restore entry after it.
      const forced = await hifazat(['restore', file, '--force'], target);
      assert.equal(forced.status, 0, forced.stderr);
      await withStorage(target, async (storage) => {
        const restored = await contents(storage.database);
        assert.deepEqual({ ...restored, audit: restored.audit.slice(0, before.audit.length) }, before);
        assert.deepEqual(
          restored.audit.slice(before.audit.length).map((entry) => entry.action),
          ['backup.restore'],
        );
      });
    }

    // Another installation's key opens nothing: refused before anything is written.
    const otherKey = join(work, 'other.key');
    writeFileSync(otherKey, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const stranger = await installation('stranger', otherKey);
    const wrongKey = await hifazat(['restore', file], stranger);
    assert.equal(wrongKey.status, 1);
    assert.equal(
      wrongKey.stderr.trim(),
      `The data key file ${otherKey} does not decrypt this backup: it is not the key the data was encrypted with. Put the key file that was kept with this backup at HIFAZAT_KEY_FILE (or DATA_DIR/data.key) and run the restore again. Nothing was restored.`,
    );
    assert.ok(!existsSync(join(stranger.DATA_DIR!, 'pglite')));
    // No key file at all: refused, and no new key is made up.
    const keyless = await installation('keyless', join(work, 'missing.key'));
    const noKey = await hifazat(['restore', file], keyless);
    assert.equal(noKey.status, 1);
    assert.match(noKey.stderr, /A restore needs the data key file kept with the backup, at .*missing\.key/);
    assert.ok(!existsSync(join(work, 'missing.key')));

    const notABackup = join(work, 'not-a-backup');
    writeFileSync(notABackup, 'hello\nworld\n');
    const wrongFile = await hifazat(['restore', notABackup], await installation('other'));
    assert.equal(wrongFile.status, 1);
    assert.match(wrongFile.stderr, /is not a Hifazat backup/);

    // A backup cut short fails whole: the target is left empty, ready for another try.
    const cut = join(work, 'cut.backup');
    writeFileSync(cut, readFileSync(file).subarray(0, Math.floor(statSync(file).size / 2)));
    const truncated = await installation('truncated');
    const fromCut = await hifazat(['restore', cut], truncated);
    assert.equal(fromCut.status, 1);
    if (engine === 'pglite') {
      assert.match(fromCut.stderr, /could not be restored: it is damaged or incomplete\. Nothing was restored\./);
      assert.ok(!existsSync(join(truncated.DATA_DIR!, 'pglite')));
    } else {
      assert.match(fromCut.stderr, /^pg_restore failed/);
      assert.equal(await relationCount(truncated.DATABASE_URL!), 0, 'one transaction: nothing restored');
    }
    const whole = await hifazat(['restore', file], truncated);
    assert.equal(whole.status, 0, whole.stderr);
  });

  test('a backup taken while reports are written restores to a consistent state', { timeout: 240_000 }, async () => {
    const source = await installation('busy');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server: ServerProcess = startServerProcess({
      ...process.env,
      ...source,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      CLIENT_UNVERIFIED_REPORTS_PER_HOUR: '100000',
    });
    let stopping = false;
    let acknowledged = 0;
    let sent = 0;
    let signInsRefused = 0;
    try {
      for (let waited = 0; !server.output().includes('running at'); waited += 100) {
        if (server.hasExited() || waited > 60_000) throw new Error(`the server did not start:\n${server.output()}`);
        await sleep(100);
      }
      // Four writers of reports, and refused sign-ins (each an audit entry, appended in a transaction of its own).
      const writer = async () => {
        while (!stopping) {
          sent++;
          const response = await fetch(`${base}/api/v1/reports`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ kind: 'abuse', language: 'en', description: `Report number ${sent}.` }),
          });
          assert.equal(response.status, 201, await response.text());
          acknowledged++;
        }
      };
      const signIns = async () => {
        for (let i = 0; !stopping; i++) {
          const page = await fetch(`${base}/console/en/sign-in`);
          const cookie = page.headers
            .getSetCookie()
            .map((c) => c.split(';')[0])
            .join('; ');
          const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
          const response = await fetch(`${base}/console/en/sign-in`, {
            method: 'POST',
            redirect: 'manual',
            headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
            body: formEncode({
              email: `nobody-${i}@hotline.example.org`,
              password: 'not the password at all',
              code: '123456',
              _csrf: token,
            }),
          });
          await response.arrayBuffer();
          if (response.status === 401) signInsRefused++;
        }
      };
      const writing = [writer(), writer(), writer(), writer(), signIns()];
      while (acknowledged < 20 || signInsRefused < 2) await sleep(20);

      const atLeast = acknowledged;
      const backup = await hifazat(['backup', join(work, 'busy.backup')], source);
      const atMost = sent;
      const afterBackup = acknowledged;
      while (acknowledged < afterBackup + 5) await sleep(20);
      stopping = true;
      await Promise.all(writing);
      assert.equal(backup.status, 0, backup.stderr);
      if (engine === 'pglite') {
        // The server holds the data directory: it took the backup and sent it over the control channel.
        assert.match(backup.stdout, new RegExp(`taken by the running server \\(PID ${server.pid}\\)`));
      }

      const target = await installation('busy-restored');
      const restore = await hifazat(['restore', join(work, 'busy.backup')], target);
      assert.equal(restore.status, 0, restore.stderr);
      await withStorage(target, async (storage, services) => {
        const restored = await contents(storage.database);
        assert.ok(
          restored.reports.length >= atLeast && restored.reports.length <= atMost,
          `${restored.reports.length} reports restored: between the ${atLeast} stored before the backup and the ${atMost} sent before it ended`,
        );
        assert.ok(restored.reports.length < acknowledged, 'the reports stored after the backup are not in it');
        // Every report whole: its case, its incident record, its content readable.
        const caseIds = new Set(restored.cases.map((c) => (c as { id: string }).id));
        const incidentCaseIds = new Set(restored.incidents.map((i) => (i as { case_id: string }).case_id));
        for (const report of restored.reports) {
          assert.ok(caseIds.has(report.case_id) && incidentCaseIds.has(report.case_id), `report ${report.id} has its case and record`);
          assert.match(
            storage.keyring.decrypt(Buffer.from(report.sensitive, 'hex'), reportContexts.sensitive(report.id)),
            /Report number \d+\./,
          );
        }
        const verification = await services.audit.verify();
        assert.equal(verification.ok, true);
        assert.ok(restored.audit.filter((entry) => entry.action === 'sign_in.failed').length >= 2);
      });
    } finally {
      stopping = true;
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
