import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import pg from 'pg';
import type { IncidentFacts } from '../../src/domain/statistics.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import { Keyring } from '../../src/services/keys.ts';
import type { StatisticsFilter } from '../../src/services/statistics/counting.ts';
import type { Database } from '../../src/store/database.ts';
import { incidentRecords } from '../../src/store/schema.ts';
import { incidentCountsStale } from '../../src/store/statistics-schema.ts';
import { forEachEngine, testDatabase } from '../helpers/database.ts';

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
/** Days from November 2019 to February 2021: whole and partial months, across two new years. */
const day = fc.date({ min: new Date('2019-11-01T00:00:00Z'), max: new Date('2021-02-28T00:00:00Z'), noInvalidDate: true }).map(isoDay);
const category = fc.constantFrom('rape', 'sodomy', 'abduction', 'other', 'made_up');
const province = fc.constantFrom('punjab', 'punjab', 'sindh', 'kp', 'unknown', 'nowhere');
// Listed names count by name (in their province); the rest, and no district, count as not named.
const district = fc.constantFrom('Lahore', 'Kasur', 'Lahore Cantt', 'Hyderabad', null);
const source = fc.constantFrom('hotline', 'media');
const facts: fc.Arbitrary<IncidentFacts> = fc.record({
  source,
  category,
  reportedOn: day,
  province,
  district,
  area: fc.constantFrom('urban', 'rural', 'unknown'),
  victimSex: fc.constantFrom('girl', 'boy', 'unknown'),
  ageBand: fc.constantFrom('0-5', '6-10', '11-15', '16-17', 'unknown'),
  abuserRelationship: fc.constantFrom('neighbour', 'relative', 'unknown'),
  place: fc.constantFrom('street', 'victim_home', 'unknown'),
  policeStatus: fc.constantFrom('registered', 'refused', 'unknown'),
});
const period = fc.tuple(day, day).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a }));
const filter: fc.Arbitrary<StatisticsFilter> = fc.record({
  period,
  province: fc.constantFrom(undefined, 'punjab', 'sindh', 'nowhere'),
  source: fc.constantFrom(undefined, 'hotline' as const, 'media' as const),
});
const operation = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), records: fc.array(facts, { minLength: 1, maxLength: 8 }) }),
  fc.record({
    op: fc.constant('update' as const),
    pick: fc.nat(),
    changes: fc.record({ reportedOn: day, category, province, district, source }, { requiredKeys: [] }),
  }),
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('refresh' as const) }),
  fc.record({ op: fc.constant('count' as const), filter }),
);

/** Whole months, edges of partial months, single days, across new year; with each filter. */
const fixedPeriods = [
  { from: '2019-11-01', to: '2021-02-28' },
  { from: '2020-01-01', to: '2020-12-31' },
  { from: '2019-11-17', to: '2021-02-03' },
  { from: '2019-12-01', to: '2020-01-31' },
  { from: '2019-12-31', to: '2020-01-01' },
  { from: '2020-02-29', to: '2020-02-29' },
  { from: '2020-03-01', to: '2020-03-01' },
  { from: '2020-04-30', to: '2020-06-01' },
  { from: '2020-07-02', to: '2020-07-30' },
];
const fixedFilters: StatisticsFilter[] = fixedPeriods.flatMap((p) => [
  { period: p },
  { period: p, province: 'punjab' },
  { period: p, source: 'media' },
  { period: p, province: 'sindh', source: 'hotline' },
]);

const row = (r: IncidentFacts) => ({ id: randomUUID(), ...r });

