import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import type { Database, NamedStatement } from '../../src/store/database.ts';
import { ReportWriter, type NewReport } from '../../src/store/report-insert.ts';
import { cases, incidentRecords, reports, reportUrls } from '../../src/store/schema.ts';
import { forEachEngine, testDatabase } from '../helpers/database.ts';

/** A report as the service hands it to the store (its encrypted parts are random bytes here). */
function newReport(overrides: Partial<NewReport> = {}): NewReport {
  return {
    id: randomUUID(),
    incidentId: randomUUID(),
    idempotency: null,
    receiptHash: randomBytes(32),
    kind: 'abuse',
    language: 'ur',
    occurredOn: '2026-10-01',
    occurredPrecision: 'month',
    province: 'punjab',
    district: 'ملتان',
    districtTyped: Buffer.from('sealed ملتان'),
    area: 'urban',
    childAgeBand: '6-10',
    childSex: 'girl',
    abuserRelationship: 'neighbour',
    place: 'street',
    inDangerNow: true,
    policeStatus: 'not_yet',
    reporterRelationship: 'parent',
    contactConsent: false,
    sensitive: randomBytes(80),
    contact: null,
    source: 'api',
    filedBy: null,
    urls: [],
    ...overrides,
  };
}

const withKey = (key: string): NewReport['idempotency'] => ({
  keyHash: Buffer.from(key.padEnd(32, '.')),
  requestHash: randomBytes(32),
  receipt: randomBytes(48),
});

forEachEngine('report writer', (engine) => {
  let database: Database;
  /** Statements the writer ran, with the number of reports in each. */
  const statements: number[] = [];
  before(async () => {
    database = await testDatabase(engine);
    const run = database.run.bind(database);
    database.run = <Row>(statement: NamedStatement, params: unknown[]) => {
      if (statement.name === 'hifazat_insert_reports') statements.push((JSON.parse(params[0] as string) as unknown[]).length);
      return run<Row>(statement, params);
    };
  });
  after(() => database.close());

  test('reports arriving together share statements, and each is stored whole with its own parts', async () => {
    statements.length = 0;
    const writer = new ReportWriter(database);
    const batch = Array.from({ length: 20 }, (_, i) =>
      newReport({
        district: i % 2 === 0 ? 'ملتان' : `Nowhere ${i}`,
        districtTyped: Buffer.from(`sealed ${i}`),
        urls: Array.from({ length: i % 3 }, (_, position) => ({
          position,
          urlHash: randomBytes(32),
          url: Buffer.from(`link ${i}.${position}`),
        })),
      }),
    );
    const outcomes = await Promise.all(batch.map((r) => writer.write(r)));
    assert.deepEqual(
      outcomes,
      batch.map(() => 'stored'),
    );
    assert.deepEqual(statements, [1, 19], 'the first goes at once; the others wait for it and go together');

    const ids = batch.map((r) => r.id);
    const stored = await database.db.select().from(reports).where(inArray(reports.id, ids));
    const byId = new Map(stored.map((r) => [r.id, r]));
    for (const [i, r] of batch.entries()) {
      const row = byId.get(r.id)!;
      assert.equal(row.caseId, r.id);
      // On the list: its English name in clear. Not on it: no clear text, only the ciphertext.
      assert.equal(row.district, i % 2 === 0 ? 'Multan' : null, 'district canonicalised per report');
      assert.deepEqual(row.districtTyped && Buffer.from(row.districtTyped), i % 2 === 0 ? null : Buffer.from(`sealed ${i}`));
      assert.deepEqual(Buffer.from(row.receiptHash), r.receiptHash);
      const links = await database.db.select().from(reportUrls).where(eq(reportUrls.reportId, r.id));
      assert.deepEqual(
        links.map((l) => Buffer.from(l.url).toString()).sort(),
        r.urls.map((u) => u.url.toString()),
      );
    }
    const references = await database.db.select({ reference: cases.reference }).from(cases).where(inArray(cases.id, ids));
    assert.equal(new Set(references.map((c) => c.reference)).size, 20, 'each case its own reference');
    const incidents = await database.db.select().from(incidentRecords).where(inArray(incidentRecords.caseId, ids));
    assert.equal(incidents.length, 20);
    const incidentDistricts = new Map(incidents.map((r) => [r.caseId, r.district]));
    assert.deepEqual(
      ids.map((id) => incidentDistricts.get(id)),
      ids.map((_, i) => (i % 2 === 0 ? 'Multan' : null)),
      'the anonymous record: the list name or none',
    );
  });

  test('within one statement, the first report with an Idempotency-Key claims it', async () => {
    statements.length = 0;
    const writer = new ReportWriter(database);
    const blocker = writer.write(newReport());
    const first = newReport({ idempotency: withKey('same-key-in-batch') });
    const second = newReport({ idempotency: withKey('same-key-in-batch') });
    const outcomes = await Promise.all([blocker, writer.write(first), writer.write(second)]);
    assert.deepEqual(statements, [1, 2]);
    assert.deepEqual(outcomes, ['stored', 'stored', 'already_claimed']);
    assert.equal((await database.db.select().from(reports).where(eq(reports.id, second.id))).length, 0);
  });

  test('a report the database refuses fails alone; the others in its statement are stored', async () => {
    statements.length = 0;
    const writer = new ReportWriter(database);
    const good = [newReport(), newReport(), newReport()];
    // @ts-expect-error: a precision the type refuses too, so that the database's CHECK constraint refuses it
    const bad = newReport({ occurredPrecision: 'fortnight' });
    const results = await Promise.allSettled([good[0]!, bad, good[1]!, good[2]!].map((r) => writer.write(r)));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    assert.deepEqual(statements, [1, 3, 1, 1, 1], 'the failed statement of three, then each again on its own');
    const stored = await database.db
      .select({ id: reports.id })
      .from(reports)
      .where(
        inArray(
          reports.id,
          [...good, bad].map((r) => r.id),
        ),
      );
    assert.deepEqual(stored.map((r) => r.id).sort(), good.map((r) => r.id).sort());
  });
});
