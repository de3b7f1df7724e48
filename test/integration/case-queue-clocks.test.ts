import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { consoleMessages } from '../../src/http/i18n/console.ts';
import { reportClassifications, reports } from '../../src/store/schema.ts';
import { testApp, testClient, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { createStaff } from '../helpers/staff.ts';

const hour = 3_600_000;
const nccia = '00000000-0000-4000-8000-00000000cc1a';

forEachEngine('triage clocks and the legal bases', (engine) => {
  let t: TestApp;
  /** The services' clock; tests move it instead of sleeping. */
  let now: Date;

  before(async () => {
    t = await testApp(engine, { clock: () => now });
  });
  beforeEach(() => {
    now = new Date();
  });
  after(() => t.close());

  /** Files a report through the services, received `hoursAgo` before the clock; its report and case ids. */
  async function fileReport(fields: Record<string, unknown>, hoursAgo: number) {
    const input = reportInputSchema(pakistanToday()).parse({
      kind: 'abuse',
      language: 'en',
      description: 'A child is hurt at home.',
      ...fields,
    });
    const { receipt } = await t.services.reports.submit(input, { source: 'api', client: testClient });
    const [row] = await t.database.db
      .select({ reportId: reports.id, caseId: reports.caseId })
      .from(reports)
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    const { reportId, caseId } = row!;
    await t.database.asOwner((owner) =>
      owner.db
        .update(reports)
        .set({ createdAt: new Date(now.getTime() - hoursAgo * hour) })
        .where(eq(reports.id, reportId)),
    );
    return { reportId, caseId };
  }

  test('a case overdue for triage comes before a child in danger whose triage is not yet due', async () => {
    const supervisor = await createStaff(t.database, 'supervisor');
    const late = await fileReport({ childAgeBand: '16-17', inDangerNow: false }, 25);
    const danger = await fileReport({ childAgeBand: '0-5', inDangerNow: true }, 1);

    const queue = await t.services.cases.queue(supervisor);
    const order = queue.items.map((i) => i.case.id).filter((id) => id === late.caseId || id === danger.caseId);
    assert.deepEqual(order, [late.caseId, danger.caseId]);
    const byCase = new Map(queue.items.map((i) => [i.case.id, i]));
    assert.deepEqual([byCase.get(late.caseId)!.overdue, byCase.get(danger.caseId)!.overdue], [true, false]);

    // Two hours on, the child in danger is overdue too, and danger comes first again among the overdue.
    now = new Date(now.getTime() + 2 * hour);
    const later = (await t.services.cases.queue(supervisor)).items
      .map((i) => i.case.id)
      .filter((id) => id === late.caseId || id === danger.caseId);
    assert.deepEqual(later, [danger.caseId, late.caseId]);
  });

  test('moving a case on without triage keeps its clock running; classifying it stops the clock', async () => {
    const supervisor = await createStaff(t.database, 'supervisor');
    const byHand = await fileReport({ childAgeBand: '6-10' }, 1);
    await t.services.cases.setState(supervisor, byHand.caseId, 'triaged');
    await t.services.cases.setState(supervisor, byHand.caseId, 'in_progress');
    // A first referral moves a new case straight to 'referred'; from there it may go back to work, untriaged.
    const referred = await fileReport({ childAgeBand: '11-15' }, 1);
    await t.services.cases.addReferral(supervisor, referred.caseId, {
      agencyId: nccia,
      referredAt: now,
      method: 'phone',
      firStatus: 'pending',
    });
    await t.services.cases.setState(supervisor, referred.caseId, 'in_progress');

    const itemOf = async (caseId: string) => (await t.services.cases.queue(supervisor)).items.find((i) => i.case.id === caseId)!;
    for (const { caseId } of [byHand, referred]) {
      const item = await itemOf(caseId);
      assert.equal(item.case.state, 'in_progress');
      assert.deepEqual([item.dueAt?.getTime(), item.overdue], [now.getTime() + 23 * hour, false], 'the clock shows, not yet due');
    }

    now = new Date(now.getTime() + 24 * hour);
    assert.equal((await itemOf(byHand.caseId)).overdue, true, 'untriaged in progress: overdue once its 24 hours pass');
    assert.equal((await itemOf(referred.caseId)).overdue, true, 'untriaged after a referral: overdue too');

    await t.services.cases.classifyReport(supervisor, byHand.reportId, { category: 'other' });
    const triaged = await itemOf(byHand.caseId);
    assert.deepEqual([triaged.dueAt, triaged.overdue], [null, false], 'a triaged case has no clock');
  });

  test('the queue page shows no due time for a triaged case and marks an overdue one', async () => {
    const reader = await enrolStaff(t, 'supervisor');
    const supervisor = await createStaff(t.database, 'supervisor');
    const triaged = await fileReport({ childAgeBand: '6-10' }, 30);
    await t.services.cases.classifyReport(supervisor, triaged.reportId, { category: 'other' });
    const overdue = await fileReport({ childAgeBand: '6-10' }, 30);
    const browser = new Browser(t);
    assert.equal((await browser.signIn(reader)).statusCode, 303);
    const page = (await browser.get('/console/en/')).body;
    const row = (reportId: string) =>
      new RegExp(`<tr[^>]*>(?:(?!</tr>)[\\s\\S])*?/reports/${reportId}"[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
    const e = consoleMessages.en.queue;
    assert.match(row(overdue.reportId), new RegExp(`class="overdue"[\\s\\S]*${e.overdue}`));
    const triagedRow = row(triaged.reportId);
    assert.ok(triagedRow, 'the triaged case is listed');
    assert.doesNotMatch(triagedRow, new RegExp(e.overdue));
    assert.ok(triagedRow.includes('<td><br><span class="hint">'), 'no due time, only the received time');
  });

  test('a rape case records 376(3) and 375/376; the classification reads back the same', async () => {
    const supervisor = await createStaff(t.database, 'supervisor');
    const { reportId } = await fileReport({ childAgeBand: '11-15' }, 1);
    await t.services.cases.classifyReport(supervisor, reportId, { category: 'rape', legalBases: ['ppc_375_376', 'ppc_376_3'] });
    const view = await t.services.cases.viewReport(supervisor, reportId);
    assert.equal(view.classification?.category, 'rape');
    assert.deepEqual(view.classification?.legalBases, ['ppc_375_376', 'ppc_376_3']);
    const [stored] = await t.database.db.select().from(reportClassifications).where(eq(reportClassifications.reportId, reportId));
    assert.deepEqual(stored!.legalBases, ['ppc_375_376', 'ppc_376_3']);
  });

  test('on the Urdu console an analyst records 376(3) and sees it in Urdu, checked', async () => {
    const analyst = await enrolStaff(t, 'analyst');
    const { reportId } = await fileReport({ childAgeBand: '11-15' }, 1);
    const browser = new Browser(t);
    assert.equal((await browser.signIn(analyst)).statusCode, 303);
    const reportPage = `/console/ur/reports/${reportId}`;
    const saved = await browser.post(`${reportPage}/classify`, { category: 'rape', legalBases: 'ppc_376_3' }, { formPage: reportPage });
    assert.equal(saved.statusCode, 303, saved.body);

    const page = (await browser.get(reportPage)).body;
    const urduLabel = consoleMessages.ur.enums.legalBases.ppc_376_3;
    assert.match(urduLabel, /^[^A-Za-z]+$/, 'the label is in Urdu');
    const box = new RegExp(`<input type="checkbox" id="([^"]+-legalBases-ppc_376_3)"[^>]*>`).exec(page);
    assert.ok(box, 'the 376(3) box is on the page');
    assert.match(box[0], /\bchecked\b/, 'and it is checked');
    assert.ok(page.includes(`<label for="${box[1]}">${urduLabel}</label>`), 'labelled in Urdu');
    assert.doesNotMatch(page, /PPC 376\(3\)/, 'not the English label');
  });
});
