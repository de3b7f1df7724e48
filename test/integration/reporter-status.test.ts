import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { and, asc, eq } from 'drizzle-orm';
import { HifazatError } from '../../src/domain/errors.ts';
import type { Language } from '../../src/domain/report.ts';
import { en } from '../../src/http/i18n/en.ts';
import { ur } from '../../src/http/i18n/ur.ts';
import { auditLog, cases, reportMessages, reports } from '../../src/store/schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { forEachEngine } from '../helpers/database.ts';
import { formEncode, formHeaders, pageText } from '../helpers/forms.ts';
import { createStaffTeam, type StaffTeam } from '../helpers/staff.ts';

const policeId = '00000000-0000-4000-8000-000000000015';
const policeName = 'Emergency police (15) / district police';
const day = 24 * 3_600_000;

/** A date as each language's follow-up page writes it (Pakistan's calendar). */
const dateIn = (lang: Language, date: Date) =>
  new Intl.DateTimeFormat(lang === 'ur' ? 'ur-PK-u-nu-latn' : 'en-GB', { dateStyle: 'long', timeZone: 'Asia/Karachi' }).format(date);

interface Progress {
  stage: string;
  since: string | null;
  agencyKind?: string;
  closureReason?: string;
  unreadStaffMessages: number;
  checkAgainInDays: number | null;
}

