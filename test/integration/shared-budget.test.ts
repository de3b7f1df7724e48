import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { HifazatError } from '../../src/domain/errors.ts';
import { SharedBudget, type ThrottleRule } from '../../src/services/throttle.ts';
import type { Database } from '../../src/store/database.ts';
import { throttleCounters } from '../../src/store/schema.ts';
import { forEachEngine, testDatabase } from '../helpers/database.ts';

const hour = 3_600_000;

forEachEngine('shared budget taken in blocks', (engine) => {
  let database: Database;
  before(async () => {
    database = await testDatabase(engine);
  });
  after(() => database.close());

  /** Two instances of a budget on one database, as two server processes would have. */
  function instances(bucket: string, limit: number, block: number, now: () => number = () => Date.UTC(2026, 10, 29, 10)) {
    const rule: ThrottleRule & { block: number } = { bucket, windowSeconds: 3600, limit, code: 'rate_limited', block };
    return [new SharedBudget(database, rule, now), new SharedBudget(database, rule, now)] as const;
  }
  const counter = async (bucket: string) =>
    (await database.db.select().from(throttleCounters).where(eq(throttleCounters.bucket, bucket))).map((r) => r.hits);
  /** Takes `n` uses at once; how many were admitted and refused (with rate_limited and a Retry-After). */
  async function takeMany(budget: SharedBudget, n: number): Promise<{ admitted: number; refused: number }> {
    const results = await Promise.allSettled(Array.from({ length: n }, () => budget.take()));
    for (const r of results) {
      if (r.status === 'rejected') {
        assert.ok(r.reason instanceof HifazatError && r.reason.code === 'rate_limited', String(r.reason));
        assert.ok(Number(r.reason.retryAfter) > 0);
      }
    }
    const admitted = results.filter((r) => r.status === 'fulfilled').length;
    return { admitted, refused: n - admitted };
  }

  test('instances taking at once admit exactly the budget between them, then refuse without writing', async () => {
    const [a, b] = instances('concurrent', 50, 8);
    const [fromA, fromB] = await Promise.all([takeMany(a, 100), takeMany(b, 100)]);
    assert.equal(fromA.admitted + fromB.admitted, 50);
    const [claimed] = await counter('concurrent');
    assert.ok(claimed! >= 50 && claimed! <= 50 + 2 * 8, `claimed ${claimed}`);
    // Both now know the window is spent: more refusals leave the counter alone.
    assert.deepEqual(await Promise.all([takeMany(a, 20), takeMany(b, 20)]), [
      { admitted: 0, refused: 20 },
      { admitted: 0, refused: 20 },
    ]);
    assert.deepEqual(await counter('concurrent'), [claimed]);
  });

  test('blocks: one write per block, and what one instance holds is not the other\'s', async () => {
    const [a, b] = instances('blocks', 20, 8);
    assert.deepEqual(await takeMany(a, 3), { admitted: 3, refused: 0 });
    assert.deepEqual(await counter('blocks'), [8], 'one block claimed for three uses');
    // b can have what is left after a's block: 12, not 17.
    assert.deepEqual(await takeMany(b, 17), { admitted: 12, refused: 5 });
    // a still spends the five it holds, and no more.
    assert.deepEqual(await takeMany(a, 7), { admitted: 5, refused: 2 });
  });

  test('a block of one counts every use exactly', async () => {
    const [a, b] = instances('exact', 5, 1);
    assert.deepEqual(await takeMany(a, 2), { admitted: 2, refused: 0 });
    assert.deepEqual(await counter('exact'), [2]);
    assert.deepEqual(await takeMany(b, 4), { admitted: 3, refused: 1 });
    assert.deepEqual(await takeMany(a, 1), { admitted: 0, refused: 1 });
  });

  test('a new window opens a new budget', async () => {
    let now = Date.UTC(2026, 10, 29, 10, 59);
    const [a] = instances('windows', 2, 1, () => now);
    assert.deepEqual(await takeMany(a, 3), { admitted: 2, refused: 1 });
    now += hour;
    assert.deepEqual(await takeMany(a, 3), { admitted: 2, refused: 1 });
    // Each window: two uses and the claim that found it spent.
    assert.deepEqual(await counter('windows'), [3, 3]);
  });
});
