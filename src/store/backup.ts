import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { HifazatError } from '../domain/errors.ts';
import { openDatabase, type Database } from './database.ts';

/**
 * What a backup needs from the databases: the schema version, the embedded database's copy and
 * its loading into a fresh directory, and PostgreSQL's own tools (pg_dump, pg_restore). The file
 * format and the checks around it are services/backup.ts's.
 */

/** The newest migration a database has applied: the schema its backup holds. */
export async function schemaVersion(database: Database): Promise<string> {
  const [row] = await database.run<{ version: string | null }>(
    { name: 'backup_schema_version', text: 'SELECT max(version) AS version FROM schema_migrations' },
    [],
  );
  return row?.version ?? '';
}

/** The schema versions this Hifazat knows: a backup of a newer one needs a newer Hifazat. */
export async function knownSchemaVersions(): Promise<string[]> {
  return (await readdir(new URL('./migrations/', import.meta.url))).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, ''));
}

/** The embedded database, copied while it runs (see Database.snapshotDataDir). */
export async function snapshotEmbedded(database: Database): Promise<Uint8Array> {
  if (!database.snapshotDataDir) throw new HifazatError('internal', 'Only the embedded database is copied this way.');
  return new Uint8Array(await (await database.snapshotDataDir()).arrayBuffer());
}

/** Whether the embedded database's directory holds nothing (or does not exist yet). */
export async function embeddedDirectoryIsEmpty(pgliteDir: string): Promise<boolean> {
  try {
    return (await readdir(pgliteDir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/** Unpacks a copy into an empty directory; opening it later recovers it as after a crash at the moment of the copy. */
export async function loadEmbedded(pgliteDir: string, copy: Blob): Promise<void> {
  const database = await openDatabase({ engine: 'pglite', dataDir: pgliteDir, loadDataDir: copy });
  await database.close();
}

/**
 * How the PostgreSQL tools reach DATABASE_URL without a password on their command line, where
 * every user of the machine could read it: the URL without it as the database name (libpq reads
 * a URL there), the password in PGPASSWORD.
 */
function toolConnection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: `--dbname=${parsed.toString()}`, env: password ? { ...process.env, PGPASSWORD: password } : process.env };
}

/** Runs a PostgreSQL tool to its end; its error output (never the password) is the refusal's message. */
async function runTool(tool: string, args: string[], env: NodeJS.ProcessEnv, input: Readable | undefined, output: Writable | undefined) {
  const child = spawn(tool, args, { env, stdio: [input ? 'pipe' : 'ignore', output ? 'pipe' : 'ignore', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString('utf8')).slice(-4000)));
  if (output) child.stdout!.pipe(output, { end: false });
  if (input) {
    // pg_restore stopping early (--exit-on-error) closes its input: that ends the copy, not the process.
    child.stdin!.on('error', () => {});
    input.pipe(child.stdin!);
  }
  const [code, spawnError] = await new Promise<[number | null, Error | undefined]>((resolve) => {
    child.once('error', (error) => resolve([null, error]));
    child.once('close', (exitCode) => resolve([exitCode, undefined]));
  });
  if (spawnError) {
    throw new HifazatError(
      'config_invalid',
      `${tool} could not be run (${(spawnError as NodeJS.ErrnoException).code}): install the PostgreSQL client tools.`,
    );
  }
  if (code !== 0) throw new HifazatError('internal', `${tool} failed (exit ${code}):\n${errors.trim()}`);
}

/** pg_dump's custom format of the database at `url`, written to `output`: one consistent snapshot. */
export async function dumpPostgres(url: string, output: Writable): Promise<void> {
  const { dbname, env } = toolConnection(url);
  await runTool('pg_dump', ['--format=custom', dbname], env, undefined, output);
}

/**
 * pg_restore of a custom-format dump into the database at `url`, in one transaction (a failure
 * leaves it as it was). Objects become the restoring user's and no privileges are copied: the
 * roles of the old server need not exist here, and the start after the restore grants
 * DATABASE_APP_ROLE its privileges afresh. `clean` drops what the dump holds first.
 */
export async function restorePostgres(url: string, input: Readable, options: { clean: boolean }): Promise<void> {
  const { dbname, env } = toolConnection(url);
  const args = [
    '--no-owner',
    '--no-acl',
    '--exit-on-error',
    '--single-transaction',
    ...(options.clean ? ['--clean', '--if-exists'] : []),
    dbname,
  ];
  await runTool('pg_restore', args, env, input, undefined);
}

/** The tables, sequences and views the database at `url` holds outside PostgreSQL's own schemas. */
export async function postgresRelationCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(
      `SELECT count(*) AS count FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`,
    );
    return Number(rows[0]!.count);
  } finally {
    await client.end();
  }
}
