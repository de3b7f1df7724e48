/**
 * Run once by scripts/test.mjs before the suite (and with --cleanup after it). Prints, as JSON,
 * the environment that test files read through test/helpers/database.ts. On PostgreSQL it
 * creates the application's role if missing (test/helpers/postgres.ts, testAppRole).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { migrate, openDatabase } from '../../src/store/database.ts';
import { databaseUrl, ensureRole, testAppRole, withClient } from './postgres.ts';

const workDir = process.env.HIFAZAT_TEST_DIR!;
const serverUrl = process.env.TEST_DATABASE_URL;

if (process.argv.includes('--cleanup')) {
  const template = process.env.HIFAZAT_TEST_PG_TEMPLATE;
  if (serverUrl && template) {
    await withClient(serverUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${template}%`]);
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    });
  }
} else {
  const pglite = await openDatabase({ engine: 'pglite' });
  await migrate(pglite);
  const dump = join(workDir, 'pglite-migrated.tar.gz');
  const blob = await pglite.dumpDataDir!();
  await writeFile(dump, Buffer.from(await blob.arrayBuffer()));
  await pglite.close();
  const out: Record<string, string> = { HIFAZAT_TEST_PGLITE_DUMP: dump };

  if (serverUrl) {
    const template = `hifazat_test_${process.pid}`;
    await ensureRole(serverUrl, testAppRole);
    await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${template}"`));
    // Migrated by the owner, who grants the application's role its privileges; every copy keeps them.
    const database = await openDatabase({ engine: 'postgres', url: databaseUrl(serverUrl, template), poolSize: 1 });
    await migrate(database, { appRole: testAppRole });
    await database.close();
    out.HIFAZAT_TEST_PG_TEMPLATE = template;
  }
  process.stdout.write(JSON.stringify(out));
}
