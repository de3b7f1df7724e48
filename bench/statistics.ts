/**
 * The statistics dashboards over many incident records.
 *
 *   npx tsx bench/statistics.ts [--engine pglite|postgres] [--records 1000000] [--runs 7]
 *                               [--database-url postgresql://…]
 *
 * Fills a fresh database (an in-memory PGlite, or a new database on the PostgreSQL server at
 * --database-url / BENCH_DATABASE_URL / TEST_DATABASE_URL, dropped afterwards) with synthetic
 * incident records from the generator below (eight years, 2017–2024, Sahil-like shares of
 * categories, provinces, districts, sexes and ages), times the first maintenance run (which
 * makes the monthly counts of every month, all of them stale after the fill), checks that the
 * counts equal those of every record counted live, then times, as the median of --runs runs
 * after one warm-up:
 *
 * - counts of one year and of all eight years (and, for comparison, eight years counted live);
 * - the staff dashboard of one year and of all eight years: both periods' counts in SQL (the
 *   period and the same period before), disclosure control, and the HTML page;
 * - the same filtered to one province and to one source, for a period with partial months at
 *   both edges, and for eight years with one month stale (one record inserted, untimed, before
 *   each run);
 * - publishing a year (counts, disclosure control, the insert and its audit entry);
 * - the public dashboard page (GET /en/statistics), which reads a stored release.
 *
 * Without --engine, runs PGlite, and PostgreSQL too when a server URL is known.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/http/app.ts';
import { consoleMessages } from '../src/http/i18n/console.ts';
import { messages } from '../src/http/i18n/index.ts';
import { consoleStatisticsPage } from '../src/http/views/console/statistics-pages.ts';
import { createServices } from '../src/services/index.ts';
import { Keyring } from '../src/services/keys.ts';
import { migrate, openDatabase, type Database } from '../src/store/database.ts';
import { incidentRecords } from '../src/store/schema.ts';
import { commandLine } from '../src/domain/actor.ts';
import { categories } from '../src/domain/classification.ts';
import { abuserRelationships, ageBands, places, policeStatuses } from '../src/domain/report.ts';
import type { IncidentFacts } from '../src/domain/statistics.ts';
import { scratchDatabase } from '../test/helpers/postgres.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string' },
    records: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '7' },
    'database-url': { type: 'string' },
  },
});
type Engine = 'pglite' | 'postgres';
const recordCount = Number(values.records);
const runs = Number(values.runs);
const serverUrl = values['database-url'] ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!(recordCount >= 1) || !(runs >= 1)) throw new Error('--records and --runs must be positive');
const engines: Engine[] = values.engine ? [values.engine as Engine] : serverUrl ? ['pglite', 'postgres'] : ['pglite'];
if (engines.includes('postgres') && !serverUrl) throw new Error('PostgreSQL needs --database-url (or BENCH_DATABASE_URL)');

// ------------------------------------------------------------------------------ generator

/** mulberry32: a small, fast, seeded generator, so every run fills the same records. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks by weight. */
function weighted<T>(next: () => number, entries: readonly (readonly [T, number])[]): () => T {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  const cumulative = entries.map(([value], i) => [value, entries.slice(0, i + 1).reduce((s, [, w]) => s + w, 0) / total] as const);
  return () => {
    const x = next();
    return (cumulative.find(([, c]) => x < c) ?? cumulative.at(-1)!)[0];
  };
}

const districtsByProvince: Record<string, string[]> = {
  punjab: [
    'Lahore',
    'Kasur',
    'Faisalabad',
    'Rawalpindi',
    'Sheikhupura',
    'Multan',
    'Gujranwala',
    'Sialkot',
    'Okara',
    'Sargodha',
    'Bahawalpur',
    'Rahim Yar Khan',
  ],
  sindh: ['Karachi East', 'Karachi South', 'Hyderabad', 'Sukkur', 'Larkana', 'Khairpur'],
  kp: ['Peshawar', 'Mardan', 'Swat', 'Abbottabad', 'Kohat'],
  balochistan: ['Quetta', 'Khuzdar', 'Gwadar'],
  ict: ['Islamabad'],
  ajk: ['Muzaffarabad', 'Mirpur'],
  gb: ['Gilgit', 'Skardu'],
};

