import { and, eq, lt, sql } from 'drizzle-orm';
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
}

/**
 * A fixed-window counter kept in the database, so that every instance behind a load balancer
 * shares it and a restart does not reset it.
 */
export class Throttle {
  constructor(
    private readonly database: Database,
    readonly rule: ThrottleRule,
    private readonly now: () => number = Date.now,
  ) {}

  #window(): { start: Date; retryAfter: number } {
    const size = this.rule.windowSeconds * 1000;
    const start = Math.floor(this.now() / size) * size;
    return { start: new Date(start), retryAfter: Math.ceil((start + size - this.now()) / 1000) };
  }

  async hits(): Promise<number> {
    const { start } = this.#window();
    const [row] = await this.database.db
      .select({ hits: throttleCounters.hits })
      .from(throttleCounters)
      .where(and(eq(throttleCounters.bucket, this.rule.bucket), eq(throttleCounters.windowStart, start)));
    return row?.hits ?? 0;
  }

  async assertOpen(): Promise<void> {
    if ((await this.hits()) >= this.rule.limit) this.#refuse();
  }

  async recordFailure(): Promise<void> {
    await this.#increment();
  }

  /** Counts one use and refuses it when the budget was already spent. */
  async take(): Promise<void> {
    if ((await this.#increment()) > this.rule.limit) this.#refuse();
  }

  async #increment(): Promise<number> {
    const { start } = this.#window();
    const [row] = await this.database.db
      .insert(throttleCounters)
      .values({ bucket: this.rule.bucket, windowStart: start, hits: 1 })
      .onConflictDoUpdate({
        target: [throttleCounters.bucket, throttleCounters.windowStart],
        set: { hits: sql`${throttleCounters.hits} + 1` },
      })
      .returning({ hits: throttleCounters.hits });
    return row?.hits ?? 1;
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
