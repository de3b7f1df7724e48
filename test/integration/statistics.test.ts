import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { commandLine } from '../../src/domain/actor.ts';
import { HifazatError, type ErrorCode } from '../../src/domain/errors.ts';
import { mediaColumns } from '../../src/domain/media.ts';
import { buildRelease, countRecords, type IncidentFacts, type Release } from '../../src/domain/statistics.ts';
import { createServices } from '../../src/services/index.ts';
import { openDatabase } from '../../src/store/database.ts';
import { auditLog, incidentRecords } from '../../src/store/schema.ts';
import { mediaReports, statisticsReleases } from '../../src/store/statistics-schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { forEachEngine } from '../helpers/database.ts';
import { exposedCells, thinMargins } from '../helpers/release-audit.ts';
import { Browser, enrolStaff } from '../helpers/console.ts';
import { createStaffTeam, type StaffTeam } from '../helpers/staff.ts';

const refused = (promise: Promise<unknown>, code: ErrorCode) =>
  assert.rejects(promise, (e: unknown) => e instanceof HifazatError && e.code === code);
const overlapRefusal = (e: unknown) =>
  e instanceof HifazatError &&
  e.code === 'validation_failed' &&
  JSON.stringify(e.issues) === JSON.stringify([{ field: 'from', problem: 'period_overlaps' }]);
const utf8 = (s: string) => new TextEncoder().encode(s);
const csv = (...lines: string[]) => utf8([mediaColumns.join(','), ...lines].join('\r\n'));

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