/** Synthetic incident records, Sahil-like in their shares; `n` of them, reported 2017–2024. */
export function* syntheticRecords(n: number, seed = 2017): Generator<IncidentFacts> {
  const next = random(seed);
  const category = weighted(
    next,
    categories.map((c, i) => [c, c === 'rape' || c === 'sodomy' ? 20 : c === 'abduction' ? 12 : 8 / (1 + i)] as const),
  );
  const province = weighted(next, [
    ['punjab', 70],
    ['sindh', 18],
    ['kp', 6],
    ['balochistan', 2],
    ['ict', 3],
    ['ajk', 0.6],
    ['gb', 0.3],
    ['unknown', 0.1],
  ] as const);
  const sex = weighted(next, [
    ['girl', 53],
    ['boy', 46],
    ['unknown', 1],
  ] as const);
  const age = weighted(next, [...ageBands.map((a) => [a, 22] as const), ['unknown', 12]] as const);
  const relationship = weighted(next, [
    ...abuserRelationships.map((r) => [r, r === 'acquaintance' ? 40 : 5] as const),
    ['unknown', 10],
  ] as const);
  const place = weighted(next, [...places.map((p) => [p, 10] as const), ['unknown', 20]] as const);
  const police = weighted(next, [...policeStatuses.map((p) => [p, p === 'registered' ? 85 : 4] as const), ['unknown', 7]] as const);
  const start = Date.UTC(2017, 0, 1);
  const days = (Date.UTC(2025, 0, 1) - start) / 86_400_000;
  for (let i = 0; i < n; i++) {
    const p = province();
    const list = districtsByProvince[p] ?? [];
    const d = next();
    yield {
      source: next() < 0.8 ? 'media' : 'hotline',
      category: category(),
      reportedOn: new Date(start + Math.floor(next() * days) * 86_400_000).toISOString().slice(0, 10),
      province: p,
      // Mostly the busiest districts; some not named, some typed as no list has them.
      district: list.length === 0 || d < 0.1 ? null : d < 0.13 ? `${list[0]} Cantt` : list[Math.floor(list.length * next() ** 2)]!,
      area: next() < 0.6 ? 'rural' : next() < 0.95 ? 'urban' : 'unknown',
      victimSex: sex(),
      ageBand: age(),
      abuserRelationship: relationship(),
      place: place(),
      policeStatus: police(),
    };
  }
}

async function fill(database: Database, n: number): Promise<void> {
  const batch = 20_000;
  const records = syntheticRecords(n);
  for (let done = 0; done < n; done += batch) {
    const columns: string[][] = Array.from({ length: 12 }, () => []);
    for (let i = 0; i < Math.min(batch, n - done); i++) {
      const r = records.next().value as IncidentFacts;
      const row = [
        randomUUID(),
        r.source,
        r.category,
        r.reportedOn,
        r.province,
        r.district ?? '',
        r.area,
        r.victimSex,
        r.ageBand,
        r.abuserRelationship,
        r.place,
        r.policeStatus,
      ];
      row.forEach((v, c) => columns[c]!.push(v));
    }
    // Arrays as single parameters (unnest), so a batch is one statement with twelve parameters.
    await database.rawTransaction((raw) =>
      raw.query(
        `INSERT INTO incident_records (id, source, category, reported_on, province, district, area, victim_sex, age_band, abuser_relationship, place, police_status)
         SELECT id, source, category, reported_on::date, province, nullif(district, ''), area, victim_sex, age_band, abuser_relationship, place, police_status
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
           AS t(id, source, category, reported_on, province, district, area, victim_sex, age_band, abuser_relationship, place, police_status)`,
        columns,
      ),
    );
  }
  await database.db.execute(sql`ANALYZE incident_records`);
}

// ------------------------------------------------------------------------------- timing

/** `setup`, untimed, runs before each run (and the warm-up). */
async function median(work: () => Promise<unknown>, setup?: () => Promise<unknown>): Promise<{ median: number; min: number; max: number }> {
  await setup?.();
  await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await setup?.();
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]!, max: times.at(-1)! };
}

