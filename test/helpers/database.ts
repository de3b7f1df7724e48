import { readFile } from 'node:fs/promises';
import { describe } from 'node:test';
import { migrate, openDatabase, type Database } from '../../src/store/database.ts';
import { ensureRole, scratchDatabase, testAppRole, urlAs } from './postgres.ts';

export type Engine = 'pglite' | 'postgres';

/** Every integration test runs on PGlite, and on PostgreSQL too when TEST_DATABASE_URL is set. */
export const engines: Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export function forEachEngine(name: string, body: (engine: Engine) => void): void {
  for (const engine of engines) describe(`${name} [${engine}]`, () => body(engine));
}

/** A test's database: the application's connection, and the owner's for what only the owner may do. */
export type TestDatabase = Database & {
  /** PostgreSQL: the URL the application connects with (as the application's role). */
  url?: string;
  /** PostgreSQL: the same database as its owner (the server's superuser), who migrated it. */
  ownerUrl?: string;
  /**
   * Runs `work` as the owner: tampering with the audit log, changing the schema. On PGlite, with
   * its one superuser, that is the database itself; on PostgreSQL a connection of its own.
   */
  asOwner<T>(work: (owner: Database) => Promise<T>): Promise<T>;
};

/**
 * A migrated database of its own for one test: PGlite loaded from the migrated tarball that
 * scripts/test.mjs prepared, or a PostgreSQL database copied from the migrated template. On
 * PostgreSQL the application connects as the least-privileged role the owner granted its
 * privileges (README, "Least privilege on PostgreSQL"), as in production.
 * Run alone (without the script), it migrates from scratch.
 */
export async function testDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'pglite') {
    const dump = process.env.HIFAZAT_TEST_PGLITE_DUMP;
    const database = dump
      ? await openDatabase({ engine: 'pglite', loadDataDir: new Blob([new Uint8Array(await readFile(dump))]) })
      : await openDatabase({ engine: 'pglite' });
    if (!dump) await migrate(database);
    return { ...database, asOwner: (work) => work(database) };
  }
  // Named after the template, so that the suite's cleanup finds it.
  const template = process.env.HIFAZAT_TEST_PG_TEMPLATE;
  const serverUrl = process.env.TEST_DATABASE_URL!;
  const scratch = await scratchDatabase(serverUrl, template ?? 'hifazat_test_adhoc', template);
  const asOwner = async <T>(work: (owner: Database) => Promise<T>): Promise<T> => {
    const owner = await openDatabase({ engine: 'postgres', url: scratch.url, poolSize: 2 });
    try {
      return await work(owner);
    } finally {
      await owner.close();
    }
  };
  if (!template) {
    await ensureRole(serverUrl, testAppRole);
    await asOwner((owner) => migrate(owner, { appRole: testAppRole }));
  }
  const url = urlAs(scratch.url, testAppRole);
  const database = await openDatabase({ engine: 'postgres', url, poolSize: 10 });
  return {
    ...database,
    url,
    ownerUrl: scratch.url,
    asOwner,
    async close() {
      await database.close();
      await scratch.drop();
    },
  };
}
