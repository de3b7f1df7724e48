/**
 * The console's queue and its searches over many cases.
 *
 *   npx tsx bench/case-queue.ts [--engine postgres|pglite] [--cases 100000] [--runs 200]
 *                               [--database-url postgresql://…]
 *
 * Fills a new database (a scratch database on the PostgreSQL server at --database-url /
 * BENCH_DATABASE_URL / TEST_DATABASE_URL, dropped afterwards; or an in-memory PGlite) with
 * --cases cases from bench/seed-cases.ts (a year of work, about 90% closed), then times
 * CaseQueue.queue as the console calls it (the page's cases, their reports, the counts per state,
 * overdue tasks and follow-ups) for a supervisor and an analyst: the first page and a deep page of
 * the open cases and of the closed ones, and searches by reference, district, link (its keyed
 * hash), overdue, and a combination. Prints p50 and p99 of --runs runs after five warm-ups.
 *
 * Without --engine, runs PostgreSQL when a server URL is known, else PGlite.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createServices } from '../src/services/index.ts';
import { queuePageSize, type QueueFilter } from '../src/domain/case-search.ts';
import type { StaffActor } from '../src/domain/actor.ts';
import { openFresh, percentiles, type Engine } from './scratch.ts';
import { seedCases } from './seed-cases.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string' },
    cases: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '200' },
    'database-url': { type: 'string' },
  },
});
const caseCount = Number(values.cases);
const runs = Number(values.runs);
const serverUrl = values['database-url'] ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!(caseCount >= 1) || !(runs >= 1)) throw new Error('--cases and --runs must be positive');
const engine: Engine = (values.engine as Engine | undefined) ?? (serverUrl ? 'postgres' : 'pglite');
if (engine === 'postgres' && !serverUrl) throw new Error('PostgreSQL needs --database-url (or BENCH_DATABASE_URL)');

console.log(`# bench/case-queue.ts: ${caseCount.toLocaleString('en')} cases on ${engine}, p50/p99 of ${runs} runs after five warm-ups`);
console.log(
  `# ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const { database, drop } = await openFresh(engine, serverUrl, 'hifazat_bench_case_queue');
try {
  const filled = performance.now();
  const seeded = await seedCases(database, caseCount);
  const rows = async <Row>(text: string) => ((await database.db.execute(sql.raw(text))) as unknown as { rows: Row[] }).rows;
  const [version] = engine === 'postgres' ? await rows<{ server_version: string }>('SHOW server_version') : [];
  const [stats] = await rows<{ reports: number; referrals: number; open: number }>(
    "SELECT (SELECT count(*)::int FROM reports) AS reports, (SELECT count(*)::int FROM referrals) AS referrals, (SELECT count(*)::int FROM cases WHERE state <> 'closed') AS open",
  );
  console.log(
    `\n## ${engine}${version ? ` ${version.server_version}` : ''}: ${caseCount.toLocaleString('en')} cases (${stats!.open.toLocaleString('en')} open), ${stats!.reports.toLocaleString('en')} reports, ${stats!.referrals.toLocaleString('en')} referrals, seeded in ${((performance.now() - filled) / 1000).toFixed(1)} s\n`,
  );
  const services = createServices(database, seeded.keyring);
  const supervisor: StaffActor = { id: seeded.supervisorIds[0]!, email: 'bench-1@hifazat.test', role: 'supervisor' };
  const analyst: StaffActor = { id: seeded.analystIds[0]!, email: 'bench-3@hifazat.test', role: 'analyst' };
  const [sample] = await rows<{ reference: string; district: string }>(
    "SELECT c.reference, r.district FROM cases c JOIN reports r ON r.case_id = c.id WHERE c.state <> 'closed' AND r.district IS NOT NULL ORDER BY c.created_at DESC LIMIT 1",
  );
  const link = seeded.links[0]!;
  const queue = (actor: StaffActor, filter: QueueFilter, options?: { link: string }) => services.cases.queue(actor, filter, options);
  const open = await queue(supervisor, {});
  const closed = await queue(supervisor, { state: 'closed' });
  assert.ok(open.total > 0 && closed.total > 0);
  assert.equal((await queue(supervisor, { reference: sample!.reference })).total, 1);
  assert.ok((await queue(supervisor, { state: 'closed' }, { link })).total >= 1, 'the seeded link is found');
  const measurements: [string, () => Promise<unknown>][] = [
    [`open cases, page 1 (of ${open.pages})`, () => queue(supervisor, {})],
    [`open cases, last page (${open.pages})`, () => queue(supervisor, { page: open.pages })],
    [`closed cases, page 1 (of ${closed.pages})`, () => queue(supervisor, { state: 'closed' })],
    [
      `closed cases, page ${Math.ceil(closed.pages / 2)} (half way)`,
      () => queue(supervisor, { state: 'closed', page: Math.ceil(closed.pages / 2) }),
    ],
    [`closed cases, last page (${closed.pages})`, () => queue(supervisor, { state: 'closed', page: closed.pages })],
    ["an analyst's queue, page 1", () => queue(analyst, {})],
    ['search: reference', () => queue(supervisor, { reference: sample!.reference })],
    [`search: district (${sample!.district}), open`, () => queue(supervisor, { district: sample!.district })],
    [`search: district (${sample!.district}), closed`, () => queue(supervisor, { district: sample!.district, state: 'closed' })],
    ['search: link (keyed hash)', () => queue(supervisor, {}, { link })],
    ['search: link, closed cases', () => queue(supervisor, { state: 'closed' }, { link })],
    ['search: overdue', () => queue(supervisor, { overdue: 'yes' })],
    ['search: danger now, Punjab, online', () => queue(supervisor, { danger: 'yes', province: 'punjab', kind: 'online_material' })],
    [
      'search: received in the last 90 days, closed',
      () => queue(supervisor, { state: 'closed', receivedFrom: new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10) }),
    ],
  ];
  console.log(`| measurement (${queuePageSize} a page) | p50 ms | p99 ms | max ms |`);
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
