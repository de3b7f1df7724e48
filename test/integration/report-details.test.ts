import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { reportContexts } from '../../src/domain/encryption-contexts.ts';
import { errorTable, HifazatError } from '../../src/domain/errors.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { newReceipt } from '../../src/domain/receipt.ts';
import { detailsWindowMinutes, reportDetailsSchema, reportInputSchema } from '../../src/domain/report.ts';
import { ReportService } from '../../src/services/reports.ts';
import { ReportDetailsStore } from '../../src/store/report-details.ts';
import { ReportStore } from '../../src/store/reports.ts';
import { incidentRecords, reports } from '../../src/store/schema.ts';
import { testApp, testClient, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { createStaff } from '../helpers/staff.ts';

const today = () => pakistanToday();
const reportInput = (fields: Record<string, unknown>) => reportInputSchema(today()).parse({ language: 'ur', ...fields });
const details = (fields: Record<string, unknown>) => reportDetailsSchema(today()).parse(fields);
/** The first step of each kind, as the portal sends it. */
const abuseStep = (description: string) => reportInput({ kind: 'abuse', description, inDangerNow: false });
const onlineStep = (url: string) => reportInput({ kind: 'online_material', urls: [url] });

/** How a refusal reads to whoever sent the token: its code, its status and its words. */
async function refusalOf(attempt: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await attempt;
  } catch (error) {
    assert.ok(error instanceof HifazatError, String(error));
    return { code: error.code, status: errorTable[error.code].status, message: error.message };
  }
  assert.fail('the token was accepted');
}