forEachEngine('statistics: monthly counts', (engine) => {
  let database: Database & { url?: string };
  let services: Services;
  before(async () => {
    database = await testDatabase(engine);
    services = createServices(database, new Keyring(randomBytes(32)));
  });
  after(() => database.close());

  const staleMonths = async () =>
    (await database.db.select().from(incidentCountsStale).orderBy(incidentCountsStale.month)).map((r) => r.month);
  const sameAsLive = async (f: StatisticsFilter) =>
    assert.deepEqual(await services.statistics.counts(f), await services.statistics.liveCounts(f), JSON.stringify(f));

  test('after any inserts, updates and deletes, counts from the monthly counts equal counts of every record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 25 }), async (operations) => {
        await database.db.delete(incidentRecords);
        const ids: string[] = [];
        for (const o of operations) {
          if (o.op === 'insert') {
            const rows = o.records.map(row);
            await database.db.insert(incidentRecords).values(rows);
            ids.push(...rows.map((r) => r.id));
          } else if (o.op === 'update' && ids.length) {
            await database.db
              .update(incidentRecords)
              .set({ ...o.changes, updatedAt: new Date() })
              .where(eq(incidentRecords.id, ids[o.pick % ids.length]!));
          } else if (o.op === 'delete' && ids.length) {
            await database.db.delete(incidentRecords).where(eq(incidentRecords.id, ids.splice(o.pick % ids.length, 1)[0]!));
          } else if (o.op === 'refresh') {
            await services.statistics.refreshStale();
            assert.deepEqual(await staleMonths(), [], 'every month recounted');
          } else if (o.op === 'count') {
            await sameAsLive(o.filter);
          }
        }
        // Every whole month from the monthly counts, none counted live for being stale.
        await services.maintain();
        assert.deepEqual(await staleMonths(), []);
        for (const f of fixedFilters) await sameAsLive(f);
      }),
      { numRuns: engine === 'pglite' ? 20 : 30 },
    );
  });

  test('a record added after a refresh is counted: its month is marked stale and recounted', async () => {
    const year = { period: { from: '2023-01-01', to: '2023-12-31' } };
    const record = (reportedOn: string) => row({ ...fc.sample(facts, { numRuns: 1, seed: 7 })[0]!, reportedOn });
    const first = record('2023-05-10');
    await database.db.insert(incidentRecords).values(first);
    await services.maintain();
    assert.deepEqual(await staleMonths(), []);
    assert.equal((await services.statistics.counts(year)).total, 1);

    await database.db.insert(incidentRecords).values(record('2023-05-20'));
    assert.deepEqual(await staleMonths(), ['2023-05-01']);
    const counted = await services.statistics.counts(year);
    assert.equal(counted.total, 2);
    assert.deepEqual(counted.months, { '2023-05': 2 });
    assert.deepEqual(await staleMonths(), [], 'counting refreshed the month');
    await sameAsLive(year);

    await database.db.update(incidentRecords).set({ reportedOn: '2023-08-01' }).where(eq(incidentRecords.id, first.id));
    assert.deepEqual(await staleMonths(), ['2023-05-01', '2023-08-01'], 'the month it left and the month it joined');
    await services.maintain();
    assert.deepEqual((await services.statistics.counts(year)).months, { '2023-05': 1, '2023-08': 1 });
    await database.db.delete(incidentRecords).where(eq(incidentRecords.id, first.id));
    assert.deepEqual((await services.statistics.counts(year)).months, { '2023-05': 1 });
    await sameAsLive(year);
  });

  test(
    'a month is not refreshed under a writer that has yet to commit, and that writer is counted once it does',
    { skip: engine === 'pglite' && 'PGlite has one connection' },
    async () => {
      const june = { period: { from: '2024-06-01', to: '2024-06-30' } };
      const record = (reportedOn: string) => row({ ...fc.sample(facts, { numRuns: 1, seed: 11 })[0]!, reportedOn });
      await database.db.insert(incidentRecords).values(record('2024-06-03'));
      await services.maintain();
      // The month is marked again; the writer below finds that marker and adds none.
      await database.db.insert(incidentRecords).values(record('2024-06-04'));
      const writer = new pg.Client({ connectionString: database.url });
      await writer.connect();
      try {
        await writer.query('BEGIN');
        await writer.query(`INSERT INTO incident_records (id, source, reported_on) VALUES ($1, 'hotline', '2024-06-05')`, [randomUUID()]);
        await services.statistics.refreshStale();
        assert.deepEqual(await staleMonths(), ['2024-06-01'], 'the marker stays while the writer may rely on it');
        assert.equal((await services.statistics.counts(june)).total, 2, 'the stale month is counted live');
        await writer.query('COMMIT');
      } finally {
        await writer.end();
      }
      await services.statistics.refreshStale();
      assert.deepEqual(await staleMonths(), []);
      assert.equal((await services.statistics.counts(june)).total, 3);
      await sameAsLive(june);
    },
  );
});
