import type { Database, NamedStatement } from './database.ts';

/** The statements of per-client throttling (migration 0008, take_client_throttle). */
const take: NamedStatement = {
  name: 'client_throttle_take',
  text: 'SELECT taken, hits, wait_seconds FROM take_client_throttle($1, $2, $3, $4, $5, $6)',
};
const read: NamedStatement = {
  name: 'client_throttle_read',
  text: 'SELECT hits, not_before FROM client_throttles WHERE scope = $1 AND subject = $2 AND window_start = $3',
};
const refund: NamedStatement = {
  name: 'client_throttle_refund',
  text: `UPDATE client_throttles SET hits = greatest(hits - 1, 0), not_before = least(not_before, $4)
         WHERE scope = $1 AND subject = $2 AND window_start = $3`,
};
const forget: NamedStatement = {
  name: 'client_throttle_forget',
  text: 'DELETE FROM client_throttles WHERE scope = $1 AND subject = $2 AND window_start = $3',
};
const purge: NamedStatement = {
  name: 'client_throttle_purge',
  text: `DELETE FROM client_throttles WHERE window_start < now() - interval '1 day'`,
};

export interface ThrottleRow {
  scope: string;
  subject: Buffer;
  windowStart: Date;
}

export interface TakeResult {
  taken: boolean;
  hits: number;
  /** Seconds until the row's delay ends (0 when it has). */
  waitSeconds: number;
}

export class ClientThrottleStore {
  constructor(private readonly database: Database) {}

  /** Counts one attempt if the row allows it (under `limit`, past its delay), in one statement. */
  async take(row: ThrottleRow, now: Date, limit: number, delays: readonly number[]): Promise<TakeResult> {
    const [result] = await this.database.run<{ taken: boolean; hits: number; wait_seconds: number }>(take, [
      row.scope,
      row.subject,
      row.windowStart,
      now,
      limit,
      delays,
    ]);
    // No row back means the row vanished between the two halves of the function (a purge): let it through.
    return result
      ? { taken: result.taken, hits: result.hits, waitSeconds: Number(result.wait_seconds) }
      : { taken: true, hits: 1, waitSeconds: 0 };
  }

  /** The row as it stands, without counting anything (undefined: no attempt yet in this window). */
  async read(row: ThrottleRow): Promise<{ hits: number; notBefore: Date } | undefined> {
    const [found] = await this.database.run<{ hits: number; not_before: Date | string }>(read, [row.scope, row.subject, row.windowStart]);
    return found ? { hits: found.hits, notBefore: new Date(found.not_before) } : undefined;
  }

  /** Gives one attempt back (it succeeded) and ends the row's delay. */
  async refund(row: ThrottleRow, now: Date): Promise<void> {
    await this.database.run(refund, [row.scope, row.subject, row.windowStart, now]);
  }

  /** Forgets the row: its attempts and its delay. */
  async forget(row: ThrottleRow): Promise<void> {
    await this.database.run(forget, [row.scope, row.subject, row.windowStart]);
  }

  async purgeOld(): Promise<void> {
    await this.database.run(purge, []);
  }
}
