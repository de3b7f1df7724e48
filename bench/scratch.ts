import { migrate, openDatabase, type Database } from '../src/store/database.ts';
import { scratchDatabase } from '../test/helpers/postgres.ts';

/**
 * What the case benches (case-queue.ts, dashboard.ts) share: a fresh migrated database of their own,
 * dropped afterwards, and the percentiles of a timed piece of work.
 */

export type Engine = 'pglite' | 'postgres';

/** A new migrated database: in memory on PGlite, or a scratch database named after `name` on the server at `serverUrl`. */
export async function openFresh(
  engine: Engine,
  serverUrl: string | undefined,
  name: string,
): Promise<{ database: Database; drop(): Promise<void> }> {
  if (engine === 'pglite') {
    const database = await openDatabase({ engine: 'pglite' });
    await migrate(database);
    return { database, drop: () => database.close() };
  }
  const scratch = await scratchDatabase(serverUrl!, name);
  const database = await openDatabase({ engine: 'postgres', url: scratch.url, poolSize: 4 });
  await migrate(database);
  return {
    database,
    async drop() {
      await database.close();
      await scratch.drop();
    },
  };
}

/** p50 and p99 (and the maximum) of `runs` timed runs after five untimed ones. */
export async function percentiles(runs: number, work: () => Promise<unknown>): Promise<{ p50: number; p99: number; max: number }> {
  for (let i = 0; i < 5; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: times.at(-1)! };
}