forEachEngine('the status the reporter reads', (engine) => {
  let t: TestApp;
  let staff: StaffTeam;
  before(async () => {
    t = await testApp(engine);
    staff = await createStaffTeam(t.database);
  });
  after(() => t.close());

  async function submit() {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      payload: { kind: 'abuse', language: 'ur', description: 'A neighbour hurts the child next door.' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { receipt } = created.json<{ receipt: string }>();
    const [row] = await t.database.db
      .select({ reportId: reports.id, caseId: reports.caseId, receivedAt: reports.createdAt })
      .from(reports)
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    return { receipt, ...row! };
  }

  /** The follow-up page's status section as she reads it: the stage (its class), and its words. */
  async function page(lang: Language, receipt: string) {
    const response = await t.app.inject({
      method: 'POST',
      url: `/${lang}/follow-up`,
      headers: formHeaders,
      payload: formEncode({ receipt }),
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['set-cookie'], undefined, 'no cookie');
    const section = /<section aria-labelledby="status-heading">([\s\S]*?)<\/section>/.exec(response.body)![1]!;
    return { stage: /class="status status-([a-z_]+)"/.exec(section)![1], text: pageText(section), body: response.body };
  }

  async function api(receipt: string) {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/follow-up', payload: { receipt } });
    assert.equal(response.statusCode, 200, response.body);
    return response.json<{ status: string; progress: Progress }>();
  }

  const staffMessages = (reportId: string) =>
    t.database.db
      .select({ seen: reportMessages.seenByReporterAt })
      .from(reportMessages)
      .where(and(eq(reportMessages.reportId, reportId), eq(reportMessages.author, 'staff')))
      .orderBy(asc(reportMessages.id));
  const caseOf = async (caseId: string) => (await t.database.db.select().from(cases).where(eq(cases.id, caseId)))[0]!;
  const reopenEntries = (caseId: string) =>
    t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'case.reopen'), eq(auditLog.objectId, caseId)));
  const noLatin = (text: string, what: string) => assert.doesNotMatch(text, /[A-Za-z]/, `${what}: no English on the Urdu page (${text})`);

  test('received → read → written to you → read → referred to the police → closed, in both languages and the API', async () => {
    const { receipt, reportId, caseId, receivedAt } = await submit();

    // Received: nobody has opened it.
    let en1 = await page('en', receipt);
    assert.equal(en1.stage, 'received');
    assert.equal(en1.text, `Status ${en.followUp.stages.received(dateIn('en', receivedAt))} Please check again in 2 days.`);
    let ur1 = await page('ur', receipt);
    assert.equal(ur1.stage, 'received');
    assert.ok(ur1.text.includes(ur.followUp.stages.received(dateIn('ur', receivedAt))), ur1.text);
    assert.ok(ur1.text.includes('2 دن بعد دوبارہ دیکھیں'), ur1.text);
    noLatin(ur1.text, 'received');
    assert.deepEqual((await api(receipt)).progress, {
      stage: 'received',
      since: receivedAt.toISOString(),
      unreadStaffMessages: 0,
      checkAgainInDays: 2,
    });

    // An administrator reads no case content, so cannot make it "read".
    await assert.rejects(t.services.cases.viewReport(staff.administrator, reportId), HifazatError);
    assert.equal((await page('en', receipt)).stage, 'received');

    // Read: an analyst opens the report in the console; opening it again keeps the first time.
    await t.services.cases.viewReport(staff.analyst, reportId);
    const [{ firstReadAt }] = (await t.database.db
      .select({ firstReadAt: reports.firstReadAt })
      .from(reports)
      .where(eq(reports.id, reportId))) as [{ firstReadAt: Date }];
    assert.ok(firstReadAt);
    await t.services.cases.viewReport(staff.supervisor, reportId);
    en1 = await page('en', receipt);
    assert.deepEqual([en1.stage, en1.text.includes(`Read by a member of staff on ${dateIn('en', firstReadAt)}.`)], ['read', true]);
    ur1 = await page('ur', receipt);
    assert.deepEqual([ur1.stage, ur1.text.includes(ur.followUp.stages.read(dateIn('ur', firstReadAt)))], ['read', true]);
    noLatin(ur1.text, 'read');
    const read = await api(receipt);
    assert.deepEqual([read.status, read.progress.stage, read.progress.since], ['received', 'read', firstReadAt.toISOString()]);

    // Written to you: shown once, with the advice to answer; seen from then on, so back to read.
    await t.services.cases.askReporter(staff.analyst, reportId, 'Which school is it?');
    assert.deepEqual(
      (await staffMessages(reportId)).map((m) => m.seen),
      [null],
    );
    en1 = await page('en', receipt);
    assert.equal(en1.stage, 'written_to_you');
    assert.ok(en1.text.includes('A member of staff wrote to you on'), en1.text);
    assert.ok(en1.text.includes(en.followUp.answerBelow), en1.text);
    assert.ok(en1.body.includes('Which school is it?'));
    assert.ok((await staffMessages(reportId))[0]!.seen instanceof Date, 'the message is recorded as seen once shown');
    assert.equal((await page('en', receipt)).stage, 'read');

    await t.services.cases.askReporter(staff.analyst, reportId, 'Is the child safe now?');
    ur1 = await page('ur', receipt);
    assert.equal(ur1.stage, 'written_to_you');
    assert.ok(ur1.text.includes('آپ کو پیغام لکھا'), ur1.text);
    noLatin(ur1.text, 'written to you');
    assert.equal((await page('ur', receipt)).stage, 'read');

    await t.services.cases.askReporter(staff.analyst, reportId, 'Thank you.');
    const written = await api(receipt);
    assert.deepEqual(
      [written.progress.stage, written.progress.unreadStaffMessages, written.progress.checkAgainInDays],
      ['written_to_you', 1, null],
    );
    assert.deepEqual([(await api(receipt)).progress.stage, (await api(receipt)).progress.unreadStaffMessages], ['read', 0]);

    // Referred to the police: the kind of organisation with the date, never the agency's name.
    const referredAt = new Date(Date.now() - 2 * day);
    await t.services.cases.addReferral(staff.analyst, caseId, { agencyId: policeId, referredAt, method: 'phone', firStatus: 'registered' });
    en1 = await page('en', receipt);
    assert.equal(en1.stage, 'referred');
    assert.ok(en1.text.includes(`Passed on to the police on ${dateIn('en', referredAt)}, so that they can act.`), en1.text);
    assert.ok(en1.text.includes('Please check again in 7 days.'), en1.text);
    assert.ok(!en1.body.includes(policeName) && !en1.body.includes('district police'), 'no agency name on the page');
    ur1 = await page('ur', receipt);
    assert.equal(ur1.stage, 'referred');
    assert.ok(ur1.text.includes(`${dateIn('ur', referredAt)} کو آپ کی رپورٹ پولیس کے پاس بھیج دی گئی`), ur1.text);
    noLatin(ur1.text, 'referred');
    const referred = await t.app.inject({ method: 'POST', url: '/api/v1/follow-up', payload: { receipt } });
    assert.ok(!referred.body.includes(policeName));
    assert.deepEqual(referred.json<{ progress: Progress }>().progress, {
      stage: 'referred',
      since: referredAt.toISOString(),
      agencyKind: 'police',
      unreadStaffMessages: 0,
      checkAgainInDays: 7,
    });

    // Closed, with what closing means, worded without blame; nothing to check, but writing reopens it.
    await t.services.cases.requestClosure(staff.analyst, caseId, 'unfounded');
    await t.services.cases.approveClosure(staff.supervisor, caseId);
    const { closedAt } = await caseOf(caseId);
    en1 = await page('en', receipt);
    assert.equal(en1.stage, 'closed');
    assert.ok(en1.text.includes(`Closed on ${dateIn('en', closedAt!)}. ${en.followUp.closedMeaning.unfounded}`), en1.text);
    assert.ok(en1.text.includes('did not find something we could act on'), en1.text);
    assert.ok(en1.text.includes('your message opens the report again'), en1.text);
    ur1 = await page('ur', receipt);
    assert.equal(ur1.stage, 'closed');
    assert.ok(ur1.text.includes(ur.followUp.closedMeaning.unfounded), ur1.text);
    assert.ok(ur1.text.includes('دوبارہ کھول دے گا'), ur1.text);
    noLatin(ur1.text, 'closed');
    const closed = await api(receipt);
    assert.deepEqual(
      [closed.status, closed.progress],
      [
        'closed',
        { stage: 'closed', since: closedAt!.toISOString(), closureReason: 'unfounded', unreadStaffMessages: 0, checkAgainInDays: null },
      ],
    );
  });

  test('a message to a closed case is accepted and reopens it for staff, audited, in the form and the API alike', async () => {
    const { receipt, reportId, caseId } = await submit();
    const close = async (reason: 'actioned' | 'duplicate') => {
      await t.services.cases.requestClosure(staff.supervisor, caseId, reason);
      await t.services.cases.approveClosure(staff.otherSupervisor, caseId);
      assert.equal((await caseOf(caseId)).state, 'closed');
    };
    await close('duplicate');
    const closedPage = await page('en', receipt);
    assert.ok(closedPage.text.includes('joined with theirs'), closedPage.text);

    // The form.
    const replied = await t.app.inject({
      method: 'POST',
      url: '/en/follow-up/reply',
      headers: formHeaders,
      payload: formEncode({ receipt, body: 'It has started again.' }),
    });
    assert.equal(replied.statusCode, 200);
    const text = pageText(replied.body);
    assert.ok(text.includes(en.followUp.sent), text);
    assert.ok(text.includes('It has started again.'));
    const [message] = await t.database.db
      .select({ at: reportMessages.createdAt })
      .from(reportMessages)
      .where(and(eq(reportMessages.reportId, reportId), eq(reportMessages.author, 'reporter')));
    assert.ok(
      text.includes(`Your message of ${dateIn('en', message!.at)} opened this report again. A member of staff will read it.`),
      text,
    );

    const reopened = await caseOf(caseId);
    assert.deepEqual(
      [
        reopened.state,
        reopened.closedAt,
        reopened.closureReason,
        reopened.closureRequestedBy,
        reopened.closureRequestedAt,
        reopened.closureApprovedBy,
        reopened.unreadReporterMessages,
      ],
      ['in_progress', null, null, null, null, null, 1],
    );
    const [entry, ...more] = await reopenEntries(caseId);
    assert.deepEqual(more, []);
    assert.deepEqual(
      [entry!.actor, entry!.actorId, entry!.objectType, entry!.details],
      ['system', null, 'case', { reason: 'reporter_message' }],
    );
    // Staff can work on it again, and it is back in the queue with her message unread.
    await t.services.cases.addNote(staff.supervisor, caseId, 'Reopened by the reporter.');
    const item = (await t.services.cases.queue(staff.supervisor)).items.find((i) => i.case.id === caseId);
    assert.equal(item?.hasUnreadMessages, true);

    const status = await api(receipt);
    assert.deepEqual(
      [status.status, status.progress],
      ['under_review', { stage: 'reopened', since: reopened.reopenedAt!.toISOString(), unreadStaffMessages: 0, checkAgainInDays: 2 }],
    );
    const urPage = await page('ur', receipt);
    assert.equal(urPage.stage, 'reopened');
    assert.ok(urPage.text.includes('دوبارہ کھل گئی ہے'), urPage.text);
    noLatin(urPage.text, 'reopened');

    // The API, the same way.
    await close('actioned');
    const answered = await t.app.inject({
      method: 'POST',
      url: '/api/v1/follow-up/messages',
      payload: { receipt, body: 'One more thing.' },
    });
    assert.equal(answered.statusCode, 201, answered.body);
    const answer = answered.json<{ status: string; progress: Progress; messages: { body: string }[] }>();
    assert.deepEqual([answer.status, answer.progress.stage], ['under_review', 'reopened']);
    assert.deepEqual(
      answer.messages.map((m) => m.body),
      ['It has started again.', 'One more thing.'],
    );
    assert.deepEqual([(await caseOf(caseId)).state, (await caseOf(caseId)).unreadReporterMessages], ['in_progress', 2]);
    assert.equal((await reopenEntries(caseId)).length, 2);
    assert.equal((await t.services.audit.verify()).ok, true);

    // A message to an open case reopens nothing.
    await t.app.inject({ method: 'POST', url: '/api/v1/follow-up/messages', payload: { receipt, body: 'And another.' } });
    assert.equal((await reopenEntries(caseId)).length, 2);
  });

  test('answering counts the staff messages as seen: the page she gets back does not say she was written to', async () => {
    const { receipt, reportId } = await submit();
    await t.services.cases.viewReport(staff.analyst, reportId);
    await t.services.cases.askReporter(staff.analyst, reportId, 'Which city?');
    const answered = await t.app.inject({ method: 'POST', url: '/api/v1/follow-up/messages', payload: { receipt, body: 'Multan.' } });
    assert.equal(answered.json<{ progress: Progress }>().progress.stage, 'read');
    assert.ok((await staffMessages(reportId))[0]!.seen instanceof Date);
  });
});
