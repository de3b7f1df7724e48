import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openStorage } from '../../src/main.ts';
import { AuditLog, type AuditEntry, type AuditHead } from '../../src/services/audit.ts';
import { Keyring } from '../../src/services/keys.ts';
import { AuditLogStore } from '../../src/store/audit-log.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { forEachEngine, testDatabase, type TestDatabase } from '../helpers/database.ts';

const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  actorId: null,
  actor: 'analyst@example.org',
  action: 'report.view',
  objectType: 'report',
  objectId: `report-${n}`,
  details: { n },
  ...extra,
});

/**
 * Runs SQL as the table's owner could: with the append-only trigger disabled, in one transaction.
 * On PostgreSQL the test's application role may not (least-privilege.test.ts): the owner does.
 */
function asOwner(
  database: Database | TestDatabase,
  work: (query: (text: string, params?: unknown[]) => Promise<unknown>) => Promise<void>,
) {
  const tamper = (owner: Database) =>
    owner.rawTransaction(async (raw) => {
      await raw.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await work((text, params) => raw.query(text, params));
      await raw.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    });
  return 'asOwner' in database ? database.asOwner(tamper) : tamper(database);
}

forEachEngine('audit log', (engine) => {
  let database: TestDatabase;
  let keyring: Keyring;
  let audit: AuditLog;

  before(async () => {
    database = await testDatabase(engine);
    keyring = new Keyring(randomBytes(32));
    audit = new AuditLog(new AuditLogStore(database), keyring);
  });
  after(() => database.close());

  /** An empty log, then `n` entries appended one after another; returns their heads. */
  async function chain(n: number): Promise<AuditHead[]> {
    await asOwner(database, (query) => query('DELETE FROM audit_log').then(() => {}));
    const heads: AuditHead[] = [];
    for (let i = 1; i <= n; i++) heads.push(await audit.appendNow(entry(i)));
    return heads;
  }

  test('appends form a dense chain from a zero hash, verify passes and list pages newest first', async () => {
    await chain(0);
    const staff = randomUUID();
    const first = await audit.appendNow({ actorId: null, actor: 'system', action: 'setting.change', details: {} });
    // Upper-case uuid, keys out of order, nesting, Urdu, numbers: all must hash as stored.
    await audit.appendNow({
      actorId: staff.toUpperCase(),
      actor: 'analyst@example.org',
      action: 'contact.reveal',
      objectType: 'report',
      objectId: 'r-1',
      details: { z: 1, a: { y: [3, 'دو', null], b: 1.5e-7 }, big: 2 ** 60, when: new Date(0), skipped: undefined },
    });
    const last = await audit.appendNow({ actorId: staff, actor: 'analyst@example.org', action: 'url.copy', objectId: 'r-1' });
    assert.deepEqual([first.seq, last.seq], [1, 3]);

    const [row] = await database.rawTransaction((raw) =>
      raw.query<{ prev: string }>("SELECT encode(prev_hash, 'hex') AS prev FROM audit_log WHERE seq = 1"),
    );
    assert.equal(row!.prev, '00'.repeat(32));

    assert.deepEqual(await audit.verify(), { ok: true, entries: 3, head: last });
    assert.deepEqual(await audit.verify({ pageSize: 1 }), { ok: true, entries: 3, head: last });

    const newest = await audit.list({ limit: 2 });
    assert.deepEqual(
      newest.map((e) => e.seq),
      [3, 2],
    );
    assert.equal(newest[0]!.hash, last.hash);
    assert.equal(newest[1]!.actorId, staff);
    assert.deepEqual(newest[1]!.details, { z: 1, a: { y: [3, 'دو', null], b: 1.5e-7 }, big: 2 ** 60, when: '1970-01-01T00:00:00.000Z' });
    assert.ok(newest[0]!.at instanceof Date && newest[0]!.at >= newest[1]!.at);
    assert.deepEqual(
      (await audit.list({ limit: 2, before: 2 })).map((e) => e.seq),
      [1],
    );
    assert.deepEqual(
      (await audit.list({ limit: 10, action: 'contact.reveal' })).map((e) => e.seq),
      [2],
    );
    assert.deepEqual(
      (await audit.list({ limit: 10, actorId: staff })).map((e) => e.seq),
      [3, 2],
    );
  });

  test('concurrent appends serialise into a dense, valid chain', async () => {
    await chain(0);
    const appends = Array.from({ length: 50 }, (_, i) => audit.appendNow(entry(i + 1)));
    // On PostgreSQL, a second pool stands in for a second process appending at the same time.
    const other = engine === 'postgres' ? await openDatabase({ engine: 'postgres', url: database.url!, poolSize: 5 }) : undefined;
    try {
      if (other) {
        const otherAudit = new AuditLog(new AuditLogStore(other), keyring);
        appends.push(...Array.from({ length: 20 }, (_, i) => otherAudit.appendNow(entry(100 + i))));
      }
      const seqs = (await Promise.all(appends)).map((h) => h.seq).sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: appends.length }, (_, i) => i + 1),
      );
    } finally {
      await other?.close();
    }
    const result = await audit.verify();
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.entries, appends.length);
  });

  test('the trigger refuses UPDATE, DELETE and TRUNCATE, even to the owner', async () => {
    await chain(2);
    for (const statement of [
      'UPDATE audit_log SET details = \'{"n": 9}\' WHERE seq = 1',
      'DELETE FROM audit_log WHERE seq = 2',
      'TRUNCATE audit_log',
    ]) {
      await assert.rejects(
        database.asOwner((owner) => owner.rawTransaction((raw) => raw.exec(statement))),
        /append-only/,
        statement,
      );
    }
    const result = await audit.verify();
    assert.ok(result.ok && result.entries === 2, JSON.stringify(result));
  });

  test('an append in a transaction that rolls back leaves no trace and no gap', async () => {
    await chain(2);
    await assert.rejects(
      database.db.transaction(async (tx) => {
        await audit.append(tx, entry(3, { action: 'case.assign' }));
        throw new Error('the action failed');
      }),
      /the action failed/,
    );
    assert.deepEqual(await audit.list({ limit: 10, action: 'case.assign' }), []);
    const next = await audit.appendNow(entry(3));
    assert.equal(next.seq, 3);
    assert.deepEqual(await audit.verify(), { ok: true, entries: 3, head: next });
  });

  test('verify finds an edited entry: its details, or its time by one microsecond', async () => {
    await chain(6);
    await asOwner(database, async (query) => {
      await query(`UPDATE audit_log SET details = '{"n": 99}' WHERE seq = 3`);
      await query(`UPDATE audit_log SET at = at + interval '1 microsecond' WHERE seq = 5`);
    });
    const result = await audit.verify({ pageSize: 2 });
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.problems, [
      { seq: 3, problem: 'hash_mismatch' },
      { seq: 5, problem: 'hash_mismatch' },
    ]);
  });

  test('verify finds a deleted entry in the middle and at the start', async () => {
    await chain(6);
    await asOwner(database, (query) => query('DELETE FROM audit_log WHERE seq IN (1, 4)').then(() => {}));
    const result = await audit.verify({ pageSize: 2 });
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.problems, [
      { seq: 2, problem: 'not_first' },
      { seq: 5, problem: 'sequence_gap' },
      { seq: 5, problem: 'broken_link' },
    ]);
    assert.equal(result.entries, 4);
  });

  test('a deleted head leaves a valid chain, found only against the head recorded earlier', async () => {
    const heads = await chain(6);
    const recorded = heads[5]!;
    assert.deepEqual(await audit.verify({ expectHead: recorded }), { ok: true, entries: 6, head: recorded });

    await asOwner(database, (query) => query('DELETE FROM audit_log WHERE seq = 6').then(() => {}));
    assert.deepEqual(await audit.verify(), { ok: true, entries: 5, head: heads[4] }, 'the limitation');
    const truncated = await audit.verify({ expectHead: recorded });
    assert.deepEqual(!truncated.ok && truncated.problems, [{ seq: 6, problem: 'recorded_head_missing' }]);

    // Appending again reuses seq 6 with a valid chain: the recorded hash no longer matches.
    await audit.appendNow(entry(7));
    const rewritten = await audit.verify({ expectHead: recorded });
    assert.deepEqual(!rewritten.ok && rewritten.problems, [{ seq: 6, problem: 'recorded_head_mismatch' }]);
  });

  test('verify finds a forged entry appended, or inserted by renumbering the rest', async () => {
    const heads = await chain(6);
    // A forger without the data key: a well-formed entry linked to the head, hashed with a guess.
    const forge = (seq: number, prev: string) =>
      database.rawTransaction((raw) =>
        raw.query(`INSERT INTO audit_log (seq, actor, action, prev_hash, hash) VALUES ($1, 'cli', 'export', decode($2, 'hex'), $3)`, [
          seq,
          prev,
          createHmac('sha256', randomBytes(32)).update('forged').digest(),
        ]),
      );
    await forge(7, heads[5]!.hash);
    const appended = await audit.verify();
    assert.deepEqual(!appended.ok && appended.problems, [{ seq: 7, problem: 'hash_mismatch' }]);

    await chain(6);
    await asOwner(database, async (query) => {
      await query('UPDATE audit_log SET seq = -seq WHERE seq >= 3');
      await query('UPDATE audit_log SET seq = 1 - seq WHERE seq < 0');
    });
    await forge(3, heads[1]!.hash);
    const inserted = await audit.verify();
    assert.equal(inserted.ok, false);
    assert.deepEqual(!inserted.ok && inserted.problems.filter((p) => p.problem === 'hash_mismatch').map((p) => p.seq), [3, 4, 5, 6, 7]);
  });

  test('verify finds two entries that swapped places', async () => {
    await chain(6);
    await asOwner(database, async (query) => {
      await query('UPDATE audit_log SET seq = -2 WHERE seq = 2');
      await query('UPDATE audit_log SET seq = 2 WHERE seq = 4');
      await query('UPDATE audit_log SET seq = 4 WHERE seq = -2');
    });
    const result = await audit.verify();
    assert.deepEqual(!result.ok && result.problems, [
      { seq: 2, problem: 'broken_link' },
      { seq: 2, problem: 'hash_mismatch' },
      { seq: 3, problem: 'broken_link' },
      { seq: 4, problem: 'broken_link' },
      { seq: 4, problem: 'hash_mismatch' },
      { seq: 5, problem: 'broken_link' },
    ]);
  });

  test('without the data key the chain does not verify', async () => {
    await chain(3);
    const stranger = await new AuditLog(new AuditLogStore(database), new Keyring(randomBytes(32))).verify({ maxProblems: 2 });
    assert.equal(stranger.ok, false);
    assert.deepEqual(!stranger.ok && [stranger.problems, stranger.problemCount], [
      [
        { seq: 1, problem: 'hash_mismatch' },
        { seq: 2, problem: 'hash_mismatch' },
      ],
      3,
    ]);
  });
});

