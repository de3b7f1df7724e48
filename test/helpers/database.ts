import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe } from 'node:test';
import pg from 'pg';
import { migrate, openDatabase, type Database } from '../../src/store/database.ts';

export type Engine = 'pglite' | 'postgres';

/** Every integration test runs on PGlite, and on PostgreSQL too when TEST_DATABASE_URL is set. */
export const engines: Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export function forEachEngine(name: string, body: (engine: Engine) => void): void {
  for (const engine of engines) describe(`${name} [${engine}]`, () => body(engine));
}

function serverUrl(database: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A migrated database of its own for one test: PGlite loaded from the migrated tarball that
 * scripts/test.mjs prepared, or a PostgreSQL database copied from the migrated template.
 * Run alone (without the script), it migrates from scratch.
 */
export async function testDatabase(engine: Engine): Promise<Database & { url?: string }> {
  if (engine === 'pglite') {
    const dump = process.env.HIFAZAT_TEST_PGLITE_DUMP;
    if (dump) return openDatabase({ engine: 'pglite', loadDataDir: new Blob([new Uint8Array(await readFile(dump))]) });
    const database = await openDatabase({ engine: 'pglite' });
    await migrate(database);
    return database;
  }
  const name = `${process.env.HIFAZAT_TEST_PG_TEMPLATE ?? 'hifazat_test_adhoc'}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  try {
    const template = process.env.HIFAZAT_TEST_PG_TEMPLATE;
    await admin.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
  } finally {
    await admin.end();
  }
  const url = serverUrl(name);
  const database = await openDatabase({ engine: 'postgres', url, poolSize: 10 });
  if (!process.env.HIFAZAT_TEST_PG_TEMPLATE) await migrate(database);
  return {
    ...database,
    url,
    async close() {
      await database.close();
      const dropper = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
}
