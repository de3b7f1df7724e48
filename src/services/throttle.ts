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

/** Fixed windows of `rule.windowSeconds`: the current one's start, and the seconds until the next. */
function windowOf(rule: ThrottleRule, now: number): { start: Date; retryAfter: number } {
  const size = rule.windowSeconds * 1000;
  const start = Math.floor(now / size) * size;
  return { start: new Date(start), retryAfter: Math.ceil((start + size - now) / 1000) };
}

function refusal(rule: ThrottleRule, now: number): HifazatError {
  return new HifazatError(rule.code, 'Too many attempts; try again later.', { retryAfter: windowOf(rule, now).retryAfter });
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

  async hits(): Promise<number> {
    const [row] = await this.database.db
      .select({ hits: throttleCounters.hits })
      .from(throttleCounters)
      .where(and(eq(throttleCounters.bucket, this.rule.bucket), eq(throttleCounters.windowStart, windowOf(this.rule, this.now()).start)));
    return row?.hits ?? 0;
  }

  async assertOpen(): Promise<void> {
    if ((await this.hits()) >= this.rule.limit) throw refusal(this.rule, this.now());
  }

  async recordFailure(): Promise<void> {
    await addToCounter(this.database, this.rule.bucket, windowOf(this.rule, this.now()).start, 1);
  }
}

/**
 * A window's budget of uses shared by every instance, taken from the database in blocks: one
 * write claims `block` uses, which this instance then hands out from memory. A counter that
 * every use wrote to would cost each report a row update (and its lock until the commit is on
 * disk); in blocks it costs one per `block`. The uses granted in a window never exceed `limit`
 * (the counter itself also counts the claims that came back short); an instance leaves at most
 * `block - 1` granted uses unspent when the window ends or it stops, so a block of 1 counts
 * exactly. Once a claim comes back short the instance refuses until the next window without
 * asking the database again, so a flood of refusals writes nothing.
 */
export class SharedBudget {
  #windowStart = Number.NaN;
  #left = 0;
  #spent = false;
  #claiming: Promise<void> | undefined;

  constructor(
    private readonly database: Database,
    readonly rule: ThrottleRule & { block: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one use, or throws the rule's error once the window's budget is spent. */
  async take(): Promise<void> {
    for (;;) {
      const window = windowOf(this.rule, this.now()).start.getTime();
      if (window !== this.#windowStart) {
        this.#windowStart = window;
        this.#left = 0;
        this.#spent = false;
      }
      if (this.#left > 0) {
        this.#left -= 1;
        return;
      }
      if (this.#spent) throw refusal(this.rule, this.now());
      // One claim at a time: requests arriving meanwhile wait for its block.
      this.#claiming ??= this.#claim(window).finally(() => (this.#claiming = undefined));
      await this.#claiming;
    }
  }

  async #claim(window: number): Promise<void> {
    const { block, limit } = this.rule;
    const hits = await addToCounter(this.database, this.rule.bucket, new Date(window), block);
    // This block is uses hits - block + 1 … hits of the window; those past the limit are not ours.
    const granted = Math.max(0, Math.min(block, limit - (hits - block)));
    if (window !== this.#windowStart) return; // the window ended while claiming
    this.#left += granted;
    if (granted < block) this.#spent = true;
  }
}

/** Adds `uses` to a window's counter in one statement and returns the new count. */
async function addToCounter(database: Database, bucket: string, windowStart: Date, uses: number): Promise<number> {
  const [row] = await database.db
    .insert(throttleCounters)
    .values({ bucket, windowStart, hits: uses })
    .onConflictDoUpdate({
      target: [throttleCounters.bucket, throttleCounters.windowStart],
      set: { hits: sql`${throttleCounters.hits} + ${uses}` },
    })
    .returning({ hits: throttleCounters.hits });
  return row!.hits;
}

/** Drops counters of windows that ended more than a day ago. */
export async function purgeOldThrottleWindows(database: Database): Promise<void> {
  await database.db.delete(throttleCounters).where(lt(throttleCounters.windowStart, sql`now() - interval '1 day'`));
}
