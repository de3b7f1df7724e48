import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { consoleUr } from '../../src/http/i18n/console-ur.ts';
import { ur } from '../../src/http/i18n/ur.ts';
import { reports } from '../../src/store/schema.ts';
import { testApp, type TestApp, testClient } from '../helpers/app.ts';
import { Browser, enrolStaff, type EnrolledStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { formEncode, formHeaders, pageText } from '../helpers/forms.ts';

/** The checkbox's block on the page: its error (if any), the box and its label. */
const checkboxBlock = (body: string, id: string) =>
  new RegExp(`<div class="field checkbox[^"]*">(?:(?!</div>)[\\s\\S])*id="${id}"[\\s\\S]*?</div>`).exec(body)?.[0] ?? '';

forEachEngine('staff filing for a caller', (engine) => {
  let t: TestApp;
  let analyst: EnrolledStaff;
  let browser: Browser;

  /** The newest report filed by staff, as stored. */
  const filedRow = async () =>
    (await t.database.db.select().from(reports).where(eq(reports.source, 'staff'))).sort((a, b) => +b.createdAt - +a.createdAt)[0]!;

  before(async () => {
    t = await testApp(engine);
    analyst = await enrolStaff(t, 'analyst');
    browser = new Browser(t);
    assert.equal((await browser.signIn(analyst)).statusCode, 303);
  });
  after(() => t.close());

  test('the refused form speaks of the caller, and says beside the consent box what staff must do', async () => {
    const refused = await browser.post(
      '/console/en/file-report',
      {
        language: 'en',
        kind: 'abuse',
        description: 'The caller says a neighbour follows the child home.',
        'contact.phone': '0300 1234567',
      },
      { formPage: '/console/en/file-report' },
    );
    assert.equal(refused.statusCode, 400);
    const text = pageText(refused.body);
    assert.ok(text.includes('Who is the caller to the child?'), 'the relationship question is about the caller');
    assert.ok(text.includes('The caller agrees to be contacted about this report.'));
    assert.ok(!text.includes('Who are you to the child?') && !text.includes('You may contact me'), 'no first person left');

    // Every problem at once: the report's own (contact consent) with the filing's (channel, consent to filing).
    const filingConsent = pageText(checkboxBlock(refused.body, 'f-consentRecorded'));
    assert.match(filingConsent, /^Ask the caller whether they agree to this report being filed, and tell them who will see it\./);
    assert.ok(!filingConsent.includes('Tick this box if we may contact you'), 'not the public contact message');
    assert.match(checkboxBlock(refused.body, 'f-consentRecorded'), /aria-describedby="f-consentRecorded-error"/);
    assert.match(
      pageText(checkboxBlock(refused.body, 'f-contact-consent')),
      /^Tick this box if the caller agrees to be contacted, or remove their contact details\./,
    );
    assert.match(refused.body, /<p class="error" id="f-channel-error">Answer this\.<\/p>/);
    const summary = pageText(/<div class="error-summary"[\s\S]*?<\/div>/.exec(refused.body)![0]);
    assert.ok(summary.includes('Ask the caller whether they agree'), 'the summary uses the same words');
    assert.equal((await t.database.db.select().from(reports)).length, 0, 'nothing was filed');
  });

  test('in Urdu too, and the consent box alone is refused with the staff message', async () => {
    const fields = { language: 'ur', kind: 'abuse', description: 'فون پر بتایا گیا واقعہ', channel: 'phone' };
    const refused = await browser.post('/console/ur/file-report', fields, { formPage: '/console/ur/file-report' });
    assert.equal(refused.statusCode, 400);
    const f = consoleUr.fileReport;
    const text = pageText(refused.body);
    assert.ok(text.includes(f.reporter.relationshipLabel) && text.includes(f.reporter.consentLabel));
    assert.ok(!text.includes(ur.report.reporter.relationshipLabel), 'not the public first-person question');
    assert.ok(pageText(checkboxBlock(refused.body, 'f-consentRecorded')).startsWith(f.problems.filing_consent_required));
    assert.ok(!text.includes(ur.problems.consent_required));
  });

  test('the report page says who filed it, by which channel, when, and with what consent', async () => {
    const filed = await browser.post(
      '/console/en/file-report',
      {
        language: 'en',
        kind: 'abuse',
        description: 'A walk-in: her niece is kept from school.',
        channel: 'walk_in',
        consentRecorded: 'true',
      },
      { formPage: '/console/en/file-report' },
    );
    assert.equal(filed.statusCode, 200, filed.body);
    const row = await filedRow();
    assert.deepEqual([row.filedBy, row.filingChannel, row.filingConsent], [analyst.id, 'walk_in', true]);

    const page = pageText((await browser.get(`/console/en/reports/${row.id}`)).body);
    assert.match(page, /Filed by Test analyst in person \(the caller came in\) on [^;]+; the caller's consent to filing: recorded/);

    const byPhone = await browser.post(
      '/console/ur/file-report',
      { language: 'ur', kind: 'abuse', description: 'فون پر بتایا گیا واقعہ', channel: 'phone', consentRecorded: 'true' },
      { formPage: '/console/ur/file-report' },
    );
    assert.equal(byPhone.statusCode, 200, byPhone.body);
    const phoned = await filedRow();
    assert.equal(phoned.filingChannel, 'phone');
    const urPage = pageText((await browser.get(`/console/ur/reports/${phoned.id}`)).body);
    const r = consoleUr.report;
    assert.match(urPage, new RegExp(`Test analyst نے .+ کو ${r.filedHow.phone} درج کی؛ .+: ${r.filingConsent.recorded}`));
  });

  test("a portal report's page says nothing of filing", async () => {
    const input = reportInputSchema(pakistanToday()).parse({ kind: 'abuse', language: 'en', description: 'Seen at the bus stop.' });
    await t.services.reports.submit(input, { source: 'api', client: testClient });
    const [row] = await t.database.db.select().from(reports).where(eq(reports.source, 'api'));
    const page = pageText((await browser.get(`/console/en/reports/${row!.id}`)).body);
    assert.ok(!page.includes('Filed by'));
  });

  test("the public form's questions about the reporter keep their own words", async () => {
    const input = reportInputSchema(pakistanToday()).parse({
      kind: 'abuse',
      language: 'en',
      description: 'At the madrassa.',
      inDangerNow: false,
    });
    const { continuation } = await t.services.reports.submit(input, { source: 'portal', client: testClient });
    const details = (fields: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/en/report/details',
        headers: formHeaders,
        payload: formEncode({ continuation: continuation!, kind: 'abuse', language: 'en', ...fields }),
      });
    const opened = pageText((await details({ action: 'open' })).body);
    assert.ok(opened.includes('Who are you to the child?') && opened.includes('You may contact me about this report.'));
    assert.ok(!opened.includes('caller'), 'nothing for staff on the public page');
    const refused = await details({ action: 'add', 'contact.phone': '0300 1234567' });
    assert.equal(refused.statusCode, 400);
    assert.ok(pageText(refused.body).includes('Tick this box if we may contact you, or remove your contact details.'));
    const first = pageText((await t.app.inject('/en/report/abuse')).body);
    assert.ok(!first.includes('caller'), 'the first step is the public one');
  });
});
