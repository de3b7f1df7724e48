import { readFile } from 'node:fs/promises';
import { describe } from 'node:test';
import { migrate, openDatabase, type Database } from '../../src/store/database.ts';
import { scratchDatabase } from './postgres.ts';

export type Engine = 'pglite' | 'postgres';

/** Every integration test runs on PGlite, and on PostgreSQL too when TEST_DATABASE_URL is set. */
export const engines: Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export function forEachEngine(name: string, body: (engine: Engine) => void): void {
  for (const engine of engines) describe(`${name} [${engine}]`, () => body(engine));
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
  // Named after the template, so that the suite's cleanup finds it.
  const template = process.env.HIFAZAT_TEST_PG_TEMPLATE;
  const scratch = await scratchDatabase(process.env.TEST_DATABASE_URL!, template ?? 'hifazat_test_adhoc', template);
  const database = await openDatabase({ engine: 'postgres', url: scratch.url, poolSize: 10 });
  if (!template) await migrate(database);
  return {
    ...database,
    url: scratch.url,
    async close() {
      await database.close();
      await scratch.drop();
    },
  };
}