forEachEngine('statistics', (engine) => {
  let t: TestApp;
  let team: StaffTeam;
  before(async () => {
    t = await testApp(engine);
    team = await createStaffTeam(t.database);
  });
  after(() => t.close());

  const auditActions = async (action: string) =>
    (await t.database.db.select().from(auditLog).where(eq(auditLog.action, action))).map((e) => e.details);

  test('counting in SQL gives what counting in memory gives, for a period, a province and a source', async () => {
    const next = random(2019);
    const pick = <T>(values: readonly T[]) => values[Math.floor(next() * values.length)]!;
    const records: (IncidentFacts & { typedDistrict: string | null })[] = [];
    for (let i = 0; i < 400; i++) {
      const province = pick(['punjab', 'punjab', 'sindh', 'kp', 'unknown', 'nowhere']);
      // Listed names count by name; a typed name that is not on the list never does.
      const typedDistrict =
        province === 'punjab' ? pick(['Lahore', 'Kasur', 'Lahore Cantt', null]) : province === 'sindh' ? pick(['Hyderabad', null]) : null;
      records.push({
        source: pick(['hotline', 'media']),
        category: pick(['rape', 'sodomy', 'abduction', 'other', 'made_up']),
        reportedOn: `2019-${String(1 + Math.floor(next() * 12)).padStart(2, '0')}-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`,
        province,
        district: typedDistrict === 'Lahore Cantt' ? null : typedDistrict,
        typedDistrict,
        area: pick(['urban', 'rural', 'unknown']),
        victimSex: pick(['girl', 'boy', 'unknown']),
        ageBand: pick(['0-5', '6-10', '11-15', '16-17', 'unknown']),
        abuserRelationship: pick(['neighbour', 'relative', 'unknown']),
        place: pick(['street', 'victim_home', 'unknown']),
        policeStatus: pick(['registered', 'refused', 'not_yet', 'unknown']),
      });
    }
    await t.database.db.insert(incidentRecords).values(
      records.map((r) => ({
        id: randomUUID(),
        source: r.source,
        category: r.category,
        reportedOn: r.reportedOn,
        province: r.province,
        district: r.typedDistrict,
        area: r.area,
        victimSex: r.victimSex,
        ageBand: r.ageBand,
        abuserRelationship: r.abuserRelationship,
        place: r.place,
        policeStatus: r.policeStatus,
      })),
    );
    const normalise = (c: ReturnType<typeof countRecords>) => ({
      ...c,
      geography: [...c.geography].sort((a, b) => `${a.province}/${a.district}`.localeCompare(`${b.province}/${b.district}`)),
    });
    const cases = [
      { period: { from: '2019-01-01', to: '2019-12-31' } },
      { period: { from: '2019-03-15', to: '2019-08-02' }, province: 'punjab' },
      { period: { from: '2019-02-01', to: '2019-11-30' }, source: 'media' as const },
    ];
    for (const filter of cases) {
      const inMemory = countRecords(
        records.filter((r) => (!filter.province || r.province === filter.province) && (!filter.source || r.source === filter.source)),
        filter.period,
      );
      const fromSql = await t.services.statistics.counts(filter);
      // SQL keeps the stored values ('made_up', 'nowhere'); tables map them as countRecords does.
      assert.equal(fromSql.total, inMemory.total);
      assert.deepEqual(
        buildRelease({ period: filter.period, counts: fromSql }, { reveal: true, k: 3 }),
        buildRelease({ period: filter.period, counts: inMemory }, { reveal: true, k: 3 }),
      );
      assert.deepEqual(normalise(fromSql).months, normalise(inMemory).months);
    }
  });

  test('a media CSV with good and bad rows imports nothing and reports every problem by row and column; the corrected file imports', async () => {
    const good = [
      '2021-03-01,Dawn,Girl abused in Kasur,https://www.dawn.com/news/1,rape,punjab,Kasur,urban,girl,6-10,neighbour,street,registered',
      '2021-03-02,Jang,"Boy, 12, missing",,missing,sindh,,,boy,11-15,,,',
    ];
    const mixed = csv(
      good[0]!,
      '2021-02-30,Express,Headline,,rape,punjab,,,girl,,,,',
      good[1]!,
      '2021-03-04,,Headline,,torture,Balochistan,,,female,,,,',
      '2021-03-05,The News,Headline,javascript:alert(1),rape,punjab,,,girl,,,,,',
    );
    const before = (await t.database.db.select().from(mediaReports)).length;
    const result = await t.services.statistics.importMedia(team.analyst, mixed);
    assert.deepEqual(result, {
      rows: 5,
      imported: 0,
      problems: [
        { row: 3, column: 'date', problem: 'invalid_date' },
        { row: 5, column: 'newspaper', problem: 'required' },
        { row: 5, column: 'category', problem: 'invalid_choice' },
        { row: 5, column: 'sex', problem: 'invalid_choice' },
        { row: 6, column: null, problem: 'wrong_field_count' },
      ],
    });
    assert.equal((await t.database.db.select().from(mediaReports)).length, before, 'nothing imported');

    const corrected = await t.services.statistics.importMedia(team.analyst, csv(...good));
    assert.deepEqual(corrected, { rows: 2, imported: 2, problems: [] });
    const rows = await t.database.db
      .select({
        headline: mediaReports.headline,
        source: incidentRecords.source,
        district: incidentRecords.district,
        reportedOn: incidentRecords.reportedOn,
        police: incidentRecords.policeStatus,
        area: incidentRecords.area,
      })
      .from(mediaReports)
      .innerJoin(incidentRecords, eq(incidentRecords.id, mediaReports.incidentId))
      .where(sql`${mediaReports.publishedOn} BETWEEN '2021-03-01' AND '2021-03-02'`)
      .orderBy(mediaReports.publishedOn);
    assert.deepEqual(rows, [
      {
        headline: 'Girl abused in Kasur',
        source: 'media',
        district: 'Kasur',
        reportedOn: '2021-03-01',
        police: 'registered',
        area: 'urban',
      },
      { headline: 'Boy, 12, missing', source: 'media', district: null, reportedOn: '2021-03-02', police: 'unknown', area: 'unknown' },
    ]);

    const again = await t.services.statistics.importMedia(team.analyst, csv(...good));
    assert.deepEqual(again.problems, [
      { row: 2, column: null, problem: 'already_imported' },
      { row: 3, column: null, problem: 'already_imported' },
    ]);
    assert.equal(again.imported, 0);
    assert.deepEqual(
      (await auditActions('media.import')).map((d) => d.imported),
      [0, 2, 0],
    );
    await refused(t.services.statistics.importMedia(team.auditor, csv(...good)), 'forbidden');
  });

  test('a media report can only belong to a media incident record', async () => {
    const id = randomUUID();
    await t.database.db.insert(incidentRecords).values({ id, source: 'hotline' as const, reportedOn: '2021-01-01' });
    await assert.rejects(
      t.database.db
        .insert(mediaReports)
        .values({ id: randomUUID(), incidentId: id, newspaper: 'Dawn', publishedOn: '2021-01-01', headline: 'x', rowKey: randomUUID() }),
    );
  });

  test('one newspaper report from the console; likely duplicates of a hotline case are suggested; a duplicate can be removed', async () => {
    const report = await t.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      payload: {
        kind: 'abuse',
        language: 'en',
        description: 'x',
        province: 'punjab',
        district: 'lahore',
        childSex: 'girl',
        childAgeBand: '11-15',
        occurredOn: '2021-05-10',
      },
    });
    assert.equal(report.statusCode, 201);
    await t.database.db.update(incidentRecords).set({ category: 'rape' }).where(eq(incidentRecords.occurredOn, '2021-05-10'));
    const fields = {
      date: '2021-05-12',
      newspaper: 'Dawn',
      headline: 'Girl abused',
      category: 'rape',
      province: 'punjab',
      district: 'Lahore',
      sex: 'girl',
      age_band: '11-15',
    };
    const mediaId = await t.services.statistics.addMedia(team.analyst, fields);
    await refused(t.services.statistics.addMedia(team.analyst, fields), 'validation_failed');
    await refused(t.services.statistics.addMedia(team.analyst, { ...fields, date: 'tomorrow' }), 'validation_failed');
    await refused(t.services.statistics.addMedia(team.auditor, fields), 'forbidden');
    // Four days apart, or another age band: not suggested.
    await t.services.statistics.addMedia(team.analyst, { ...fields, date: '2021-05-14', headline: 'Other paper', newspaper: 'Jang' });
    await t.services.statistics.addMedia(team.analyst, { ...fields, date: '2021-05-15', headline: 'Later', newspaper: 'Nation' });
    await t.services.statistics.addMedia(team.analyst, { ...fields, age_band: '6-10', headline: 'Younger' });
    const suggestions = (await t.services.statistics.duplicates(team.analyst)).filter((s) => s.media.date.startsWith('2021-05'));
    const pairs = suggestions.map((s) => `${s.media.headline} ~ ${s.other.source}:${s.other.headline ?? s.other.reference}`).sort();
    assert.equal(pairs.length, 4, pairs.join('\n'));
    assert.ok(
      pairs.some((p) => /^Girl abused ~ hotline:HZ-\d{4}-\d{6}$/.test(p)),
      pairs.join('\n'),
    );
    assert.ok(pairs.includes('Other paper ~ media:Girl abused'));
    assert.ok(pairs.includes('Later ~ media:Other paper'));
    assert.ok(!pairs.some((p) => p.startsWith('Younger')));
    assert.ok(!pairs.includes('Later ~ hotline'), 'five days from the hotline case');
    await t.services.statistics.removeMedia(team.analyst, mediaId);
    assert.equal((await t.database.db.select().from(incidentRecords).where(eq(incidentRecords.id, mediaId))).length, 0);
    await refused(t.services.statistics.removeMedia(team.analyst, mediaId), 'not_found');
    assert.equal((await auditActions('media.remove')).length, 1);
  });

  test('publishing: supervisors only, audited, protected, append-only; listed and read back unchanged', async () => {
    const rows = (n: number, fields: Record<string, string>) =>
      Array.from({ length: n }, () => ({
        id: randomUUID(),
        source: 'hotline' as const,
        reportedOn: '2011-06-15',
        category: 'rape',
        ...fields,
      }));
    await t.database.db
      .insert(incidentRecords)
      .values([
        ...rows(20, { victimSex: 'girl', province: 'punjab' }),
        ...rows(2, { victimSex: 'boy', province: 'sindh' }),
        ...rows(6, { victimSex: 'girl', reportedOn: '2010-06-15' }),
      ]);
    await refused(t.services.statistics.publish(team.analyst, { from: '2011-01-01', to: '2011-12-31' }), 'forbidden');
    await refused(t.services.statistics.publish(team.supervisor, { from: '2011-12-31', to: '2011-01-01' }), 'validation_failed');
    await refused(t.services.statistics.publish(team.supervisor, { from: '2011-01-01', to: '2011-12-31', k: 1 }), 'validation_failed');
    await refused(t.services.statistics.publish(team.supervisor, { from: '2011-01-01', to: '2999-12-31' }), 'validation_failed');
    const id = await t.services.statistics.publish(team.supervisor, { from: '2011-01-01', to: '2011-12-31', k: 5 });
    const stored = await t.services.statistics.getRelease(id);
    assert.ok(stored);
    const release: Release = stored.release;
    assert.equal(release.total.value, 22);
    const sex = Object.fromEntries(release.tables.find((x) => x.id === 'sex')!.rows.map((r) => [r.key, r.count.value]));
    // Girls 20 of 22 would tell that 2 children were not girls (boys 2 and not known 0, both withheld): girls are withheld too.
    assert.deepEqual(sex, { girl: null, boy: null, unknown: null });
    assert.deepEqual(exposedCells(release), []);
    assert.deepEqual(thinMargins(release), []);
    assert.equal(release.comparison!.total.previous.value, 6);
    assert.equal(release.comparison!.total.changePercent, 267);
    assert.deepEqual(
      (await t.services.statistics.listReleases()).map((r) => ({ id: r.id, period: r.period, total: r.total })),
      [{ id, period: { from: '2011-01-01', to: '2011-12-31' }, total: 22 }],
    );
    assert.equal(await t.services.statistics.getRelease(id + 1000), null);
    const [entry] = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'statistics.publish'));
    assert.equal(entry!.actorId, team.supervisor.id);
    assert.deepEqual(entry!.details, { from: '2011-01-01', to: '2011-12-31', k: 5 });
    // The log of releases refuses changes.
    const appendOnly = (e: unknown) => /statistics_releases is append-only/.test(String((e as { cause?: Error }).cause?.message));
    await assert.rejects(t.database.db.update(statisticsReleases).set({ k: 9 }).where(eq(statisticsReleases.id, id)), appendOnly);
    await assert.rejects(t.database.db.delete(statisticsReleases).where(eq(statisticsReleases.id, id)), appendOnly);
    const [raw] = await t.database.db
      .select({ tables: statisticsReleases.tables })
      .from(statisticsReleases)
      .where(eq(statisticsReleases.id, id));
    assert.deepEqual(raw!.tables, release);
    // January–June inside the published year would be refused (the year less it is July–December,
    // unprotected); the same year again is a correction.
    await assert.rejects(t.services.statistics.publish(commandLine, { from: '2011-01-01', to: '2011-06-30' }), overlapRefusal);
    const cli = await t.services.statistics.publish(commandLine, { from: '2011-01-01', to: '2011-12-31' });
    assert.equal(cli, id + 1);
  });

  test('a release overlapping an earlier one without the same period is refused (1–10 March, then 1–11 March); the same period is a correction', async () => {
    // The finding: 1–10 March and 1–11 March differ by the incident of 11 March, published with its date and every breakdown.
    const day = (d: string, fields: Record<string, string> = {}) => ({
      id: randomUUID(),
      source: 'hotline' as const,
      reportedOn: `2015-03-${d}`,
      victimSex: 'girl',
      ...fields,
    });
    await t.database.db
      .insert(incidentRecords)
      .values([
        ...Array.from({ length: 12 }, (_, i) => day(String(1 + (i % 10)).padStart(2, '0'))),
        day('11', { category: 'incest', province: 'gb', area: 'rural' }),
      ]);
    const releases = async () => (await t.database.db.select({ id: statisticsReleases.id }).from(statisticsReleases)).length;
    const audited = async () => (await auditActions('statistics.publish')).length;
    const first = await t.services.statistics.publish(team.supervisor, { from: '2015-03-01', to: '2015-03-10' });
    const [count, entries] = [await releases(), await audited()];
    await assert.rejects(t.services.statistics.publish(team.supervisor, { from: '2015-03-01', to: '2015-03-11' }), (e: unknown) => {
      assert.ok(overlapRefusal(e), String(e));
      assert.match((e as Error).message, new RegExp(`overlaps 2015-03-01 to 2015-03-10 of release ${first} without being the same period`));
      return true;
    });
    // Inside it, around it, or its comparison period (March 2014) overlapping: all refused, nothing stored or audited.
    for (const period of [
      { from: '2015-03-05', to: '2015-03-06' },
      { from: '2015-02-01', to: '2015-03-31' },
      { from: '2014-03-05', to: '2014-03-20' },
    ]) {
      await assert.rejects(t.services.statistics.publish(commandLine, period), overlapRefusal, JSON.stringify(period));
    }
    assert.equal(await releases(), count);
    assert.equal(await audited(), entries);
    // The same period again (a correction), and the days right after it, are published.
    assert.equal(await t.services.statistics.publish(team.supervisor, { from: '2015-03-01', to: '2015-03-10' }), first + 1);
    assert.equal(await t.services.statistics.publish(team.supervisor, { from: '2015-03-11', to: '2015-03-20' }), first + 2);
  });

  test('two publishes at once, from two connection pools (as two processes would), cannot both pass the overlap check', async () => {
    // On PostgreSQL a second pool opened on the same database is another process as far as the
    // server knows; PGlite has one connection, so there both calls go through the same services.
    const url = (t.database as { url?: string }).url;
    const other = url ? await openDatabase({ engine: 'postgres', url, poolSize: 4 }) : null;
    try {
      const services = [t.services, other ? createServices(other, t.keyring) : t.services];
      // Eight periods, each overlapping all the others without being the same: only one may be published.
      const periods = Array.from({ length: 8 }, (_, i) => ({ from: '2016-05-01', to: `2016-05-${String(10 + i)}` }));
      const results = await Promise.allSettled(periods.map((period, i) => services[i % 2]!.statistics.publish(commandLine, period)));
      const published = results.filter((r) => r.status === 'fulfilled');
      assert.equal(published.length, 1, JSON.stringify(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))));
      for (const r of results) if (r.status === 'rejected') assert.ok(overlapRefusal(r.reason), String(r.reason));
      const stored = await t.database.db
        .select({ from: statisticsReleases.periodFrom })
        .from(statisticsReleases)
        .where(eq(statisticsReleases.periodFrom, '2016-05-01'));
      assert.equal(stored.length, 1);
    } finally {
      await other?.close();
    }
  });

  test('API: releases listed, one as JSON (withheld cells null, flagged) and as CSV; unknown ids are 404', async () => {
    const list = await t.app.inject('/api/v1/statistics/releases');
    assert.equal(list.statusCode, 200);
    const { releases } = list.json() as {
      releases: { id: number; period: { from: string; to: string }; total: number | null; links: { csv: string } }[];
    };
    const year = releases.find((r) => r.period.from === '2011-01-01' && r.period.to === '2011-12-31')!;
    assert.equal(year.total, 22);
    const one = await t.app.inject(`/api/v1/statistics/releases/${year.id}`);
    assert.equal(one.statusCode, 200);
    const body = one.json() as {
      id: number;
      k: number;
      tables: { dimension: string; rows: { key: string; count: { value: number | null; suppressed: boolean } }[] }[];
    };
    assert.equal(body.id, year.id);
    const sex = body.tables.find((x) => x.dimension === 'sex')!;
    assert.deepEqual(
      sex.rows.map((r) => [r.key, r.count]),
      [
        ['girl', { value: null, suppressed: true }],
        ['boy', { value: null, suppressed: true }],
        ['unknown', { value: null, suppressed: true }],
      ],
    );
    assert.ok(!one.body.includes('"value":2,'), 'the withheld 2 appears nowhere');
    const csvFile = await t.app.inject(year.links.csv);
    assert.equal(csvFile.statusCode, 200);
    assert.match(String(csvFile.headers['content-type']), /^text\/csv/);
    assert.match(String(csvFile.headers['content-disposition']), /attachment; filename="hifazat-statistics-\d+\.csv"/);
    const lines = csvFile.body.split('\r\n');
    assert.equal(lines[0], 'period_from,period_to,table,key,province,count,suppressed,percent,change_percent');
    assert.ok(lines.includes('2011-01-01,2011-12-31,sex,girl,,,true,,'), lines.slice(0, 30).join('\n'));
    assert.ok(lines.includes('2011-01-01,2011-12-31,sex,boy,,,true,,'));
    for (const bad of ['999999', '0', 'abc', `${year.id}.xml`, '1e3']) {
      const response = await t.app.inject(`/api/v1/statistics/releases/${bad}`);
      assert.equal(response.statusCode, 404, bad);
      assert.equal((response.json() as { error: { code: string } }).error.code, 'not_found');
    }
  });

  test('dashboard and annual report in Urdu and English, Western or Urdu digits, without scripts', async () => {
    const { releases } = (await t.app.inject('/api/v1/statistics/releases')).json() as {
      releases: { id: number; period: { to: string } }[];
    };
    const year = releases.find((r) => r.period.to === '2011-12-31')!;
    const ur = await t.app.inject(`/ur/statistics?release=${year.id}`);
    assert.equal(ur.statusCode, 200);
    assert.match(ur.body, /<html lang="ur" dir="rtl">/);
    assert.ok(ur.body.includes('اعداد و شمار'));
    assert.ok(ur.body.includes('<svg class="chart"'), 'charts');
    // Girls (20 of 22) are withheld: published, they would tell that 2 children were not girls.
    assert.match(ur.body, /<tr class="withheld"><th scope="row">لڑکیاں<\/th><td class="num">–<\/td><td class="num"><\/td>/);
    assert.match(ur.body, /<dt>درج واقعات<\/dt><dd class="figure">22<\/dd>/);
    assert.ok(!/<script/.test(ur.body), 'no script on the dashboard');
    const urdu = await t.app.inject(`/ur/statistics?release=${year.id}&digits=urdu`);
    assert.match(urdu.body, /<dt>درج واقعات<\/dt><dd class="figure">۲۲<\/dd>/);
    assert.match(urdu.body, /<dd class="figure">۰٫۱<\/dd>/);
    const en = await t.app.inject(`/en/statistics?release=${year.id}&digits=urdu`);
    assert.match(en.body, /<dd class="figure">22<\/dd>/, 'Urdu digits are an Urdu-page option');
    assert.match(en.body, /<th scope="row">Girls<\/th><td class="num">–<\/td>/);
    assert.match(en.body, /<th scope="row">Boys<\/th><td class="num">–<\/td>/);
    const report = await t.app.inject(`/en/statistics/report?release=${year.id}`);
    assert.equal(report.statusCode, 200);
    assert.ok(report.body.includes('In 2011, 22 cases of child sexual abuse were recorded.'), report.body);
    assert.ok(report.body.includes('That is +267% compared with 2010 (6 cases).'));
    assert.ok(report.body.includes('On average, 0.1 children every day.'));
    const urReport = await t.app.inject(`/ur/statistics/report?release=${year.id}&digits=urdu`);
    assert.ok(urReport.body.includes('۲۰۱۱ میں بچوں کے ساتھ جنسی زیادتی کے ۲۲ واقعات درج ہوئے۔'));
    assert.equal((await t.app.inject('/en/statistics?release=999999')).statusCode, 404);
  });

  test('console: live tables with filters and export, a newspaper report by form, a CSV upload with its report, publishing', async () => {
    const analyst = new Browser(t);
    assert.equal((await analyst.signIn(await enrolStaff(t, 'analyst'))).statusCode, 303);
    const page = await analyst.get('/console/en/statistics?from=2011-01-01&to=2011-12-31&source=hotline');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<th scope="row">Boys<\/th><td class="num">2 \(would be withheld\)<\/td>/);
    assert.ok(!page.body.includes('action="/console/en/statistics/publish"'), 'only supervisors see the publish form');
    const bad = await analyst.get('/console/en/statistics?from=2011-13-01&to=2011-12-31');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Please give a real date|Give a real date/);
    const exported = await analyst.get('/console/en/statistics/export?from=2011-01-01&to=2011-12-31');
    assert.equal(exported.statusCode, 200);
    assert.match(String(exported.headers['content-type']), /^text\/csv/);
    assert.ok(exported.body.includes('2011-01-01,2011-12-31,sex,boy,,2,true,'));

    const form = '/console/en/statistics/media';
    const refusedForm = await analyst.post(
      form,
      { date: '2022-02-02', newspaper: 'Dawn', headline: '', category: 'rape', sex: 'girl' },
      { formPage: form },
    );
    assert.equal(refusedForm.statusCode, 400);
    assert.match(refusedForm.body, /id="m-headline-error"/);
    assert.ok(refusedForm.body.includes('value="Dawn"'), 'what was typed is kept');
    const added = await analyst.post(
      form,
      { date: '2022-02-02', newspaper: 'Dawn', headline: 'Console headline', category: 'rape', sex: 'girl' },
      { formPage: form },
    );
    assert.equal(added.statusCode, 303);
    assert.ok((await analyst.get(form)).body.includes('Console headline'));

    const upload = async (content: string) => {
      const token = /name="_csrf" value="([^"]+)"/.exec((await analyst.get(form)).body)![1]!;
      const boundary = '----hifazat-test-boundary';
      const payload = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="media.csv"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n--${boundary}--\r\n`,
      );
      return t.app.inject({
        method: 'POST',
        url: '/console/en/statistics/media/import',
        cookies: analyst.cookies,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload,
      });
    };
    const header = mediaColumns.join(',');
    const rejected = await upload(
      `${header}\n2022-03-01,Dawn,One,,rape,punjab,,,girl,,,,\n2022-03-02,Dawn,Two,,rape,punjab,,,girl,,,,nowhere\n`,
    );
    assert.equal(rejected.statusCode, 400);
    assert.match(rejected.body, /Nothing was imported: 1 problems in 2 rows/);
    assert.match(
      rejected.body,
      /<tr><td>3<\/td><td><code dir="ltr">police_status<\/code><\/td><td>Use one of the values of the form\.<\/td><\/tr>/,
    );
    const accepted = await upload(`${header}\n2022-03-01,Dawn,One,,rape,punjab,,,girl,,,,\n`);
    assert.equal(accepted.statusCode, 200);
    assert.match(accepted.body, /1 newspaper reports were imported/);

    const supervisor = new Browser(t);
    const supervisorStaff = await enrolStaff(t, 'supervisor');
    assert.equal((await supervisor.signIn(supervisorStaff)).statusCode, 303);
    const statsPage = '/console/en/statistics';
    // Publishing asks for the password and a code again; given with the first try, the form goes on to publish.
    const reauthentication = { reauthPassword: supervisorStaff.password, reauthCode: supervisorStaff.recoveryCodes[0]! };
    const wrong = await supervisor.post(
      '/console/en/statistics/publish',
      { from: '2012-01-01', to: '2012-12-31', k: '1', ...reauthentication },
      { formPage: statsPage },
    );
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /id="p-k-error"/);
    const published = await supervisor.post(
      '/console/en/statistics/publish',
      { from: '2012-01-01', to: '2012-12-31', k: '5' },
      { formPage: statsPage },
    );
    assert.equal(published.statusCode, 303);
    const id = /published=(\d+)/.exec(String(published.headers.location))![1];
    assert.match((await supervisor.get(String(published.headers.location))).body, new RegExp(`Release ${id} is published`));
    // A period overlapping 2012 without being it is refused in the form, in either language, with what was typed kept.
    const overlapping = { from: '2012-06-01', to: '2013-01-31', k: '7' };
    const releasesBefore = (await t.services.statistics.listReleases()).length;
    const english = await supervisor.post('/console/en/statistics/publish', overlapping, { formPage: statsPage });
    assert.equal(english.statusCode, 400);
    assert.match(english.body, /id="p-from-error"/);
    assert.ok(english.body.includes('overlaps a published release without being the same period'), english.body);
    for (const value of ['value="2012-06-01"', 'value="2013-01-31"', 'value="7"']) assert.ok(english.body.includes(value), value);
    const urdu = await supervisor.post('/console/ur/statistics/publish', overlapping, { formPage: '/console/ur/statistics' });
    assert.equal(urdu.statusCode, 400);
    assert.match(urdu.body, /id="p-from-error"/);
    assert.ok(urdu.body.includes('کسی شائع شدہ ریلیز کے دور سے جزوی طور پر ملتا ہے'), urdu.body);
    assert.ok(!urdu.body.includes('overlaps'), 'no English on the Urdu page');
    for (const value of ['value="2012-06-01"', 'value="2013-01-31"', 'value="7"']) assert.ok(urdu.body.includes(value), value);
    assert.equal((await t.services.statistics.listReleases()).length, releasesBefore, 'nothing published');
  });

  test('staff preview shows every count, flagging what a release would withhold; filters must be valid', async () => {
    const preview = await t.services.statistics.preview(team.auditor, { period: { from: '2011-01-01', to: '2011-12-31' } });
    const sex = Object.fromEntries(
      preview.tables.find((x) => x.id === 'sex')!.rows.map((r) => [r.key, [r.count.value, r.count.suppressed]]),
    );
    // Girls too would be withheld: beside them, boys and not known would add up to 2.
    assert.deepEqual(sex, { girl: [20, true], boy: [2, true], unknown: [0, true] });
    await refused(t.services.statistics.preview(team.administrator, { period: { from: '2011-01-01', to: '2011-12-31' } }), 'forbidden');
    await refused(
      t.services.statistics.preview(team.auditor, { period: { from: '2011-01-01', to: '2011-12-31' }, province: 'mars' }),
      'validation_failed',
    );
    const exported = await t.services.statistics.exportCsv(team.auditor, {
      period: { from: '2011-01-01', to: '2011-12-31' },
      source: 'hotline',
    });
    assert.ok(exported.startsWith('period_from,period_to,table,key,province,count,suppressed,percent,change_percent\r\n'));
    assert.ok(exported.includes('2011-01-01,2011-12-31,sex,boy,,2,true,9.1,'), exported.slice(0, 600));
    assert.deepEqual((await auditActions('statistics.export')).at(-1), {
      from: '2011-01-01',
      to: '2011-12-31',
      province: null,
      source: 'hotline',
    });
  });
});

test('command line: media import prints the report and exits 1 when it rejects anything; stats publish prints the id, or why not with exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hifazat-stats-'));
  try {
    const bin = new URL('../../bin/hifazat.mjs', import.meta.url).pathname;
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, ...args], {
        env: { ...process.env, DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const header = mediaColumns.join(',');
    const good = '2022-01-05,Dawn,Headline one,,rape,punjab,Lahore,,girl,,,,';
    writeFileSync(join(dir, 'mixed.csv'), `${header}\n${good}\n2022-01-06,Jang,Headline two,,rape,punjab,,,girl,12,,,\n`);
    writeFileSync(join(dir, 'good.csv'), `${header}\n${good}\n`);
    const mixed = run('media', 'import', join(dir, 'mixed.csv'));
    assert.equal(mixed.status, 1, mixed.stderr);
    assert.equal(
      mixed.stdout,
      'Imported nothing: 1 problem(s) in 2 rows. Correct the file and import it again.\n  row 3, column age_band: invalid_choice\n',
    );
    const imported = run('media', 'import', join(dir, 'good.csv'));
    assert.equal(imported.status, 0, imported.stderr);
    assert.equal(imported.stdout, 'Imported 1 of 1 rows.\n');
    const published = run('stats', 'publish', '--from', '2022-01-01', '--to', '2022-12-31', '--k', '3');
    assert.equal(published.status, 0, published.stderr);
    assert.equal(published.stdout, '1\n');
    // June 2022 lies inside release 1 without being its period: refused, with a message, exit 1.
    const overlapping = run('stats', 'publish', '--from', '2022-06-01', '--to', '2022-06-30');
    assert.equal(overlapping.status, 1, overlapping.stderr);
    assert.equal(overlapping.stdout, '');
    assert.match(
      overlapping.stderr,
      /^This period overlaps 2022-01-01 to 2022-12-31 of release 1 without being the same period.* --from: period_overlaps\n$/,
    );
    const correction = run('stats', 'publish', '--from', '2022-01-01', '--to', '2022-12-31', '--k', '3');
    assert.equal(correction.status, 0, correction.stderr);
    assert.equal(correction.stdout, '2\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