test('hifazat audit verify exits 0 on an intact log and 1 on a tampered one', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hifazat-audit-'));
  try {
    const config = loadConfig({ DATA_DIR: dataDir });
    const verify = (...args: string[]) =>
      spawnSync(process.execPath, [new URL('../../bin/hifazat.mjs', import.meta.url).pathname, 'audit', 'verify', ...args], {
        env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 60_000,
      });

    // Seeding the directory from the migrated tarball (scripts/test.mjs) saves a fresh initdb.
    const dump = process.env.HIFAZAT_TEST_PGLITE_DUMP;
    if (dump) {
      const loadDataDir = new Blob([new Uint8Array(await readFile(dump))]);
      await (await openDatabase({ engine: 'pglite', dataDir: join(dataDir, 'pglite'), loadDataDir })).close();
    }
    // The embedded directory is locked per process: close ours before the command opens it.
    let storage = await openStorage(config);
    let head: AuditHead | undefined;
    for (let i = 1; i <= 3; i++) head = await new AuditLog(new AuditLogStore(storage.database), storage.keyring).appendNow(entry(i));
    await storage.close();

    const intact = verify('--head', `${head!.seq}:${head!.hash}`);
    assert.equal(intact.status, 0, intact.stderr + intact.stdout);
    assert.match(intact.stdout, /intact: 3 entries checked/);
    assert.ok(intact.stdout.includes(`seq 3, hash ${head!.hash}`), intact.stdout);

    storage = await openStorage(config);
    await asOwner(storage.database, (query) => query(`UPDATE audit_log SET details = '{"n": 0}' WHERE seq = 2`).then(() => {}));
    await storage.close();

    const tampered = verify();
    assert.equal(tampered.status, 1, tampered.stderr + tampered.stdout);
    assert.match(tampered.stdout, /NOT intact: 3 entries checked, 1 problem/);
    assert.match(tampered.stdout, /seq 2: hash_mismatch/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

forEachEngine('audit log: the console page check', (engine) => {
  let database: TestDatabase;
  let audit: AuditLog;
  let now = Date.UTC(2026, 11, 1, 9);

  before(async () => {
    database = await testDatabase(engine);
    audit = new AuditLog(new AuditLogStore(database), new Keyring(randomBytes(32)), () => now);
  });
  after(() => database.close());

  test('each view checks what was appended since the last whole check, and sees a cut-off head at once', async () => {
    for (let i = 1; i <= 4; i++) await audit.appendNow(entry(i));
    const first = await audit.verifyForView();
    assert.deepEqual(first, await audit.verify());
    assert.equal(first.entries, 4);

    for (let i = 5; i <= 6; i++) await audit.appendNow(entry(i));
    assert.deepEqual(await audit.verifyForView(), await audit.verify(), 'the new entries are counted and chained on');

    await audit.appendNow(entry(7));
    await asOwner(database, (query) => query(`UPDATE audit_log SET details = '{"n": 70}' WHERE seq = 7`).then(() => {}));
    const edited = await audit.verifyForView();
    assert.deepEqual(
      !edited.ok && edited.problems,
      [{ seq: 7, problem: 'hash_mismatch' }],
      'an entry appended since the last check is checked',
    );

    await asOwner(database, (query) => query('DELETE FROM audit_log WHERE seq = 7').then(() => {}));
    assert.equal((await audit.verifyForView()).ok, true, 'the whole chain, checked again');
    await asOwner(database, (query) => query('DELETE FROM audit_log WHERE seq = 6').then(() => {}));
    const cut = await audit.verifyForView();
    assert.deepEqual(!cut.ok && cut.problems, [{ seq: 6, problem: 'recorded_head_missing' }], 'the head this process saw is gone');
  });

  test('an edit of an old entry is found by the next whole check, ten minutes at most after the last', async () => {
    assert.equal((await audit.verifyForView()).ok, true);
    await asOwner(database, (query) => query(`UPDATE audit_log SET details = '{"n": 10}' WHERE seq = 1`).then(() => {}));
    now += 10 * 60_000;
    const result = await audit.verifyForView();
    assert.deepEqual(!result.ok && result.problems, [{ seq: 1, problem: 'hash_mismatch' }]);
  });
});
