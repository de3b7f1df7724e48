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
import { openDatabase } from '../../src/store/database.ts';
import { forEachEngine, testDatabase } from '../helpers/database.ts';
import { freePort, startServerProcess } from '../helpers/server-process.ts';

const bin = new URL('../../bin/hifazat.mjs', import.meta.url).pathname;

forEachEngine('anchoring the audit log head', (engine) => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let closeDatabase = async () => {};

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hifazat-audit-head-'));
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    env = { ...inherited, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    if (engine === 'postgres') {
      // A migrated database of its own; the commands and the server reach it by its URL.
      const database = await testDatabase(engine);
      env.DATABASE_URL = database.url;
      closeDatabase = () => database.close();
    } else if (process.env.HIFAZAT_TEST_PGLITE_DUMP) {
      // Seeding the directory from the migrated tarball (scripts/test.mjs) saves a fresh initdb.
      const loadDataDir = new Blob([new Uint8Array(await readFile(process.env.HIFAZAT_TEST_PGLITE_DUMP))]);
      await (await openDatabase({ engine: 'pglite', dataDir: join(dataDir, 'pglite'), loadDataDir })).close();
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
    const storage = await openStorage(loadConfig(env));
    await storage.database.rawTransaction(async (raw) => {
      await raw.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await raw.exec('DELETE FROM audit_log WHERE seq >= 3');
      await raw.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    });
    await storage.close();
    assert.equal(hifazat('audit', 'verify').status, 0, 'from the database alone the cut is not seen');
    const cut = hifazat('audit', 'verify', '--head', anchor);
    assert.equal(cut.status, 1, cut.stdout + cut.stderr);
    assert.match(cut.stdout, /seq 3: recorded_head_missing/);
  });

  test('the server logs the head at info level when it starts', async () => {
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

      // While the server runs, the command opens the database as every command does.
      const command = hifazat('audit', 'head');
      if (engine === 'pglite') {
        assert.equal(command.status, 1);
        assert.match(command.stderr, /in use by another Hifazat process .*Stop it/);
      } else {
        assert.equal(command.status, 0, command.stderr);
        assert.equal(command.stdout, `${head!.seq}:${head!.hash}\n`);
      }
    } finally {
      server.child.kill('SIGTERM');
      assert.deepEqual(await server.exited, { code: 0, signal: null });
    }
  });
});
