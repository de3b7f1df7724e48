import { readdir, readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { advisoryLocks } from './advisory-locks.ts';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle; the same query API as Db. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Plain SQL access for the few things Drizzle does not do: scripts and health checks. */
interface RawSql {
  exec(script: string): Promise<void>;
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
}

/**
 * A statement of the hot path, written once in SQL with `$n` parameters. Its name must be unique:
 * on PostgreSQL each connection prepares it once and then only binds and executes it.
 */
export interface NamedStatement {
  name: string;
  text: string;
}

export interface Database {
  readonly engine: 'pglite' | 'postgres';
  readonly db: Db;
  /** Runs a named statement on its own (atomic, as every single statement is). */
  run<Row>(statement: NamedStatement, params: unknown[]): Promise<Row[]>;
  /** Runs `work` in one transaction on one connection, with plain SQL. */
  rawTransaction<T>(work: (raw: RawSql) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** PGlite only: the whole data directory as a tarball (tests copy a migrated one). */
  dumpDataDir?(): Promise<Blob>;
}

export type DatabaseTarget =
  { engine: 'pglite'; dataDir?: string; loadDataDir?: Blob } | { engine: 'postgres'; url: string; poolSize?: number };

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.engine === 'pglite' ? openPglite(target) : openPostgres(target.url, target.poolSize ?? 10);
}

async function openPglite(target: { dataDir?: string; loadDataDir?: Blob }): Promise<Database> {
  const client = await PGlite.create({
    ...(target.dataDir === undefined ? {} : { dataDir: target.dataDir }),
    ...(target.loadDataDir === undefined ? {} : { loadDataDir: target.loadDataDir }),
  });
  const raw = (handle: Pick<PGlite, 'exec' | 'query'>): RawSql => ({
    exec: async (script) => void (await handle.exec(script)),
    query: async <Row>(text: string, params: unknown[] = []) => (await handle.query<Row>(text, params)).rows,
  });
  return {
    engine: 'pglite',
    db: drizzlePglite({ client, schema }) as unknown as Db,
    // PGlite is one connection in this thread: nothing to prepare per connection.
    run: async <Row>(statement: NamedStatement, params: unknown[]) => (await client.query<Row>(statement.text, params)).rows,
    rawTransaction: (work) => client.transaction((tx) => work(raw(tx))),
    ping: async () => void (await client.query('SELECT 1')),
    close: () => client.close(),
    dumpDataDir: () => client.dumpDataDir('gzip'),
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'hifazat' });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  await pool.query('SELECT 1');
  return {
    engine: 'postgres',
    db: drizzlePg({ client: pool, schema }) as unknown as Db,
    run: async <Row>(statement: NamedStatement, params: unknown[]) =>
      (await pool.query({ name: statement.name, text: statement.text, values: params })).rows as Row[],
    async rawTransaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          exec: async (script) => void (await client.query(script)),
          query: async <Row>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as Row[],
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    ping: async () => void (await pool.query('SELECT 1')),
    close: () => pool.end(),
  };
}

/** The same statement for a Drizzle transaction (where it runs unprepared, beside the transaction's other work). */
export function statementSql(statement: NamedStatement, params: unknown[]): SQL {
  const pieces = statement.text.split(/\$(\d+)/);
  return sql.join(pieces.map((piece, i) => (i % 2 === 0 ? sql.raw(piece) : sql`${params[Number(piece) - 1]}`)));
}

const migrationsDir = new URL('./migrations/', import.meta.url);

/**
 * Applies the SQL files in store/migrations in name order, each once, all pending ones in a
 * single transaction under an advisory lock: several instances may start together against one
 * server, and a failure leaves the schema as it was. Returns the versions it applied.
 */
export async function migrate(database: Database): Promise<string[]> {
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  return database.rawTransaction(async (raw) => {
    await raw.query('SELECT pg_advisory_xact_lock($1)', [advisoryLocks.migration]);
    await raw.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await raw.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const applied: string[] = [];
    for (const file of files) {
      const version = file.replace(/\.sql$/, '');
      if (done.has(version)) continue;
      await raw.exec(await readFile(new URL(file, migrationsDir), 'utf8'));
      await raw.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      applied.push(version);
    }
    return applied;
  });
}
