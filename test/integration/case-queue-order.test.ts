import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { queueClocks } from '../../src/domain/case-search.ts';
import { caseStates, type CaseState } from '../../src/domain/case.ts';
import { caseUrgency, compareQueueOrder, type Urgency } from '../../src/domain/classification.ts';
import { CaseQueueStore, type QueueCondition } from '../../src/store/case-queue.ts';
import { forEachEngine, testDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * The queue's order and overdue flags as the database computes them (migration 0020's triggers and
 * store/case-queue.ts's SQL) against the domain's, which is the reference (domain/case-search.ts
 * queueClocks, domain/classification.ts caseUrgency and compareQueueOrder, domain/zarra.ts): random
 * cases of one to three reports (danger true, false or not said; every age band, unknown and an
 * unexpected one; receipts on a half-hour grid around the 2- and 24-hour marks, so ties and the
 * exact due time come up), classified or not (reports and links, ZARRA categories among others,
 * the analyst's age band over the reporter's), in every state, 1099 notified or not; then some
 * reports moved to another case (duplicates linked) and some classifications withdrawn, which the
 * triggers must follow. A change to either side alone fails here.
 */

const hour = 3_600_000;
const now = new Date('2026-06-15T12:00:00.000Z');
const bands = ['0-5', '6-10', '11-15', '16-17', 'unknown', 'not-a-band'] as const;
const reportArbitrary = fc.record({
  inDangerNow: fc.constantFrom(true, false, null),
  childAgeBand: fc.constantFrom(...bands),
  /** Half-hours before `now`, up to 30 hours, often just before, at or after the 2- and 24-hour marks. */
  halfHoursAgo: fc.oneof(fc.constantFrom(3, 4, 5, 47, 48, 49), fc.integer({ min: 0, max: 60 })),
  classification: fc.option(
    fc.record({
      category: fc.constantFrom('missing', 'abduction', 'kidnapping', 'rape', 'other'),
      victimAgeBand: fc.constantFrom(...bands),
    }),
    { freq: 1 },
  ),
  linkCategory: fc.option(fc.constantFrom('kidnapping', 'abuse_material'), { freq: 1 }),
});
const caseArbitrary = fc.record({
  state: fc.constantFrom<CaseState>(...caseStates),
  notifiedHoursAgo: fc.option(fc.integer({ min: 0, max: 20 }), { freq: 2 }),
  reports: fc.array(reportArbitrary, { minLength: 1, maxLength: 3 }),
});
const scenario = fc.record({
  cases: fc.array(caseArbitrary, { minLength: 1, maxLength: 10 }),
  /** Pairs (from, to) of case positions: the first's reports are moved to the second (duplicates linked). */
  merges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 2 }),
  /** Classifications withdrawn, by report position. */
  unclassify: fc.array(fc.nat(), { maxLength: 2 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

forEachEngine('the queue order in SQL is the domain order', (engine) => {
  let database: TestDatabase;
  let store: CaseQueueStore;
  const staffId = randomUUID();

  before(async () => {
    database = await testDatabase(engine);
    store = new CaseQueueStore(database);
    await database.rawTransaction((raw) =>
      raw.query(`INSERT INTO staff_users (id, email, display_name, role, status) VALUES ($1, $2, 'Order', 'analyst', 'active')`, [
        staffId,
        `order-${staffId}@hifazat.test`,
      ]),
    );
  });
  after(() => database.close());

  /** Writes the scenario as the application would leave it; the domain's view of each case. */
  async function write(s: Scenario) {
    const caseIds: string[] = s.cases.map(() => randomUUID());
    const reports = s.cases.flatMap((c, i) => c.reports.map((r) => ({ ...r, id: randomUUID(), caseId: caseIds[i]! })));
    await database.rawTransaction(async (raw) => {
      await raw.exec('DELETE FROM report_url_classifications; DELETE FROM report_classifications; DELETE FROM report_urls');
      await raw.exec('DELETE FROM reports; DELETE FROM cases');
      for (const [i, c] of s.cases.entries()) {
        await raw.query(`INSERT INTO cases (id, reference, state, zarra_1099_notified_at) VALUES ($1, $2, $3, $4)`, [
          caseIds[i],
          `HZ-2026-${String(i).padStart(6, '0')}`,
          c.state,
          c.notifiedHoursAgo === null ? null : new Date(now.getTime() - c.notifiedHoursAgo * hour),
        ]);
      }
      for (const r of reports) {
        await raw.query(
          `INSERT INTO reports (id, case_id, receipt_hash, kind, language, province, area, child_age_band, child_sex, abuser_relationship,
                                place, in_danger_now, police_status, reporter_relationship, sensitive, created_at)
           VALUES ($1, $2, $3, 'online_material', 'en', 'punjab', 'urban', $4, 'girl', 'stranger', 'online', $5, 'not_yet', 'self', $6, $7)`,
          [
            r.id,
            r.caseId,
            randomBytes(32),
            r.childAgeBand,
            r.inDangerNow,
            randomBytes(16),
            new Date(now.getTime() - (r.halfHoursAgo * hour) / 2),
          ],
        );
        if (r.classification) {
          await raw.query(
            'INSERT INTO report_classifications (report_id, category, victim_age_band, classified_by) VALUES ($1, $2, $3, $4)',
            [r.id, r.classification.category, r.classification.victimAgeBand, staffId],
          );
        }
        if (r.linkCategory) {
          await raw.query('INSERT INTO report_urls (report_id, position, url_hash, url) VALUES ($1, 0, $2, $3)', [
            r.id,
            randomBytes(32),
            randomBytes(16),
          ]);
          await raw.query('INSERT INTO report_url_classifications (report_id, position, category, classified_by) VALUES ($1, 0, $2, $3)', [
            r.id,
            r.linkCategory,
            staffId,
          ]);
        }
      }
    });
    // Later statements, each its own transaction, as case work makes them.
    for (const [from, to] of s.merges) {
      const [a, b] = [caseIds[from % caseIds.length]!, caseIds[to % caseIds.length]!];
      await database.rawTransaction((raw) => raw.query('UPDATE reports SET case_id = $2 WHERE case_id = $1', [a, b]));
      for (const r of reports) if (r.caseId === a) r.caseId = b;
    }
    for (const pick of s.unclassify) {
      const r = reports[pick % reports.length]!;
      await database.rawTransaction((raw) => raw.query('DELETE FROM report_classifications WHERE report_id = $1', [r.id]));
      r.classification = null;
    }

    // The domain's view, from the same facts.
    return s.cases.flatMap((c, i) => {
      const own = reports.filter((r) => r.caseId === caseIds[i]);
      if (own.length === 0) return [];
      const urgencies = own.map((r): Urgency => ({
        inDangerNow: r.inDangerNow,
        ageBand: r.classification && r.classification.victimAgeBand !== 'unknown' ? r.classification.victimAgeBand : r.childAgeBand,
        receivedAt: new Date(now.getTime() - (r.halfHoursAgo * hour) / 2),
      }));
      const urgency = caseUrgency(urgencies as [Urgency, ...Urgency[]]);
      const clocks = queueClocks(
        {
          state: c.state,
          urgency,
          classified: own.some((r) => r.classification),
          categories: own.flatMap((r): string[] => [r.classification?.category ?? '', r.linkCategory ?? ''].filter(Boolean)),
          zarra: {
            notifiedAt: c.notifiedHoursAgo === null ? null : new Date(now.getTime() - c.notifiedHoursAgo * hour),
            firRegisteredAt: null,
          },
        },
        now,
      );
      return [{ id: caseIds[i]!, state: c.state, ...urgency, overdue: clocks.overdueBecause.length > 0, clocks }];
    });
  }

  test('random cases: the same overdue flags, and the database pages them in compareQueueOrder', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const domain = await write(s);
        const byId = new Map(domain.map((d) => [d.id, d]));
        for (const condition of [{}, { state: 'closed' }, { state: 'new' }, { overdue: true }] as QueueCondition[]) {
          const expected = domain.filter(
            (d) => (condition.state ? d.state === condition.state : d.state !== 'closed') && (!condition.overdue || d.overdue),
          );
          const page = await store.page({ every: true }, condition, now, { limit: 100, offset: 0 });
          assert.equal(await store.count({ every: true }, condition, now), expected.length);
          // The counts per state are of the same cases (the service takes a state's total from them).
          const byState = await store.countByState({ every: true });
          for (const state of caseStates) {
            assert.equal(byState.find((c) => c.state === state)?.n ?? 0, domain.filter((d) => d.state === state).length, state);
          }
          assert.deepEqual(page.map((p) => p.case.id).sort(), expected.map((d) => d.id).sort(), JSON.stringify(condition));
          const ordered = page.map((p) => byId.get(p.case.id)!);
          for (let i = 1; i < ordered.length; i++) {
            assert.ok(
              compareQueueOrder(ordered[i - 1]!, ordered[i]!) <= 0,
              `out of the domain's order at ${i}: ${JSON.stringify(ordered)}`,
            );
          }
          for (const p of page) {
            const d = byId.get(p.case.id)!;
            assert.deepEqual(
              { triage: p.overdueBecause.triage, zarra: p.overdueBecause.zarra },
              { triage: d.clocks.triage?.overdue ?? false, zarra: d.clocks.zarra?.notifyOverdue ?? false },
            );
          }
          // Pages are slices of one order: two pages of two make the first four.
          const [first, second] = await Promise.all(
            [0, 2].map((offset) => store.page({ every: true }, condition, now, { limit: 2, offset })),
          );
          assert.deepEqual(
            [...first!, ...second!].map((p) => p.case.id),
            page.slice(0, 4).map((p) => p.case.id),
          );
        }
      }),
      { numRuns: engine === 'pglite' ? 40 : 60 },
    );
  });
});
