import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eq, inArray, isNotNull } from 'drizzle-orm';
import { loadConfig } from '../../src/config.ts';
import { reportContexts } from '../../src/domain/encryption-contexts.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import type { Counts } from '../../src/domain/statistics.ts';
import { openStorage, type Opened } from '../../src/main.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import { sealTypedDistricts } from '../../src/services/districts.ts';
import { DistrictStore } from '../../src/store/districts.ts';
import { Keyring } from '../../src/services/keys.ts';
import { migrate, openDatabase, type Database } from '../../src/store/database.ts';
import { incidentRecords, reportDistrictsToSeal, reports } from '../../src/store/schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { formEncode, formHeaders, receiptFromPage } from '../helpers/forms.ts';
import { scratchDatabase } from '../helpers/postgres.ts';
import { createStaff } from '../helpers/staff.ts';

/** Districts that are on no list: what a reporter might type, which could say more than a place. */
const typedByApi = 'SECRET-DISTRICT چک نمبر 42 گاؤں';
const typedByForm = 'SECRET-VILLAGE Chak 17-GB';
const probesOf = (typed: string) => [typed, typed.replace(/\s/g, '').slice(0, 12), 'SECRET-', 'چک نمبر', 'Chak 17'];

/** Every table of the schema whose rows, as JSON text, contain `needle`, with how many rows. */
async function tablesHolding(database: Database, needle: string): Promise<string[]> {
  return database.rawTransaction(async (raw) => {
    const tables = await raw.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    assert.ok(tables.length > 20, 'the scan sees the schema');
    const found: string[] = [];
    for (const { name } of tables) {
      const [row] = await raw.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${name}" t WHERE strpos(row_to_json(t)::text, $1) > 0`,
        [needle],
      );
      if (row!.n > 0) found.push(`${name} (${row!.n})`);
    }
    return found;
  });
}

async function assertNowhere(database: Database, typed: string): Promise<void> {
  for (const probe of probesOf(typed)) assert.deepEqual(await tablesHolding(database, probe), [], `"${probe}" is stored in clear`);
}

forEachEngine('a typed district not on the list', (engine) => {
  let t: TestApp;
  let apiReportId: string;
  let formReportId: string;
  let listedReportId: string;

  const reportIdOf = async (receipt: string) =>
    (
      await t.database.db
        .select({ id: reports.id })
        .from(reports)
        .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)))
    )[0]!.id;

  before(async () => {
    t = await testApp(engine);
    const submit = async (district: string) => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        payload: { kind: 'abuse', language: 'ur', description: 'ہمسایہ بچی کو تنگ کرتا ہے', province: 'punjab', district },
      });
      assert.equal(created.statusCode, 201, created.body);
      return reportIdOf(created.json().receipt);
    };
    apiReportId = await submit(typedByApi);
    listedReportId = await submit('لاہور');
    const form = await t.app.inject({
      method: 'POST',
      url: '/ur/report',
      headers: formHeaders,
      payload: formEncode({ language: 'ur', kind: 'abuse', description: 'فارم سے رپورٹ', province: 'gb', district: typedByForm }),
    });
    assert.equal(form.statusCode, 200, form.body);
    formReportId = await reportIdOf(receiptFromPage(form.body));
  });
  after(() => t.close());

  test('leaves no trace of the typed text in any table; a listed one is kept as the list names it', async () => {
    // Control: the scan finds text kept in clear.
    assert.ok(
      (await tablesHolding(t.database, 'Lahore')).some((table) => table.startsWith('reports ')),
      'the scan finds clear text',
    );
    await assertNowhere(t.database, typedByApi);
    await assertNowhere(t.database, typedByForm);
    const rows = await t.database.db
      .select()
      .from(reports)
      .where(inArray(reports.id, [apiReportId, formReportId, listedReportId]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.equal(byId.get(listedReportId)!.district, 'Lahore');
    assert.equal(byId.get(listedReportId)!.districtTyped, null, 'a listed district needs no ciphertext');
    for (const [id, typed] of [
      [apiReportId, typedByApi],
      [formReportId, typedByForm],
    ] as const) {
      assert.equal(byId.get(id)!.district, null);
      assert.equal(
        t.keyring.decrypt(byId.get(id)!.districtTyped!, reportContexts.district(id)),
        typed,
        'kept encrypted, in its own context',
      );
    }
  });

  test("the console's report view shows what the reporter typed", async () => {
    const analyst = await enrolStaff(t, 'analyst');
    const browser = new Browser(t);
    assert.equal((await browser.signIn(analyst)).statusCode, 303);
    for (const [id, typed] of [
      [apiReportId, typedByApi],
      [formReportId, typedByForm],
      [listedReportId, 'Lahore'],
    ] as const) {
      const page = await browser.get(`/console/en/reports/${id}`);
      assert.equal(page.statusCode, 200, page.body);
      assert.ok(page.body.includes(typed), `the report page shows the district ${typed}`);
    }
  });

  test('statistics count it under other districts, and a listed one under its name', async () => {
    const today = pakistanToday();
    // From yesterday: reports stored before midnight in Pakistan are counted under that day.
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const counts = await t.services.statistics.counts({ period: { from: yesterday, to: today } });
    const place = (province: string, district: string | null) =>
      counts.geography.find((g) => g.province === province && g.district === district)?.count ?? 0;
    assert.equal(place('punjab', null), 1, 'the typed district: other districts of Punjab');
    assert.equal(place('punjab', 'Lahore'), 1);
    assert.equal(place('gb', null), 1);
    assert.equal(
      counts.geography.reduce((sum, g) => sum + g.count, 0),
      3,
    );
    const incidents = await t.database.db.select({ district: incidentRecords.district }).from(incidentRecords);
    assert.deepEqual(incidents.map((r) => r.district).sort(), ['Lahore', null, null]);
  });
});

