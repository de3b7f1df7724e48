import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commandLine } from '../../src/domain/actor.ts';
import { AuditLog } from '../../src/services/audit.ts';
import { Keyring } from '../../src/services/keys.ts';
import { AuditLogStore } from '../../src/store/audit-log.ts';
import { engines, testDatabase, type TestDatabase } from '../helpers/database.ts';
import { scratchDatabase, testAppRole, urlAs, withClient } from '../helpers/postgres.ts';
import { freePort, startServerProcess } from '../helpers/server-process.ts';

/**
 * README, "Least privilege on PostgreSQL": the owner migrates and grants; the application runs as
 * a role that may add to the audit log but not change, delete or unprotect it, nor change the schema.
 */
const skip = engines.includes('postgres') ? false : 'PostgreSQL only (TEST_DATABASE_URL): PGlite has one superuser, no roles to separate';
const bin = new URL('../../bin/hifazat.mjs', import.meta.url).pathname;

/** The SQLSTATE of a statement that fails, or 'succeeded'. */
async function sqlState(database: TestDatabase, statement: string): Promise<string> {
  try {
    await database.rawTransaction((raw) => raw.exec(statement));
    return 'succeeded';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('least privilege [postgres]', { skip }, () => {
  let database: TestDatabase;

  before(async () => {
    database = await testDatabase('postgres');
  });
  after(() => database?.close());

  test('the application role may add audit entries, but not change, delete, truncate or unprotect the log', async () => {
    const audit = new AuditLog(new AuditLogStore(database), new Keyring(randomBytes(32)));
    await audit.transaction(commandLine, async (_tx, record) => {
      record({ action: 'report.view', objectType: 'report', objectId: 'r-1' });
    });
    const [appended] = await audit.list({ limit: 1 });
    assert.equal(appended?.action, 'report.view');

    const refused = {
      'ALTER TABLE audit_log DISABLE TRIGGER ALL': '42501',
      'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only': '42501',
      "UPDATE audit_log SET details = '{}'": '42501',
      'DELETE FROM audit_log': '42501',
      'TRUNCATE audit_log': '42501',
      'DROP TABLE audit_log': '42501',
      'CREATE TABLE shadow (x int)': '42501',
      'ALTER TABLE reports ADD COLUMN shadow int': '42501',
      "INSERT INTO schema_migrations (version) VALUES ('9999_shadow')": '42501',
    };
    const states: Record<string, string> = {};
    for (const statement of Object.keys(refused)) states[statement] = await sqlState(database, statement);
    assert.deepEqual(states, refused, '42501: insufficient_privilege');
    await assert.rejects(
      database.rawTransaction((raw) => raw.exec('DELETE FROM audit_log')),
      /permission denied for table audit_log/,
    );

    const verified = await audit.verify();
    assert.ok(verified.ok && verified.entries === 1, JSON.stringify(verified));
  });

  test('what the grants are: reading and writing the tables; the audit log and the migrations read, the log added to', async () => {
    const privileges = await database.rawTransaction((raw) =>
      raw.query<{ table: string; privileges: string }>(
        `SELECT c.relname AS table,
                concat_ws(',', CASE WHEN has_table_privilege(c.oid, 'SELECT') THEN 'SELECT' END,
                               CASE WHEN has_table_privilege(c.oid, 'INSERT') THEN 'INSERT' END,
                               CASE WHEN has_table_privilege(c.oid, 'UPDATE') THEN 'UPDATE' END,
                               CASE WHEN has_table_privilege(c.oid, 'DELETE') THEN 'DELETE' END,
                               CASE WHEN has_table_privilege(c.oid, 'TRUNCATE') THEN 'TRUNCATE' END,
                               CASE WHEN has_table_privilege(c.oid, 'TRIGGER') THEN 'TRIGGER' END,
                               CASE WHEN has_table_privilege(c.oid, 'REFERENCES') THEN 'REFERENCES' END) AS privileges
           FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')`,
      ),
    );
    const byTable = Object.fromEntries(privileges.map((p) => [p.table, p.privileges]));
    assert.equal(byTable.audit_log, 'SELECT,INSERT');
    assert.equal(byTable.schema_migrations, 'SELECT');
    assert.equal(byTable.reports, 'SELECT,INSERT,UPDATE,DELETE');
    const others = Object.entries(byTable).filter(([table]) => table !== 'audit_log' && table !== 'schema_migrations');
    assert.deepEqual(
      others.filter(([, granted]) => granted !== 'SELECT,INSERT,UPDATE,DELETE'),
      [],
      'every other table: read and write, nothing more',
    );
    const [owner] = await database.rawTransaction((raw) =>
      raw.query<{ owns: number }>(
        'SELECT count(*)::int AS owns FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)',
      ),
    );
    assert.equal(owner?.owns, 0, 'the application role owns nothing');
  });

  test('hifazat migrate as the owner grants; the application starts and takes a report as its role; a pending migration stops it plainly', async () => {
    const serverUrl = process.env.TEST_DATABASE_URL!;
    const fresh = await scratchDatabase(serverUrl, process.env.HIFAZAT_TEST_PG_TEMPLATE ?? 'hifazat_test_adhoc');
    const dataDir = mkdtempSync(join(tmpdir(), 'hifazat-least-privilege-'));
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const common = { ...inherited, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    const asApp = { ...common, DATABASE_URL: urlAs(fresh.url, testAppRole), DATABASE_APP_ROLE: testAppRole };
    const hifazat = (env: NodeJS.ProcessEnv, ...args: string[]) =>
      spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 60_000 });
    try {
      // An empty database: the application's role may not create the schema.
      const early = hifazat(asApp, 'migrate');
      assert.equal(early.status, 1, early.stdout + early.stderr);
      assert.match(early.stderr, /The database needs migrations 0001_reports, .* which hifazat_test_app may not apply/);
      assert.match(early.stderr, /run `hifazat migrate` as the owner \(its DATABASE_URL\), then start again\.\n$/);

      const asOwner = { ...common, DATABASE_URL: fresh.url, DATABASE_APP_ROLE: testAppRole };
      for (let i = 0; i < 2; i++) {
        const migrated = hifazat(asOwner, 'migrate');
        assert.equal(migrated.status, 0, migrated.stderr);
        assert.equal(migrated.stdout, `Database is up to date. Privileges granted to ${testAppRole}.\n`, 'again and again: idempotent');
      }

      // The application, as its role (DATABASE_APP_ROLE beside it is itself: nothing to grant).
      const port = await freePort();
      const server = startServerProcess({ ...asApp, PORT: String(port), HOST: '127.0.0.1' });
      try {
        const deadline = Date.now() + 40_000;
        while (!server.output().includes('running at') && !server.hasExited() && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.ok(server.output().includes('running at'), server.output());
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/reports`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'online_material', language: 'en', urls: ['https://example.com/x'] }),
        });
        assert.equal(response.status, 201, await response.text());
      } finally {
        server.child.kill('SIGTERM');
        assert.deepEqual(await server.exited, { code: 0, signal: null }, server.output());
      }
      const [stored] = await withClient(
        fresh.url,
        async (client) => (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM reports')).rows,
      );
      assert.equal(stored?.n, 1);

      // An upgrade brings a migration the database has not had: the role refuses to start, saying what to do.
      const [newest] = await withClient(
        fresh.url,
        async (client) =>
          (
            await client.query<{ version: string }>(
              'DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations) RETURNING version',
            )
          ).rows,
      );
      const refused = hifazat(asApp, 'start');
      assert.equal(refused.status, 1, refused.stdout + refused.stderr);
      assert.equal(
        refused.stderr,
        `The database needs migration ${newest!.version}, which ${testAppRole} may not apply (it does not own the schema): run \`hifazat migrate\` as the owner (its DATABASE_URL), then start again.\n`,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await fresh.drop();
    }
  });
});