async function openFresh(engine: Engine): Promise<{ database: Database; drop(): Promise<void> }> {
  if (engine === 'pglite') {
    const database = await openDatabase({ engine: 'pglite' });
    await migrate(database);
    return { database, drop: () => database.close() };
  }
  const scratch = await scratchDatabase(serverUrl!, 'hifazat_bench_statistics');
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

console.log(`# bench/statistics.ts: ${recordCount.toLocaleString('en')} records, median of ${runs} runs after a warm-up`);
console.log(
  `# ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (const engine of engines) {
  const { database, drop } = await openFresh(engine);
  try {
    const filled = performance.now();
    await fill(database, recordCount);
    console.log(
      `\n## ${engine}${engine === 'postgres' ? ` (${((await database.db.execute(sql`SHOW server_version`)) as unknown as { rows: { server_version: string }[] }).rows[0]!.server_version})` : ''}: filled in ${((performance.now() - filled) / 1000).toFixed(1)} s`,
    );
    const services = createServices(database, new Keyring(randomBytes(32)));
    const query = async <Row>(text: string) => ((await database.db.execute(sql.raw(text))) as unknown as { rows: Row[] }).rows;
    const refreshStart = performance.now();
    await services.maintain();
    const refreshMs = performance.now() - refreshStart;
    const [rollup] = await query<{ months: number; rows: number }>(
      'SELECT count(DISTINCT month)::int AS months, count(*)::int AS rows FROM incident_monthly_counts',
    );
    console.log(
      `first maintenance run (every month stale): ${(refreshMs / 1000).toFixed(1)} s, ${rollup!.months} months, ${rollup!.rows.toLocaleString('en')} rows of monthly counts`,
    );
    await database.db.execute(sql`ANALYZE incident_monthly_counts`);
    const app = await buildApp(services, {
      logLevel: 'silent',
      trustProxy: false,
      https: false,
      publicUrl: 'http://127.0.0.1',
      matchRequestsPerMinute: 1e6,
    } as Parameters<typeof buildApp>[1]);
    const releaseId = await services.statistics.publish(commandLine, { from: '2024-01-01', to: '2024-12-31' });
    const staff = {
      id: randomUUID(),
      email: 'bench@hifazat.test',
      displayName: 'Bench',
      role: 'supervisor' as const,
      language: 'en' as const,
    };
    const ctx = { lang: 'en' as const, t: messages.en, c: consoleMessages.en, page: '/statistics', staff, csrf: 'x' };
    const staffDashboard = async (filter: Parameters<typeof services.statistics.preview>[1]) => {
      const preview = await services.statistics.preview(staff, filter);
      const releases = await services.statistics.listReleases();
      return consoleStatisticsPage(ctx, {
        filter: { from: filter.period.from, to: filter.period.to, province: filter.province ?? '', source: filter.source ?? '' },
        preview,
        issues: [],
        releases,
        districtNames: new Map(),
      }).toString();
    };
    const year = { from: '2024-01-01', to: '2024-12-31' };
    const all = { from: '2017-01-01', to: '2024-12-31' };
    const edges = { from: '2019-03-15', to: '2023-10-20' };
    for (const filter of [{ period: all }, { period: edges, province: 'punjab' }, { period: edges, source: 'media' as const }]) {
      assert.deepEqual(await services.statistics.counts(filter), await services.statistics.liveCounts(filter), JSON.stringify(filter));
    }
    const insertOne = () =>
      database.db
        .insert(incidentRecords)
        .values({ id: randomUUID(), source: 'media', category: 'rape', reportedOn: '2020-06-15', province: 'punjab', district: 'Lahore' });
    const rows: [string, () => Promise<unknown>, (() => Promise<unknown>)?][] = [
      ['counts of one year (SQL)', () => services.statistics.counts({ period: year })],
      ['counts of eight years (SQL)', () => services.statistics.counts({ period: all })],
      ['counts of eight years, every record counted live (as before)', () => services.statistics.liveCounts({ period: all })],
      ['staff dashboard, one year', () => staffDashboard({ period: year })],
      ['staff dashboard, eight years', () => staffDashboard({ period: all })],
      ['staff dashboard, one year, Punjab', () => staffDashboard({ period: year, province: 'punjab' })],
      ['staff dashboard, one year, newspapers', () => staffDashboard({ period: year, source: 'media' })],
      [`staff dashboard, ${edges.from} to ${edges.to} (partial months at both edges)`, () => staffDashboard({ period: edges })],
      ['staff dashboard, eight years, one month stale', () => staffDashboard({ period: all }), insertOne],
      ['publish one year', () => services.statistics.publish(commandLine, year)],
      ['public dashboard (GET /en/statistics)', () => app.inject(`/en/statistics?release=${releaseId}`)],
      ['public release as JSON', () => app.inject(`/api/v1/statistics/releases/${releaseId}`)],
    ];
    const [inYear] = await query<{ n: number }>(
      "SELECT count(*)::int AS n FROM incident_records WHERE reported_on BETWEEN '2024-01-01' AND '2024-12-31'",
    );
    console.log(`records in 2024: ${inYear!.n.toLocaleString('en')}\n`);
    console.log('| measurement | median ms | min ms | max ms |');
    console.log('|---|---|---|---|');
    for (const [name, work, setup] of rows) {
      const t = await median(work, setup);
      console.log(`| ${name} | ${t.median.toFixed(1)} | ${t.min.toFixed(1)} | ${t.max.toFixed(1)} |`);
    }
    console.log(
      `\nload average at the end ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    await app.close();
  } finally {
    await drop();
  }
}
