/**
 * The supervisor's dashboard (services/dashboard.ts) over a year of case work.
 *
 *   npx tsx bench/dashboard.ts [--engine postgres|pglite] [--cases 100000] [--runs 50]
 *                              [--database-url postgresql://…]
 *
 * Fills a new database (a scratch database on the PostgreSQL server at --database-url /
 * BENCH_DATABASE_URL / TEST_DATABASE_URL, dropped afterwards; or an in-memory PGlite) with
 * --cases cases from bench/seed-cases.ts (a year of work: reports, classifications, referrals with
 * FIR statuses, messages from staff, closures), then times the dashboard's figures as the page
 * asks for them (four queries: triage, first replies, referrals and FIRs by district, closures)
 * for the whole year, the year in Punjab, and the last 30 days, and the CSV export of the year
 * (the figures, the audit entry and the CSV). Prints p50 and p99 of --runs runs after five warm-ups,
 * the time of each query alone for the year, and a yardstick: one pass over the reports (on a busy
 * machine every figure is slower by about as much as it is).
 *
 * Without --engine, runs PostgreSQL when a server URL is known, else PGlite.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import type { StaffActor } from '../src/domain/actor.ts';
import { dashboardRange, triageTargets } from '../src/domain/dashboard.ts';
import { pakistanToday } from '../src/domain/pakistan-time.ts';
import { createServices } from '../src/services/index.ts';
import { DashboardStore } from '../src/store/dashboard.ts';
import { openFresh, percentiles, type Engine } from './scratch.ts';
import { seedCases } from './seed-cases.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string' },
    cases: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '50' },
    'database-url': { type: 'string' },
  },
});
const caseCount = Number(values.cases);
const runs = Number(values.runs);
const serverUrl = values['database-url'] ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!(caseCount >= 1) || !(runs >= 1)) throw new Error('--cases and --runs must be positive');
const engine: Engine = (values.engine as Engine | undefined) ?? (serverUrl ? 'postgres' : 'pglite');
if (engine === 'postgres' && !serverUrl) throw new Error('PostgreSQL needs --database-url (or BENCH_DATABASE_URL)');

console.log(`# bench/dashboard.ts: ${caseCount.toLocaleString('en')} cases on ${engine}, p50/p99 of ${runs} runs after five warm-ups`);
console.log(
  `# ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const { database, drop } = await openFresh(engine, serverUrl, 'hifazat_bench_dashboard');
try {
  const now = new Date();
  const filled = performance.now();
  const seeded = await seedCases(database, caseCount, { now });
  const rows = async <Row>(text: string) => ((await database.db.execute(sql.raw(text))) as unknown as { rows: Row[] }).rows;
  const [version] = engine === 'postgres' ? await rows<{ server_version: string }>('SHOW server_version') : [];
  const [stats] = await rows<{ reports: number; referrals: number; messages: number; closed: number }>(
    "SELECT (SELECT count(*)::int FROM reports) AS reports, (SELECT count(*)::int FROM referrals) AS referrals, (SELECT count(*)::int FROM report_messages WHERE author = 'staff') AS messages, (SELECT count(*)::int FROM cases WHERE state = 'closed') AS closed",
  );
  console.log(
    `\n## ${engine}${version ? ` ${version.server_version}` : ''}: ${caseCount.toLocaleString('en')} cases (${stats!.closed.toLocaleString('en')} closed), ${stats!.reports.toLocaleString('en')} reports, ${stats!.referrals.toLocaleString('en')} referrals, ${stats!.messages.toLocaleString('en')} staff messages, seeded in ${((performance.now() - filled) / 1000).toFixed(1)} s\n`,
  );
  // As tables are in service (autovacuum): visibility and hint bits set, so a read does not write.
  await rows('VACUUM (ANALYZE) reports, report_classifications, report_messages, referrals, cases');
  const services = createServices(database, seeded.keyring, undefined, () => now);
  const supervisor: StaffActor = { id: seeded.supervisorIds[0]!, email: 'bench-1@hifazat.test', role: 'supervisor' };
  const today = pakistanToday(now);
  // A year with both its ends: the day a year ago to today, 366 days.
  const yearAgo = `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`;
  const year = services.dashboard.filter({ from: yearAgo, to: today });
  const punjab = services.dashboard.filter({ from: yearAgo, to: today, province: 'punjab' });
  const month = services.dashboard.filter({});
  const figures = await services.dashboard.figures(supervisor, year);
  assert.ok(figures.triage.all.cases > caseCount * 0.9, `the year holds the cases (${figures.triage.all.cases})`);
  assert.ok(figures.replies.answered > 0 && figures.firByDistrict.length > 0 && figures.closures.actioned > 0);

  const store = new DashboardStore(database);
  const query = { ...dashboardRange(year), province: undefined, now, targetHours: triageTargets };
  const measurements: [string, () => Promise<unknown>][] = [
    // How fast the machine is just now: one pass over the reports, which every figure of a year also makes.
    ['yardstick: one pass over the reports (no join)', () => rows('SELECT count(*) FILTER (WHERE in_danger_now)::int AS n FROM reports')],
    [`dashboard, one year (${year.from} to ${year.to}), every province`, () => services.dashboard.figures(supervisor, year)],
    ['dashboard, one year, Punjab', () => services.dashboard.figures(supervisor, punjab)],
    [`dashboard, last 30 days (${month.from} to ${month.to})`, () => services.dashboard.figures(supervisor, month)],
    ['CSV export, one year (figures, audit entry, CSV)', () => services.dashboard.exportCsv(supervisor, year)],
    ['one year: time to triage alone', () => store.triage(query)],
    ['one year: first replies alone', () => store.replies(query)],
    ['one year: referrals and FIRs by district alone', () => store.referrals(query)],
    ['one year: closures alone', () => store.closures(query)],
  ];
  console.log('| measurement | p50 ms | p99 ms | max ms |');
  console.log('|---|---|---|---|');
  for (const [name, work] of measurements) {
    const t = await percentiles(runs, work);
    console.log(`| ${name} | ${t.p50.toFixed(1)} | ${t.p99.toFixed(1)} | ${t.max.toFixed(1)} |`);
  }
  console.log(
    `\nload average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  await drop();
}