forEachEngine('details added after the receipt', (engine) => {
  let t: TestApp;
  /** An analyst signed in to the console (a TOTP code is taken once, so one sign-in serves every test). */
  let staffPages: Browser;

  const rowOf = async (receipt: string) =>
    (
      await t.database.db
        .select()
        .from(reports)
        .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)))
    )[0]!;
  const incidentOf = async (caseId: string) =>
    (await t.database.db.select().from(incidentRecords).where(eq(incidentRecords.caseId, caseId)))[0]!;
  const sensitiveOf = (row: typeof reports.$inferSelect) =>
    JSON.parse(t.keyring.decrypt(row.sensitive, reportContexts.sensitive(row.id))) as { site: string | null; description: string | null };
  const portal = async (input: ReturnType<typeof reportInput>, idempotencyKey?: string) => {
    const submitted = await t.services.reports.submit(input, { source: 'portal', idempotencyKey, client: testClient });
    return { ...submitted, row: await rowOf(submitted.receipt) };
  };
  /** Expires a token by the database's clock, as the owner would (nothing in the app moves that clock). */
  const expire = (reportId: string) =>
    t.database.asOwner((owner) =>
      owner.rawTransaction((raw) =>
        raw.query("UPDATE reports SET details_token_expires_at = now() - interval '1 second' WHERE id = $1", [reportId]),
      ),
    );

  before(async () => {
    t = await testApp(engine);
    const analyst = await enrolStaff(t, 'analyst');
    staffPages = new Browser(t);
    assert.equal((await staffPages.signIn(analyst)).statusCode, 303);
  });
  after(() => t.close());

  test('a portal report gets a continuation token for an hour; an API report none', async () => {
    const fromPortal = await portal(abuseStep('ہمسایہ بچے کو تنگ کرتا ہے'));
    assert.match(fromPortal.continuation ?? '', /^[A-Za-z0-9_-]{43}$/, '256 random bits, URL-safe');
    assert.ok(fromPortal.row.detailsTokenHash, 'its hash is stored with the report');
    assert.ok(!fromPortal.row.detailsTokenHash.includes(Buffer.from(fromPortal.continuation!)), 'the token itself is not');
    const window = fromPortal.row.detailsTokenExpiresAt!.getTime() - fromPortal.row.createdAt.getTime();
    assert.ok(Math.abs(window - detailsWindowMinutes * 60_000) < 1_000, `expires ${detailsWindowMinutes} minutes after the commit`);
    await t.services.reports.assertDetailsOpen(fromPortal.continuation!);

    const fromApi = await t.services.reports.submit(abuseStep('API report'), { source: 'api', client: testClient });
    assert.equal(fromApi.continuation, undefined);
    const apiRow = await rowOf(fromApi.receipt);
    assert.equal(apiRow.detailsTokenHash, null);
    assert.equal(apiRow.detailsTokenExpiresAt, null);
  });

  test('details reach the report, its page in the console and the statistics; the token then works no more', async () => {
    const first = await portal(abuseStep('میرے بچے کو ایک آدمی تنگ کرتا ہے'));
    const counts = () => t.services.statistics.counts({ period: { from: today(), to: today() } });
    const lahore = (c: Awaited<ReturnType<typeof counts>>) =>
      c.geography.find((g) => g.province === 'punjab' && g.district === 'Lahore')?.count ?? 0;
    const before = await counts();

    await t.services.reports.addDetails(
      first.continuation!,
      details({
        occurredOn: today(),
        province: 'punjab',
        district: 'لاہور',
        area: 'urban',
        childAgeBand: '6-10',
        childSex: 'girl',
        abuserRelationship: 'neighbour',
        place: 'street',
        policeStatus: 'not_yet',
        reporterRelationship: 'parent',
        site: 'گلی نمبر 4',
        description: 'وہ ہر روز اسکول کے راستے میں کھڑا ہوتا ہے',
        contact: { phone: '0300 1234567', consent: true },
      }),
    );

    const row = await rowOf(first.receipt);
    assert.deepEqual(
      [row.occurredOn, row.province, row.district, row.districtTyped, row.area, row.childAgeBand, row.childSex],
      [today(), 'punjab', 'Lahore', null, 'urban', '6-10', 'girl'],
    );
    assert.deepEqual(
      [row.abuserRelationship, row.place, row.policeStatus, row.reporterRelationship],
      ['neighbour', 'street', 'not_yet', 'parent'],
    );
    assert.ok(row.detailsAddedAt, 'when they were added is kept');
    assert.equal(row.detailsTokenHash, null, 'the token is used up');
    assert.deepEqual(sensitiveOf(row), {
      site: 'گلی نمبر 4',
      description: 'میرے بچے کو ایک آدمی تنگ کرتا ہے\n\nوہ ہر روز اسکول کے راستے میں کھڑا ہوتا ہے',
    });
    assert.equal(row.contactConsent, true);
    assert.deepEqual(JSON.parse(t.keyring.decrypt(row.contact!, reportContexts.contact(row.id))), {
      name: null,
      phone: '0300 1234567',
      email: null,
    });

    const incident = await incidentOf(row.caseId);
    assert.deepEqual(
      [incident.occurredOn, incident.province, incident.district, incident.victimSex, incident.ageBand, incident.place],
      [today(), 'punjab', 'Lahore', 'girl', '6-10', 'street'],
    );
    const after = await counts();
    assert.equal(lahore(after), lahore(before) + 1, 'the statistics count it in Lahore');
    assert.equal(after.values.sex.girl ?? 0, (before.values.sex.girl ?? 0) + 1);

    const page = await staffPages.get(`/console/en/reports/${row.id}`);
    assert.equal(page.statusCode, 200, page.body);
    assert.match(page.body, /Details added by the reporter on /);
    assert.ok(page.body.includes('وہ ہر روز اسکول کے راستے میں کھڑا ہوتا ہے'), 'the added description is shown');
    assert.ok(page.body.includes('Lahore'));
    const urdu = await staffPages.get(`/console/ur/reports/${row.id}`);
    assert.match(urdu.body, /رپورٹ کنندہ نے .+ کو تفصیلات شامل کیں/);

    const again = await refusalOf(t.services.reports.addDetails(first.continuation!, details({ place: 'school' })));
    assert.equal(again.code, 'details_link_expired');
    assert.equal((await rowOf(first.receipt)).place, 'street', 'a second use changes nothing');
  });

  test('a report without added details does not say it has them', async () => {
    const plain = await portal(abuseStep('بغیر تفصیلات کے رپورٹ'));
    const page = await staffPages.get(`/console/en/reports/${plain.row.id}`);
    assert.equal(page.statusCode, 200, page.body);
    assert.doesNotMatch(page.body, /Details added by the reporter/);
  });

  test('a token adds details to its own report only', async () => {
    const mine = await portal(onlineStep('https://example.com/mine'));
    const other = await portal(onlineStep('https://example.com/other'));
    const otherIncident = await incidentOf(other.row.caseId);

    await t.services.reports.addDetails(mine.continuation!, details({ childSex: 'boy', description: 'دیکھا گیا ایک گروپ میں' }));

    const changed = await rowOf(mine.receipt);
    assert.equal(changed.childSex, 'boy');
    assert.equal(sensitiveOf(changed).description, 'دیکھا گیا ایک گروپ میں', 'an online report had no description: none to add to');
    assert.deepEqual(await rowOf(other.receipt), other.row, 'the other report is as it was');
    assert.deepEqual(await incidentOf(other.row.caseId), otherIncident, "and so is the other's incident record");
    await t.services.reports.assertDetailsOpen(other.continuation!);
  });

  test('"unknown" keeps what is stored; a district not on the list is kept only encrypted', async () => {
    const full = await portal(
      reportInput({ kind: 'abuse', description: 'پوری رپورٹ', province: 'sindh', childSex: 'boy', district: 'حیدرآباد' }),
    );
    const typed = 'SECRET-VILLAGE Goth 9';
    await t.services.reports.addDetails(full.continuation!, details({ district: typed, place: 'field' }));
    const row = await rowOf(full.receipt);
    assert.deepEqual([row.province, row.childSex, row.place], ['sindh', 'boy', 'field']);
    assert.equal(row.district, null, 'not on the list: never in clear');
    assert.equal(t.keyring.decrypt(row.districtTyped!, reportContexts.district(row.id)), typed);
    const incident = await incidentOf(row.caseId);
    assert.equal(incident.district, 'Hyderabad', 'the incident record keeps the listed district it had');
    assert.equal(incident.place, 'field');
  });

  test('an unknown, a used and an expired token are refused alike, and change nothing', async () => {
    const used = await portal(abuseStep('استعمال شدہ'));
    await t.services.reports.addDetails(used.continuation!, details({ area: 'rural' }));
    const expired = await portal(abuseStep('پرانی'));
    await expire(expired.row.id);
    const tokens = {
      unknown: randomBytes(32).toString('base64url'),
      used: used.continuation!,
      expired: expired.continuation!,
      malformed: 'not a token',
    };
    const refusals = [];
    for (const [name, token] of Object.entries(tokens)) {
      const adding = await refusalOf(t.services.reports.addDetails(token, details({ place: 'school' })));
      const opening = await refusalOf(t.services.reports.assertDetailsOpen(token));
      assert.deepEqual(opening, adding, `${name}: opening the form is refused as adding is`);
      refusals.push(adding);
    }
    assert.equal(refusals[0]!.code, 'details_link_expired');
    assert.ok(refusals[0]!.status >= 400 && refusals[0]!.status < 500);
    for (const refusal of refusals) assert.deepEqual(refusal, refusals[0], 'one answer, whether the report exists or not');
    const expiredRow = await rowOf(expired.receipt);
    assert.equal(expiredRow.place, 'unknown');
    assert.equal(expiredRow.detailsAddedAt, null);
    // Maintenance forgets the expired token's hash; one still within its hour stays.
    const open = await portal(abuseStep('ابھی کھلا'));
    await t.services.maintain();
    assert.equal((await rowOf(expired.receipt)).detailsTokenHash, null);
    assert.ok((await rowOf(open.receipt)).detailsTokenHash, 'a token still in its window is kept');
  });

  test('two uses of one token at once: one adds its details, the other is refused', async () => {
    const report = await portal(abuseStep('ایک ساتھ دو بار'));
    const places = ['school', 'field'] as const;
    const outcomes = await Promise.allSettled(
      places.map((place) => t.services.reports.addDetails(report.continuation!, details({ place }))),
    );
    const added = outcomes.findIndex((o) => o.status === 'fulfilled');
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, 'exactly one is taken');
    const refused = outcomes.find((o) => o.status === 'rejected');
    assert.equal((refused?.reason as HifazatError | undefined)?.code, 'details_link_expired');
    assert.equal((await rowOf(report.receipt)).place, places[added]);
  });

  test('a retried portal submission gets a new token in place of the first, and none once details were added', async () => {
    const input = abuseStep('دوبارہ بھیجی گئی رپورٹ');
    const idempotencyKey = `retry-${randomBytes(8).toString('hex')}`;
    const first = await portal(input, idempotencyKey);
    const retried = await portal(input, idempotencyKey);
    assert.equal(retried.replayed, true);
    assert.equal(retried.receipt, first.receipt);
    assert.ok(retried.continuation && retried.continuation !== first.continuation, 'a new token');
    assert.equal((await refusalOf(t.services.reports.assertDetailsOpen(first.continuation!))).code, 'details_link_expired');

    await t.services.reports.addDetails(retried.continuation, details({ abuserRelationship: 'teacher' }));
    const afterDetails = await portal(input, idempotencyKey);
    assert.equal(afterDetails.replayed, true);
    assert.equal(afterDetails.continuation, undefined, 'details were added: no token to add them again');
    assert.equal(afterDetails.row.detailsTokenHash, null);

    const apiKey = `api-${randomBytes(8).toString('hex')}`;
    await t.services.reports.submit(input, { source: 'api', idempotencyKey: apiKey, client: testClient });
    const apiRetry = await t.services.reports.submit(input, { source: 'api', idempotencyKey: apiKey, client: testClient });
    assert.equal(apiRetry.replayed, true);
    assert.equal(apiRetry.continuation, undefined, 'the API never gets one');
  });

  test('a receipt another report has already is drawn again, and the report is stored', async () => {
    const taken = newReceipt();
    const draws = [taken, taken];
    let drawn = 0;
    const service = new ReportService(
      new ReportStore(t.database),
      t.keyring,
      t.services.submissionGate,
      new ReportDetailsStore(t.database),
      () => (drawn++, draws.shift() ?? newReceipt()),
    );
    const first = await service.submit(abuseStep('پہلی رپورٹ'), { source: 'portal', client: testClient });
    assert.equal(first.receipt, taken);
    const idempotencyKey = `collide-${randomBytes(8).toString('hex')}`;
    const second = await service.submit(abuseStep('دوسری رپورٹ'), { source: 'portal', idempotencyKey, client: testClient });
    assert.equal(drawn, 3, 'the second report drew twice');
    assert.notEqual(second.receipt, taken);
    assert.equal(second.replayed, false);
    assert.equal(sensitiveOf(await rowOf(second.receipt)).description, 'دوسری رپورٹ');
    assert.equal(sensitiveOf(await rowOf(taken)).description, 'پہلی رپورٹ', 'the first keeps its receipt');
    const retried = await service.submit(abuseStep('دوسری رپورٹ'), { source: 'portal', idempotencyKey, client: testClient });
    assert.equal(retried.receipt, second.receipt, 'its Idempotency-Key was claimed with the receipt that was stored');
  });

  test('a report staff file whose receipt another report has is drawn again, and the filing transaction goes on', async () => {
    const taken = (await portal(abuseStep('پہلی رپورٹ'))).receipt;
    const analyst = await createStaff(t.database, 'analyst');
    const draws = [taken];
    const service = new ReportService(
      new ReportStore(t.database),
      t.keyring,
      t.services.submissionGate,
      new ReportDetailsStore(t.database),
      () => draws.shift() ?? newReceipt(),
    );
    const filed = await t.database.db.transaction(async (tx) => {
      const result = await service.fileInTransaction(tx, abuseStep('فون پر لی گئی رپورٹ'), analyst.id, 'phone');
      // The transaction is still usable after the refused receipt: later work in it commits with the report.
      await tx.update(reports).set({ filingConsent: true }).where(eq(reports.id, result.reportId));
      return result;
    });
    assert.notEqual(filed.receipt, taken);
    assert.equal(sensitiveOf(await rowOf(filed.receipt)).description, 'فون پر لی گئی رپورٹ');
    assert.equal(sensitiveOf(await rowOf(taken)).description, 'پہلی رپورٹ');
  });
});
