import { readdir, readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { HifazatError } from '../domain/errors.ts';
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
  /**
   * PGlite only: a consistent copy of the data directory while it runs (hifazat backup). It is
   * taken in a transaction slot, so no other transaction is half done, after a checkpoint.
   */
  snapshotDataDir?(): Promise<Blob>;
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
    snapshotDataDir: () =>
      client.transaction(async (tx) => {
        await tx.exec('CHECKPOINT');
        return client.dumpDataDir('gzip');
      }),
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

export interface MigrationResult {
  /** The versions applied now. */
  applied: string[];
  /** The application role granted its privileges (see grantAppRole), when one was named and this user owns the schema. */
  grantedTo: string | undefined;
}

/**
 * Applies the SQL files in store/migrations in name order, each once, all pending ones in a
 * single transaction under an advisory lock: several instances may start together against one
 * server, and a failure leaves the schema as it was.
 *
 * The application may run as a role that owns nothing (README, "Least privilege on PostgreSQL"):
 * with nothing pending it only reads schema_migrations, and with something pending it refuses
 * plainly rather than failing in the middle of a migration. Run as the owner with `appRole`, it (re)grants that
 * role its privileges after migrating, in the same transaction.
 */
export async function applyMigrations(database: Database, options: { appRole?: string | undefined } = {}): Promise<MigrationResult> {
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  return database.rawTransaction(async (raw) => {
    await raw.query('SELECT pg_advisory_xact_lock($1)', [advisoryLocks.migration]);
    // Checked first: CREATE TABLE IF NOT EXISTS needs CREATE on the schema even when the table exists.
    const [{ exists } = { exists: false }] = await raw.query<{ exists: boolean }>(
      "SELECT to_regclass('schema_migrations') IS NOT NULL AS exists",
    );
    const done = new Set(
      exists ? (await raw.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version) : [],
    );
    const pending = files.map((file) => file.replace(/\.sql$/, '')).filter((version) => !done.has(version));
    const owner = await ownsSchema(raw, exists);
    if (pending.length > 0 && !owner.may) {
      throw new HifazatError(
        'config_invalid',
        `The database needs ${pending.length === 1 ? 'migration' : 'migrations'} ${pending.join(', ')}, which ${owner.user} may not apply (it does not own the schema): run \`hifazat migrate\` as the owner (its DATABASE_URL), then start again.`,
      );
    }
    if (!exists) {
      await raw.exec('CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    }
    for (const version of pending) {
      await raw.exec(await readFile(new URL(`${version}.sql`, migrationsDir), 'utf8'));
      await raw.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
    }
    // Run as the application role itself (its DATABASE_URL beside DATABASE_APP_ROLE), there is nothing to grant.
    const role = options.appRole === owner.user ? undefined : options.appRole;
    if (role !== undefined) {
      if (!owner.may) {
        throw new HifazatError(
          'config_invalid',
          `${owner.user} may not grant DATABASE_APP_ROLE ${role} its privileges (it does not own the schema): run \`hifazat migrate\` as the owner (its DATABASE_URL).`,
        );
      }
      await grantAppRole(raw, role);
    }
    return { applied: pending, grantedTo: role };
  });
}

/** applyMigrations, for callers that want only the versions applied (tests, benchmarks). */
export async function migrate(database: Database, options: { appRole?: string | undefined } = {}): Promise<string[]> {
  return (await applyMigrations(database, options)).applied;
}

/**
 * Whether the connected user may migrate: CREATE on the schema, and membership in the role that
 * owns schema_migrations (the migrations' tables are that role's). A superuser always may.
 */
async function ownsSchema(raw: RawSql, migrationsTableExists: boolean): Promise<{ may: boolean; user: string }> {
  const [row] = await raw.query<{ may: boolean; user: string }>(
    `SELECT current_user AS user, has_schema_privilege(current_schema(), 'CREATE') AND ${
      migrationsTableExists
        ? "pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'schema_migrations'::regclass), 'MEMBER')"
        : 'true'
    } AS may`,
  );
  return row!;
}

/**
 * The application role's privileges, granted afresh (all revoked first, in the same transaction,
 * so nothing granted earlier by hand survives): reading and writing the ordinary tables; only
 * INSERT and SELECT on audit_log (no UPDATE, DELETE or TRUNCATE, and, not being the owner, no
 * ALTER TABLE … DISABLE TRIGGER); only SELECT on schema_migrations; the sequences' nextval. It
 * creates and alters nothing. statistics_releases keeps UPDATE and DELETE because LOCK TABLE in
 * SHARE ROW EXCLUSIVE mode needs one of them; its trigger refuses both.
 */
async function grantAppRole(raw: RawSql, role: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new HifazatError('config_invalid', `Not a role name: ${role}`);
  const [{ found } = { found: false }] = await raw.query<{ found: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS found',
    [role],
  );
  if (!found) {
    throw new HifazatError(
      'config_invalid',
      `DATABASE_APP_ROLE names ${role}, which is not a role of this server: create it first (CREATE ROLE ${role} LOGIN).`,
    );
  }
  const [{ schema } = { schema: 'public' }] = await raw.query<{ schema: string }>('SELECT current_schema() AS schema');
  const s = `"${schema.replaceAll('"', '""')}"`;
  await raw.exec(`
    REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${role};
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${s} FROM ${role};
    REVOKE CREATE ON SCHEMA ${s} FROM ${role};
    GRANT USAGE ON SCHEMA ${s} TO ${role};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${role};
    REVOKE UPDATE, DELETE ON audit_log FROM ${role};
    REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM ${role};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${role};
  `);
}
