import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Connections to a PostgreSQL server for tests and benchmarks: the server's URL, another database on it. */

/** `serverUrl` with its database replaced by `name`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `url` with its user replaced by `role` (the test server trusts 127.0.0.1: no password). */
export function urlAs(url: string, role: string): string {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = '';
  return parsed.toString();
}

/**
 * The role the application connects as in the tests, as in the README's "Least privilege on
 * PostgreSQL": it owns nothing, and migrating the template as the owner grants it its privileges.
 */
export const testAppRole = 'hifazat_test_app';

/** Creates `role` (LOGIN, nothing else) on the server of `serverUrl` unless it exists. Roles are the server's, shared by every run. */
export async function ensureRole(serverUrl: string, role: string): Promise<void> {
  await withClient(serverUrl, async (client) => {
    const { rows } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (rows.length > 0) return;
    // Two runs at once may both find it missing: the second's duplicate_object is harmless.
    await client.query(`CREATE ROLE "${role}" LOGIN`).catch((error: { code?: string }) => {
      if (error.code !== '42710') throw error;
    });
  });
}

/** Runs `work` on one connection to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A new database on the server of `serverUrl` (empty, or a copy of `template`), named
 * `<prefix>_<random>`, and how to drop it.
 */
export async function scratchDatabase(
  serverUrl: string,
  prefix: string,
  template?: string,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`));
  return {
    name,
    url: databaseUrl(serverUrl, name),
    drop: async () => void (await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}
