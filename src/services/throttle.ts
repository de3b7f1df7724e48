import { randomInt } from 'node:crypto';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { HifazatError, type ErrorCode } from '../domain/errors.ts';
import type { Database } from '../store/database.ts';
import { throttleCounters } from '../store/schema.ts';

export interface ThrottleRule {
  /** What is counted; never a person, address or receipt. */
  bucket: string;
  windowSeconds: number;
  limit: number;
  /** The error raised once the window's budget is spent. */
  code: Extract<ErrorCode, 'too_many_attempts' | 'rate_limited'>;
  /**
   * Rows a window's count is spread over (default 1). An increment holds its row's lock until its
   * transaction's commit reaches the disk, so a count that every report touches would line
   * reports up one flush after another; spread over rows, they are counted side by side.
   */
  shards?: number;
}

/**
 * One use, to be counted by the statement that does the work (store/report-insert.ts): it
 * increments `row` and adds the window's other `rows`; past `limit` it does nothing else, and
 * the caller calls `refuse`.
 */
export interface ThrottleCharge {
  row: string;
  rows: readonly string[];
  windowStart: Date;
  limit: number;
  refuse: () => never;
}

/**
 * A fixed-window counter kept in the database, so that every instance behind a load balancer
 * shares it and a restart does not reset it.
 */
export class Throttle {
  /** The counter rows of each window (see ThrottleRule.shards). */
  readonly #rows: readonly string[];

  constructor(
    private readonly database: Database,
    readonly rule: ThrottleRule,
    private readonly now: () => number = Date.now,
  ) {
    const shards = rule.shards ?? 1;
    this.#rows = shards === 1 ? [rule.bucket] : Array.from({ length: shards }, (_, i) => `${rule.bucket}#${i}`);
  }

  #window(): { start: Date; retryAfter: number } {
    const size = this.rule.windowSeconds * 1000;
    const start = Math.floor(this.now() / size) * size;
    return { start: new Date(start), retryAfter: Math.ceil((start + size - this.now()) / 1000) };
  }


  async hits(): Promise<number> {
    const { start } = this.#window();
    const [row] = await this.database.db
      .select({ hits: sql<number>`coalesce(sum(${throttleCounters.hits}), 0)::int` })
      .from(throttleCounters)
      .where(and(inArray(throttleCounters.bucket, this.#rows), eq(throttleCounters.windowStart, start)));
    return row?.hits ?? 0;
  }

  async assertOpen(): Promise<void> {
    if ((await this.hits()) >= this.rule.limit) this.#refuse();
  }

  async recordFailure(): Promise<void> {
    await this.#increment();
  }

  /** One use for a statement to count (see ThrottleCharge). */
  charge(): ThrottleCharge {
    return {
      row: this.#rows[randomInt(this.#rows.length)]!,
      rows: this.#rows,
      windowStart: this.#window().start,
      limit: this.rule.limit,
      refuse: () => this.#refuse(),
    };
  }

  async #increment(): Promise<void> {
    await this.database.db
      .insert(throttleCounters)
      .values({ bucket: this.#rows[randomInt(this.#rows.length)]!, windowStart: this.#window().start, hits: 1 })
      .onConflictDoUpdate({
        target: [throttleCounters.bucket, throttleCounters.windowStart],
        set: { hits: sql`${throttleCounters.hits} + 1` },
      });
  }

  #refuse(): never {
    throw new HifazatError(this.rule.code, 'Too many attempts; try again later.', {
      retryAfter: this.#window().retryAfter,
    });
  }
}

/** Drops counters of windows that ended more than a day ago. */
export async function purgeOldThrottleWindows(database: Database): Promise<void> {
  await database.db.delete(throttleCounters).where(lt(throttleCounters.windowStart, sql`now() - interval '1 day'`));
}