forEachEngine('a listed district typed in either language, in any case', (engine) => {
  let t: TestApp;
  before(async () => {
    t = await testApp(engine);
  });
  after(() => t.close());

  const typings = ['لاہور', 'LAHORE', 'lahore'];

  test("a report's incident record and the report keep the list's name", async () => {
    const ids: string[] = [];
    for (const district of typings) {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        payload: { kind: 'abuse', language: 'en', description: 'x', province: 'punjab', district },
      });
      assert.equal(created.statusCode, 201, created.body);
      const [row] = await t.database.db
        .select({ id: reports.id, district: reports.district, typed: reports.districtTyped })
        .from(reports)
        .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', created.json().receipt)));
      assert.deepEqual({ district: row!.district, typed: row!.typed }, { district: 'Lahore', typed: null }, district);
      ids.push(row!.id);
    }
    const incidents = await t.database.db
      .select({ district: incidentRecords.district, province: incidentRecords.province })
      .from(incidentRecords)
      .where(inArray(incidentRecords.caseId, ids));
    assert.deepEqual(
      incidents,
      typings.map(() => ({ district: 'Lahore', province: 'punjab' })),
    );
  });

  test("a newspaper report, added or imported, takes the list's name (and the province, when only the district was given)", async () => {
    const analyst = await createStaff(t.database, 'analyst');
    const fields = { date: '2021-05-12', newspaper: 'Dawn', category: 'rape', province: 'punjab', sex: 'girl' };
    const added = await t.services.statistics.addMedia(analyst, { ...fields, headline: 'Added', district: typings[0] });
    const csv = [
      'date,newspaper,headline,url,category,province,district,area,sex,age_band,relationship,place,police_status',
      `2021-05-13,Jang,Imported in Punjab,,rape,punjab,${typings[1]},,girl,,,,`,
      `2021-05-14,Nation,Imported without a province,,rape,,${typings[2]},,girl,,,,`,
    ].join('\r\n');
    const imported = await t.services.statistics.importMedia(analyst, new TextEncoder().encode(csv));
    assert.deepEqual(imported, { rows: 2, imported: 2, problems: [] });
    const incidents = await t.database.db
      .select({ id: incidentRecords.id, district: incidentRecords.district, province: incidentRecords.province })
      .from(incidentRecords)
      .where(eq(incidentRecords.source, 'media'))
      .orderBy(incidentRecords.reportedOn);
    assert.equal(incidents[0]!.id, added);
    assert.deepEqual(
      incidents.map(({ district, province }) => ({ district, province })),
      typings.map(() => ({ district: 'Lahore', province: 'punjab' })),
    );
  });
});

