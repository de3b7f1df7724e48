import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { eq, like } from 'drizzle-orm';
import { commandLine } from '../../src/domain/actor.ts';
import * as encryptionContexts from '../../src/domain/encryption-contexts.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { keyRotation } from '../../src/main.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import type { RotationProgress } from '../../src/services/key-rotation.ts';
import { Keyring, loadOrCreateDataKey } from '../../src/services/keys.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { encryptedColumns } from '../../src/store/key-rotation.ts';
import { auditLog, reports } from '../../src/store/schema.ts';
import { forEachEngine, testDatabase } from '../helpers/database.ts';
import { freePort, startServerProcess } from '../helpers/server-process.ts';
import { createStaffTeam, type StaffTeam } from '../helpers/staff.ts';

const bin = new URL('../../bin/hifazat.mjs', import.meta.url).pathname;

/** Runs the command line to its end (asynchronously: the test's own timers go on). */
function hifazat(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const budgets = { reportsPerHour: 1_000_000, unverifiedReportsPerHour: 1_000_000, followUpsPerTenMinutes: 1_000_000 };
const nccia = '00000000-0000-4000-8000-00000000cc1a';
const checkIntervalMs = 100;
const client = { address: '127.0.0.1' };

/**
 * The bytea columns that hold keyed hashes (HMAC or SHA-256), not ciphertexts: they stay as they
 * are in a rotation. A new bytea column must be put on this list or on store/key-rotation.ts's.
 */
const keyedHashColumns = [
  'api_keys.key_hash',
  'audit_log.hash',
  'audit_log.prev_hash',
  'client_throttles.subject',
  'idempotency_keys.key_hash',
  'idempotency_keys.request_hash',
  'report_urls.url_hash',
  'reports.details_token_hash',
  'reports.receipt_hash',
  'spent_challenges.signature_hash',
  'staff_recovery_codes.code_hash',
  'staff_sessions.id_hash',
  'staff_users.enrolment_token_hash',
];

/**
 * Contexts of values sealed outside the database, which a rotation does not reach: a backup's key
 * check is sealed under the key of its day, and opens with the key file of that day (kept, retired).
 */
const notInDatabase = ['backupContexts'];

forEachEngine('data key rotation', (engine) => {
  let database: Database;
  let dir: string;
  let keyFile: string;
  /** This process's keys, and another process's (sharing the key file). */
  let keyring: Keyring;
  let otherKeyring: Keyring;
  let services: Services;
  let otherServices: Services;
  let staff: StaffTeam;

  beforeEach(async () => {
    database = await testDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'hifazat-rotation-'));
    keyFile = join(dir, 'data.key');
    keyring = Keyring.fromFile(keyFile, { create: true, checkIntervalMs });
    otherKeyring = Keyring.fromFile(keyFile, { create: false, checkIntervalMs });
    services = createServices(database, keyring, budgets);
    otherServices = createServices(database, otherKeyring, budgets);
    staff = await createStaffTeam(database);
  });
  afterEach(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const inputOf = (n: number) =>
    reportInputSchema(pakistanToday()).parse({
      language: 'en',
      kind: n % 2 ? 'abuse' : 'online_material',
      description: `report ${n}: a neighbour hurts the child next door`,
      site: n % 2 ? undefined : `site ${n}`,
      urls: n % 2 ? [] : [`https://example.com/${n}/a`, `https://example.com/${n}/b`],
      district: n % 3 ? 'Lahore' : `Village ${n}`,
      province: 'punjab',
      contact: { phone: `0300 12345${String(n).padStart(2, '0')}`, consent: true },
    });

  async function submit(on: Services, n: number, idempotencyKey?: string) {
    const { receipt } = await on.reports.submit(inputOf(n), { source: 'api', idempotencyKey, client });
    const [row] = await database.db
      .select({ id: reports.id, caseId: reports.caseId })
      .from(reports)
      .where(eq(reports.receiptHash, keyring.mac('receipt-lookup', receipt)));
    return { n, receipt, idempotencyKey, reportId: row!.id, caseId: row!.caseId };
  }

  /** Reports with contact details, links, typed districts, messages both ways, notes, referrals; a TOTP secret. */
  async function seed(count: number) {
    const seeded = [];
    for (let n = 0; n < count; n++) {
      const report = await submit(services, n, n % 4 === 0 ? `key-${n}` : undefined);
      await services.followUp.addStaffMessage(report.reportId, `question ${n}`, staff.supervisor.id);
      await services.followUp.addReporterMessage(report.receipt, `answer ${n}`, client);
      await services.cases.addNote(staff.supervisor, report.caseId, `note ${n}`);
      await services.cases.addReferral(staff.supervisor, report.caseId, {
        agencyId: nccia,
        referredAt: new Date(),
        method: 'portal',
        firStatus: 'pending',
        notes: `referral ${n}`,
      });
      await services.cases.recordChecklistItem(staff.supervisor, report.caseId, { item: 'interpreter', done: true, note: `court ${n}` });
      seeded.push(report);
    }
    const { enrolmentToken } = await services.staff.invite(commandLine, {
      email: 'new.analyst@hotline.example.org',
      displayName: 'New',
      role: 'analyst',
    });
    const { secret } = await services.staff.beginEnrolment(enrolmentToken);
    return { seeded, enrolment: { enrolmentToken, secret } };
  }

  /** What staff and the reporter read of a report: every encrypted field of it, decrypted. */
  async function readBack(report: { n: number; reportId: string; caseId: string; receipt: string }) {
    const view = await services.cases.viewReport(staff.supervisor, report.reportId);
    assert.equal(view.description, `report ${report.n}: a neighbour hurts the child next door`);
    if (report.n % 2 === 0) {
      assert.equal(view.site, `site ${report.n}`);
      assert.deepEqual(
        view.urls.map((u) => u.defanged),
        [`hxxps://example[.]com/${report.n}/a`, `hxxps://example[.]com/${report.n}/b`],
      );
    }
    assert.equal(view.district, report.n % 3 ? 'Lahore' : `Village ${report.n}`);
    assert.equal(
      (await services.cases.revealContact(staff.supervisor, report.reportId))!.phone,
      `0300 12345${String(report.n).padStart(2, '0')}`,
    );
    return (await services.followUp.view(report.receipt, client)).messages.map((m) => m.body);
  }

  test('every encrypted bytea column is rotated; every other one is a keyed hash', async () => {
    const rows = await database.db.execute<{ name: string }>(
      "SELECT table_name || '.' || column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND data_type = 'bytea' ORDER BY 1",
    );
    const found = (rows as unknown as { rows: { name: string }[] }).rows.map((r) => r.name);
    assert.deepEqual(found, [...Object.keys(encryptedColumns), ...keyedHashColumns].sort());

    // Every context the services seal with is one services/key-rotation.ts rebuilds.
    const rotation = readFileSync(new URL('../../src/services/key-rotation.ts', import.meta.url), 'utf8');
    const contexts = Object.entries(encryptionContexts).filter(([name]) => name.endsWith('Contexts') && !notInDatabase.includes(name));
    assert.deepEqual(contexts.map(([name]) => name).sort(), ['caseContexts', 'reportContexts', 'staffContexts']);
    for (const [name, functions] of contexts) {
      for (const key of Object.keys(functions)) assert.ok(rotation.includes(`${name}.${key}(`), `${name}.${key} is not rotated`);
    }
    const src = new URL('../../src/', import.meta.url).pathname;
    let calls = 0;
    for (const path of readdirSync(src, { recursive: true, encoding: 'utf8' }).filter(
      (p) => p.endsWith('.ts') && !p.endsWith('.test.ts'),
    )) {
      const text = readFileSync(join(src, path), 'utf8');
      for (const match of text.matchAll(/\.encrypt\(/g)) {
        // The call's arguments, to its closing parenthesis.
        let depth = 1;
        let end = match.index + match[0].length;
        for (; depth > 0; end++) depth += text[end] === '(' ? 1 : text[end] === ')' ? -1 : 0;
        const call = text.slice(match.index, end);
        // The Keyring itself, and the rotation (which re-seals with the context it rebuilt).
        if (path.endsWith('services/keys.ts') || path.endsWith('services/key-rotation.ts')) continue;
        calls++;
        assert.match(
          call,
          /\b((reportContexts|caseContexts|staffContexts)\.\w+\(|backupContexts\.)/,
          `${path}: ${call} seals with a context rotation does not know`,
        );
      }
    }
    assert.ok(calls >= 10, `the scan found the services' encrypt calls (${calls})`);
  });

  test('rotating while reports and messages arrive: every field stays readable, nothing is left under the old key', async () => {
    const { seeded, enrolment } = await seed(12);
    const [oldContact] = await database.db.select({ id: reports.id, contact: reports.contact }).from(reports).limit(1);
    const rotation = keyRotation({ database, keyring }, keyFile);
    const before = await rotation.status();
    assert.deepEqual(before.keyIds, [1]);
    assert.deepEqual([...new Set(before.counts.map((c) => c.keyId))], [1]);
    assert.deepEqual(
      [...new Set(before.counts.map((c) => c.column))].sort(),
      Object.keys(encryptedColumns).sort(),
      'the seed puts a value in every encrypted column',
    );

    // Another process keeps taking reports and messages throughout.
    let stop = false;
    const arrived: Awaited<ReturnType<typeof submit>>[] = [];
    const writer = (async () => {
      for (let n = 100; !stop; n++) {
        const report = await submit(otherServices, n, n % 2 ? `key-${n}` : undefined);
        await otherServices.followUp.addReporterMessage(report.receipt, `answer ${n}`, client);
        arrived.push(report);
        // PGlite answers in this thread without I/O: without a turn of the event loop here, the rotation's timers never run.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    const progress: RotationProgress[] = [];
    const result = await rotation.rotate(commandLine, (p) => progress.push(p), { batchSize: 5 });
    stop = true;
    await writer;
    assert.ok(arrived.length > 0, 'reports arrived during the rotation');

    assert.equal(result.keyId, 2);
    assert.deepEqual(result.retiredKeyIds, [1]);
    assert.equal(result.resumed, false);
    assert.deepEqual(progress[0], { step: 'key_added', keyId: 2, oldKeyIds: [1] });
    assert.deepEqual(progress[1], { step: 'waiting', ms: 2 * checkIntervalMs });
    assert.ok(progress.filter((p) => p.step === 'batch').length > 10, 'in batches');
    assert.deepEqual(progress.filter((p) => p.step === 'pass').at(-1), { step: 'pass', pass: result.passes, found: 0 });
    assert.ok(result.reencrypted['reports.sensitive'] >= 12);

    const after = await rotation.status();
    assert.deepEqual(after.keyIds, [2]);
    assert.deepEqual(
      after.counts.filter((c) => c.keyId !== 2),
      [],
      'nothing under the old key',
    );
    assert.equal(readdirSync(dir).filter((f) => f.startsWith('data.key.retired-')).length, 1);
    assert.equal(existsSync(`${keyFile}.rotating`), false);

    // Reports written during the rotation and before it: all readable, by this process and the other.
    for (const report of [...seeded, ...arrived]) {
      const messages = await readBack(report);
      assert.ok(messages.includes(`answer ${report.n}`));
      if (report.n < 100) assert.deepEqual(messages, [`question ${report.n}`, `answer ${report.n}`]);
      if (report.n < 100) {
        const { items } = await services.cases.courtChecklist(staff.supervisor, report.caseId);
        assert.equal(items.find((i) => i.item === 'interpreter')?.note, `court ${report.n}`);
      }
    }
    const replay = seeded.find((r) => r.idempotencyKey)!;
    assert.equal(
      (await services.reports.submit(inputOf(replay.n), { source: 'api', idempotencyKey: replay.idempotencyKey, client })).receipt,
      replay.receipt,
    );
    const caseView = await services.cases.viewCase(staff.supervisor, seeded[0]!.caseId);
    assert.deepEqual(
      caseView.notes.map((n) => n.body),
      ['note 0'],
    );
    assert.deepEqual(
      caseView.referrals.map((r) => r.notes),
      ['referral 0'],
    );
    assert.equal((await services.staff.beginEnrolment(enrolment.enrolmentToken)).secret, enrolment.secret);

    // The old key is gone: a value copied before the rotation no longer opens, in either process.
    const context = encryptionContexts.reportContexts.contact(oldContact!.id);
    assert.throws(() => keyring.decrypt(oldContact!.contact!, context), /encrypted under data key 1, which the key file does not hold/);
    await new Promise((resolve) => setTimeout(resolve, checkIntervalMs + 20));
    assert.throws(
      () => otherKeyring.decrypt(oldContact!.contact!, context),
      /data key 1/,
      'the other process dropped it within its interval',
    );
    // … except with the retired key file, for the backups taken before.
    const retired = new Keyring(loadOrCreateDataKey(result.retiredFile, { create: false }));
    assert.match(retired.decrypt(oldContact!.contact!, context), /0300 12345/);

    const entries = await database.db.select().from(auditLog).where(like(auditLog.action, 'data_key.%')).orderBy(auditLog.seq);
    assert.deepEqual(
      entries.map((e) => [e.action, e.actor, e.objectId]),
      [
        ['data_key.rotation_start', 'cli', '2'],
        ['data_key.rotation_finish', 'cli', '2'],
      ],
    );
    assert.deepEqual(entries[0]!.details, { oldKeyIds: [1], resumed: false });
    assert.equal(
      (entries[1]!.details as { reencrypted: number }).reencrypted,
      Object.values(result.reencrypted).reduce((a, b) => a + b),
    );
    assert.equal((await services.audit.verify()).ok, true, 'the audit chain is not rewritten');

    // A second rotation goes on from the new format.
    assert.equal((await rotation.rotate(commandLine, () => {}, { settleMs: 0 })).keyId, 3);
    assert.deepEqual([...new Set((await rotation.status()).counts.map((c) => c.keyId))], [3]);
  });

  test('an interrupted rotation continues where it stopped, without another key', async () => {
    const { seeded } = await seed(4);
    const rotation = keyRotation({ database, keyring }, keyFile);
    await assert.rejects(
      rotation.rotate(
        commandLine,
        (p) => {
          if (p.step === 'batch') throw new Error('interrupted after one batch');
        },
        { batchSize: 2, settleMs: 0 },
      ),
      /interrupted after one batch/,
    );
    const halfway = await rotation.status();
    assert.deepEqual(halfway.keyIds, [1, 2], 'the old key stays until the rotation is done');
    assert.ok(halfway.counts.some((c) => c.keyId === 1));
    assert.deepEqual(
      halfway.counts.filter((c) => c.keyId === 2),
      [{ column: 'reports.sensitive', keyId: 2, values: 2 }],
    );
    for (const report of seeded) await readBack(report);

    const result = await rotation.rotate(commandLine, () => {}, { batchSize: 2, settleMs: 0 });
    assert.equal(result.resumed, true);
    assert.equal(result.keyId, 2);
    assert.equal(result.reencrypted['reports.sensitive'], 2, 'only what was left');
    const done = await rotation.status();
    assert.deepEqual(done.keyIds, [2]);
    assert.deepEqual(
      done.counts.filter((c) => c.keyId !== 2),
      [],
    );
    for (const report of seeded) await readBack(report);
    const starts = await database.db.select().from(auditLog).where(eq(auditLog.action, 'data_key.rotation_start')).orderBy(auditLog.seq);
    assert.deepEqual(
      starts.map((e) => e.details),
      [
        { oldKeyIds: [1], resumed: false },
        { oldKeyIds: [1], resumed: true },
      ],
    );
  });

  test('hifazat key rotate beside a running server (on the embedded database, by the server itself)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hifazat-rotation-cli-'));
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...inherited, DATA_DIR: dataDir, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1' };
    if (engine === 'postgres') env.DATABASE_URL = (database as Database & { url?: string }).url;
    else if (process.env.HIFAZAT_TEST_PGLITE_DUMP) {
      const loadDataDir = new Blob([new Uint8Array(await readFile(process.env.HIFAZAT_TEST_PGLITE_DUMP))]);
      await (await openDatabase({ engine: 'pglite', dataDir: join(dataDir, 'pglite'), loadDataDir })).close();
    }
    const server = startServerProcess(env);
    const base = `http://127.0.0.1:${port}`;
    const post = async (path: string, body: unknown) =>
      (
        await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      ).json() as Promise<{
        receipt?: string;
        status?: string;
      }>;
    const report = {
      kind: 'abuse',
      language: 'en',
      description: 'told before the rotation',
      contact: { phone: '0300 1234567', consent: true },
    };
    try {
      for (const deadline = Date.now() + 40_000; Date.now() < deadline && !server.hasExited();) {
        if ((await fetch(`${base}/readyz`).catch(() => undefined))?.ok) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const { receipt } = await post('/api/v1/reports', report);
      assert.ok(receipt, server.output());

      const rotated = await hifazat(['key', 'rotate'], env);
      assert.equal(rotated.code, 0, rotated.stderr);
      if (engine === 'pglite') assert.match(rotated.stdout, new RegExp(`The running server \\(PID ${server.pid}\\) rotated the data key`));
      assert.match(rotated.stdout, /Added data key 2 to the key file/);
      assert.match(rotated.stdout, /Rotation done: 2 value\(s\) re-encrypted under data key 2 \(reports.sensitive 1, reports.contact 1\)/);
      assert.match(
        rotated.stdout,
        /WARNING: the key file as it was is kept at .*data\.key\.retired-\d{4}-\d{2}-\d{2}\. It is the only key/,
      );

      // The server reads the report under the new key, and writes new ones under it.
      assert.equal((await post('/api/v1/follow-up', { receipt })).status, 'received');
      assert.ok((await post('/api/v1/reports', { ...report, description: 'told after' })).receipt);
      const status = await hifazat(['key', 'status'], env);
      assert.equal(status.code, 0, status.stderr);
      assert.match(
        status.stdout,
        /data key 2 encrypts\.\nEncrypted values by key:\n {2}key 2: 4 \(reports\.sensitive 2, reports\.contact 2\)\n$/,
      );
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