/** Applies the migrations before `version`, as on an installation that has not been upgraded yet. */
async function migrateBefore(database: Database, version: string): Promise<void> {
  const dir = new URL('../../src/store/migrations/', import.meta.url);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql') && f < version).sort();
  await database.rawTransaction(async (raw) => {
    await raw.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    for (const file of files) {
      await raw.exec(await readFile(new URL(file, dir), 'utf8'));
      await raw.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file.replace(/\.sql$/, '')]);
    }
  });
}

forEachEngine('districts typed before migration 0010', (engine) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hifazat-districts-'));
  const dataKey = randomBytes(32);
  const keyring = new Keyring(dataKey);
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  let database: Database;
  let services: Services;
  let storage: Opened | undefined;
  let countsBefore: Counts;
  const march = { from: '2026-03-01', to: '2026-03-31' };
  const typedReport = randomUUID();
  const listedReport = randomUUID();
  /** More than one transaction of sealTypedDistricts takes. */
  const manyTyped = 600;
  const config = () => loadConfig({ DATA_DIR: dataDir, ...(scratch ? { DATABASE_URL: scratch.url } : {}) });

  before(async () => {
    writeFileSync(join(dataDir, 'data.key'), `${dataKey.toString('base64')}\n`, { mode: 0o600 });
    if (engine === 'postgres') {
      scratch = await scratchDatabase(process.env.TEST_DATABASE_URL!, process.env.HIFAZAT_TEST_PG_TEMPLATE ?? 'hifazat_test_adhoc');
    }
    database = scratch
      ? await openDatabase({ engine: 'postgres', url: scratch.url, poolSize: 4 })
      : await openDatabase({ engine: 'pglite', dataDir: join(dataDir, 'pglite') });
    await migrateBefore(database, '0010');
    services = createServices(database, keyring);
    // What the report statement stored before 0010: the list's name when on the list, else as typed.
    await database.rawTransaction(async (raw) => {
      const report = async (id: string, district: string) => {
        await raw.query("INSERT INTO cases (id, reference) VALUES ($1, 'HZ-2026-' || lpad(nextval('case_reference_seq')::text, 6, '0'))", [
          id,
        ]);
        await raw.query(
          `INSERT INTO reports (id, case_id, receipt_hash, kind, language, province, district, area, child_age_band, child_sex,
             abuser_relationship, place, police_status, reporter_relationship, sensitive, source)
           VALUES ($1, $1, $2, 'abuse', 'ur', 'punjab', $3, 'urban', '6-10', 'girl', 'neighbour', 'street', 'not_yet', 'parent', $4, 'api')`,
          [
            id,
            randomBytes(32),
            district,
            keyring.encrypt(JSON.stringify({ site: null, description: 'پرانی رپورٹ' }), reportContexts.sensitive(id)),
          ],
        );
        await raw.query(
          `INSERT INTO incident_records (id, case_id, source, reported_on, province, district, victim_sex, age_band)
           VALUES ($1, $2, 'hotline', '2026-03-10', 'punjab', $3, 'girl', '6-10')`,
          [randomUUID(), id, district],
        );
      };
      await report(typedReport, typedByApi);
      await report(listedReport, 'Lahore');
      // Many more in one statement (their narratives are never read here).
      await raw.query(
        `WITH many AS (SELECT gen_random_uuid() AS id, $1 || ' ' || i AS district FROM generate_series(1, $2::int) AS i),
         new_case AS (INSERT INTO cases (id, reference) SELECT id, 'HZ-2026-' || lpad(nextval('case_reference_seq')::text, 6, '0') FROM many),
         new_report AS (
           INSERT INTO reports (id, case_id, receipt_hash, kind, language, province, district, area, child_age_band, child_sex,
             abuser_relationship, place, police_status, reporter_relationship, sensitive, source)
           SELECT id, id, decode(md5(id::text), 'hex'), 'abuse', 'ur', 'punjab', district, 'urban', '6-10', 'girl', 'neighbour',
                  'street', 'not_yet', 'parent', '\\x01'::bytea, 'api' FROM many)
         INSERT INTO incident_records (id, case_id, source, reported_on, province, district)
         SELECT gen_random_uuid(), id, 'hotline', '2026-03-20', 'punjab', district FROM many`,
        [typedByForm, manyTyped],
      );
      // A purged case leaves its anonymous record behind; a newspaper report keeps its public place name.
      await raw.query(
        `INSERT INTO incident_records (id, case_id, source, reported_on, province, district) VALUES
           ($1, NULL, 'hotline', '2026-03-12', 'sindh', $3), ($2, NULL, 'media', '2026-03-14', 'sindh', 'Media Town')`,
        [randomUUID(), randomUUID(), `${typedByApi} purged`],
      );
    });
    await services.statistics.refreshStale();
    countsBefore = await services.statistics.counts({ period: march });
  });
  after(async () => {
    await (storage ? storage.close() : database.close());
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('migration 0010 keeps typed districts out of every clear column; only a table for the keyed step holds them', async () => {
    assert.deepEqual(await services.statistics.liveCounts({ period: march }), countsBefore);
    assert.ok(
      (await tablesHolding(database, typedByApi)).some((table) => table.startsWith('incident_monthly_counts ')),
      'the monthly counts held typed districts',
    );
    assert.ok((await migrate(database)).includes('0010_district_typed'));
    assert.deepEqual(await tablesHolding(database, typedByApi), ['report_districts_to_seal (1)']);
    assert.equal((await database.db.select().from(reportDistrictsToSeal)).length, manyTyped + 1);
    // Statistics meanwhile: the same figures (counted live for the months it touched).
    assert.deepEqual(await services.statistics.counts({ period: march }), countsBefore);
  });

  test('the next start encrypts them after the migrations: nothing typed in clear, staff still read it, the same statistics', async () => {
    await database.close();
    storage = await openStorage(config());
    database = storage.database;
    services = createServices(database, storage.keyring);
    await assertNowhere(database, typedByApi);
    await assertNowhere(database, typedByForm);
    assert.deepEqual(await database.db.select().from(reportDistrictsToSeal), []);

    const [typed] = await database.db.select().from(reports).where(eq(reports.id, typedReport));
    assert.equal(typed!.district, null);
    assert.equal(keyring.decrypt(typed!.districtTyped!, reportContexts.district(typedReport)), typedByApi);
    const [listed] = await database.db.select().from(reports).where(eq(reports.id, listedReport));
    assert.equal(listed!.district, 'Lahore');
    assert.equal(listed!.districtTyped, null);
    const sealed = await database.db.select({ id: reports.id }).from(reports).where(isNotNull(reports.districtTyped));
    assert.equal(sealed.length, manyTyped + 1, 'every typed district kept, encrypted');
    const places = await database.db.select({ source: incidentRecords.source, district: incidentRecords.district }).from(incidentRecords);
    assert.deepEqual(
      [...new Set(places.map((p) => `${p.source} ${p.district}`))].sort(),
      ['hotline Lahore', 'hotline null', 'media Media Town'],
      'hotline records: the list name or none; the newspaper report as entered',
    );

    const supervisor = await createStaff(database, 'supervisor');
    assert.equal((await services.cases.viewReport(supervisor, typedReport)).district, typedByApi);
    assert.equal((await services.cases.viewReport(supervisor, listedReport)).district, 'Lahore');

    // The typed districts were "other districts" before and are now.
    assert.deepEqual(await services.statistics.counts({ period: march }), countsBefore);
    await services.statistics.refreshStale();
    assert.deepEqual(await services.statistics.counts({ period: march }), countsBefore);
    assert.deepEqual(await services.statistics.liveCounts({ period: march }), countsBefore);
  });

  test('the keyed step is idempotent and, with nothing left, opens no transaction', async () => {
    let transactions = 0;
    const transaction = database.db.transaction.bind(database.db);
    database.db.transaction = ((...args: Parameters<typeof transaction>) => {
      transactions++;
      return transaction(...args);
    }) as typeof transaction;
    try {
      assert.equal(await sealTypedDistricts(new DistrictStore(database), keyring), 0);
      assert.equal(transactions, 0);
    } finally {
      database.db.transaction = transaction;
    }
    const [typed] = await database.db.select().from(reports).where(eq(reports.id, typedReport));
    assert.equal(keyring.decrypt(typed!.districtTyped!, reportContexts.district(typedReport)), typedByApi);
  });
});
