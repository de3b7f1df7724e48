import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { consoleMessages } from '../../src/http/i18n/console.ts';
import { consoleTime } from '../../src/http/views/console/layout.ts';
import { agencies, cases, referrals, reports } from '../../src/store/schema.ts';
import { testApp, testClient, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';

const hour = 3_600_000;
const day = 24 * hour;
const police = '00000000-0000-4000-8000-000000000015';
const nccia = '00000000-0000-4000-8000-00000000cc1a';
const bureau = '00000000-0000-4000-8000-000000001121';
const en = consoleMessages.en;
const ur = consoleMessages.ur;

/** A datetime-local field's value: the wall-clock time in Pakistan (UTC+5) of an instant. */
const pakistanLocal = (date: Date) => new Date(date.getTime() + 5 * hour).toISOString().slice(0, 16);
/** Text as the page escapes it. */
const escaped = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * ZARRA 2020's clock on a missing, abducted or kidnapped child's case: 1099 due 2 hours after the
 * first receipt, overdue in words once that passes, stopped by recording the notification; the FIR
 * recorded beside it; every change audited; a refused entry keeps the form. Then referrals' default
 * follow-up by agency kind (and an agency's own), and agencies by their Urdu names on Urdu pages.
 */
forEachEngine('the ZARRA clock, referral follow-up defaults, agencies in Urdu', (engine) => {
  let t: TestApp;
  /** The services' clock; tests move it instead of sleeping. */
  let now: Date;

  before(async () => {
    now = new Date();
    t = await testApp(engine, { clock: () => now });
  });
  beforeEach(() => {
    now = new Date();
  });
  after(() => t.close());

  /** Files a report through the services, received `hoursAgo` before the clock; its report and case ids. */
  async function fileReport(hoursAgo: number) {
    const input = reportInputSchema(pakistanToday()).parse({
      kind: 'abuse',
      language: 'en',
      description: 'My daughter did not come home.',
    });
    const { receipt } = await t.services.reports.submit(input, { source: 'api', client: testClient });
    const [row] = await t.database.db
      .select({ reportId: reports.id, caseId: reports.caseId })
      .from(reports)
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    const receivedAt = new Date(now.getTime() - hoursAgo * hour);
    await t.database.asOwner((owner) => owner.db.update(reports).set({ createdAt: receivedAt }).where(eq(reports.id, row!.reportId)));
    return { ...row!, receivedAt };
  }

  /**
   * A new member of staff signed in at the clock's time (a session idles out when the clock moves on,
   * and a code used once is refused again: each sign-in is a new account's).
   */
  async function signIn(role: 'supervisor' | 'auditor') {
    const staff = await enrolStaff(t, role, () => now);
    const browser = new Browser(t);
    assert.equal((await browser.signIn(staff, now)).statusCode, 303);
    const actor = (await t.services.staff.list()).find((s) => s.id === staff.id)!;
    return { staff, browser, actor };
  }

  test('a missing child: the clock shows, is overdue after 2 h, stops when 1099 is notified; the FIR shows; audited', async () => {
    let sup = await signIn('supervisor');
    const { reportId, caseId, receivedAt } = await fileReport(1);
    const casePage = `/console/en/cases/${caseId}`;
    // Not classified yet: no ZARRA section, and nothing to record.
    assert.doesNotMatch((await sup.browser.get(casePage)).body, /id="zarra-heading"/);
    await t.services.cases.classifyReport(sup.actor, reportId, { category: 'missing' });

    const dueText = escaped(consoleTime('en', new Date(receivedAt.getTime() + 2 * hour)));
    let page = (await sup.browser.get(casePage)).body;
    assert.match(page, new RegExp(`<h2 id="zarra-heading">${escaped(en.zarra.heading)}</h2>`));
    assert.ok(page.includes(`<dt>${en.zarra.notifyBy}</dt><dd>${dueText}</dd>`), 'due 2 hours after receipt, in Pakistan time');
    assert.ok(!page.includes(en.zarra.overdue), 'not overdue within the 2 hours');
    assert.ok(page.includes('id="zarra-notifiedAt"'), 'a supervisor has the form');

    // An hour and a minute on, the 2 hours have passed: overdue, in words and marked.
    now = new Date(now.getTime() + hour + 60_000);
    sup = await signIn('supervisor');
    const aud = await signIn('auditor');
    page = (await sup.browser.get(casePage)).body;
    assert.ok(page.includes(`${dueText} <strong class="danger-flag">${en.zarra.overdue}</strong>`), 'overdue in words');
    assert.equal((await t.services.cases.zarraStatus(sup.actor, caseId))!.clock!.notifyOverdue, true);
    // In Urdu: the section in Urdu words (references, numbers and times aside), overdue said so.
    const urduSection = /<section aria-labelledby="zarra-heading"[\s\S]*?<\/section>/.exec(
      (await sup.browser.get(`/console/ur/cases/${caseId}`)).body,
    )![0];
    assert.ok(urduSection.includes(`<strong class="danger-flag">${ur.zarra.overdue}</strong>`));
    const urduText = urduSection.replace(/<bdi dir="ltr">[^<]*<\/bdi>/g, ' ').replace(/<[^>]+>/g, ' ');
    assert.deepEqual(urduText.match(/[A-Za-z]{2,}/g) ?? [], [], 'no English in the Urdu section');
    // An auditor sees the clock, not the form.
    const auditorPage = (await aud.browser.get(casePage)).body;
    assert.ok(auditorPage.includes(en.zarra.overdue) && !auditorPage.includes('id="zarra-notifiedAt"'));

    // Refused: a time in the future, one before the receipt, a reference without its time. The form keeps what was typed.
    const post = (fields: Record<string, string>, lang = 'en') =>
      sup.browser.post(`/console/${lang}/cases/${caseId}/zarra`, fields, { formPage: `/console/${lang}/cases/${caseId}` });
    let refused = await post({ notifiedAt: pakistanLocal(new Date(now.getTime() + hour)), reference: 'ZA-2026-0042' });
    assert.equal(refused.statusCode, 400);
    assert.ok(refused.body.includes(en.problems.future_time));
    assert.match(refused.body, /id="zarra-reference"[^>]* value="ZA-2026-0042"/, 'the reference typed is kept');
    refused = await post({ firRegisteredAt: pakistanLocal(new Date(receivedAt.getTime() - 60_000)), firNumber: '117/26' });
    assert.equal(refused.statusCode, 400);
    assert.ok(refused.body.includes(escaped(en.problems.before_receipt)));
    assert.match(refused.body, /id="zarra-firNumber"[^>]* value="117\/26"/);
    refused = await post({ reference: 'ZA-2026-0042' }, 'ur');
    assert.equal(refused.statusCode, 400);
    assert.ok(refused.body.includes(ur.problems.time_required), 'the problem in Urdu on the Urdu page');
    assert.match(refused.body, /id="zarra-reference"[^>]* value="ZA-2026-0042"/);
    const [unchanged] = await t.database.db.select().from(cases).where(eq(cases.id, caseId));
    assert.deepEqual([unchanged!.zarra1099NotifiedAt, unchanged!.zarra1099Reference], [null, null], 'nothing refused is stored');

    // 1099 notified ten minutes ago: the clock stops.
    const notifiedAt = new Date(Math.floor((now.getTime() - 10 * 60_000) / 60_000) * 60_000);
    assert.equal((await post({ notifiedAt: pakistanLocal(notifiedAt), reference: 'ZA-2026-0042' })).statusCode, 303);
    page = (await sup.browser.get(casePage)).body;
    assert.ok(!page.includes(en.zarra.overdue), 'no longer overdue once 1099 is notified');
    assert.ok(
      page.includes(`<dt>${en.zarra.notified}</dt><dd>${escaped(consoleTime('en', notifiedAt))} (<bdi dir="ltr">ZA-2026-0042</bdi>)</dd>`),
    );
    assert.ok(page.includes(`<dt>${en.zarra.firRegistered}</dt><dd>${en.zarra.firNotRegistered}</dd>`));

    // The FIR registered: shown with its number; the notification, sent again as the form holds it, is kept.
    const firAt = new Date(notifiedAt.getTime() + 5 * 60_000);
    const formNow = (await sup.browser.get(casePage)).body;
    assert.match(formNow, new RegExp(`id="zarra-notifiedAt"[^>]* value="${pakistanLocal(notifiedAt)}"`), 'the form holds what is recorded');
    const saved = await post({
      notifiedAt: pakistanLocal(notifiedAt),
      reference: 'ZA-2026-0042',
      firRegisteredAt: pakistanLocal(firAt),
      firNumber: '117/26',
    });
    assert.equal(saved.statusCode, 303);
    page = (await sup.browser.get(casePage)).body;
    assert.ok(
      page.includes(`<dt>${en.zarra.firRegistered}</dt><dd>${escaped(consoleTime('en', firAt))} (<bdi dir="ltr">117/26</bdi>)</dd>`),
    );
    const [stored] = await t.database.db.select().from(cases).where(eq(cases.id, caseId));
    assert.deepEqual(
      [stored!.zarra1099NotifiedAt, stored!.zarra1099Reference, stored!.zarraFirRegisteredAt, stored!.zarraFirNumber],
      [notifiedAt, 'ZA-2026-0042', firAt, '117/26'],
    );

    // Audited: each change, with only what changed, from and to.
    const entries = (await t.services.audit.list({ limit: 10, action: 'case.zarra' })).filter((e) => e.objectId === caseId).reverse();
    assert.deepEqual(
      entries.map((e) => e.details),
      [
        {
          zarraNotifiedAt: { from: null, to: notifiedAt.toISOString() },
          zarraReference: { from: null, to: 'ZA-2026-0042' },
        },
        {
          zarraFirRegisteredAt: { from: null, to: firAt.toISOString() },
          zarraFirNumber: { from: null, to: '117/26' },
        },
      ],
    );
    assert.ok(entries.every((e) => e.actorId === sup.staff.id));
  });

  test('kidnapping and abduction are ZARRA cases; other cases have no section and refuse a record', async () => {
    const sup = await signIn('supervisor');
    for (const category of ['kidnapping', 'abduction'] as const) {
      const { reportId, caseId } = await fileReport(3);
      await t.services.cases.classifyReport(sup.actor, reportId, { category });
      const page = (await sup.browser.get(`/console/en/cases/${caseId}`)).body;
      assert.ok(page.includes(`<strong class="danger-flag">${en.zarra.overdue}</strong>`), `${category}: overdue after 3 hours`);
    }
    const { reportId, caseId } = await fileReport(3);
    await t.services.cases.classifyReport(sup.actor, reportId, { category: 'sextortion' });
    assert.doesNotMatch((await sup.browser.get(`/console/en/cases/${caseId}`)).body, /id="zarra-heading"/);
    const refused = await sup.browser.post(
      `/console/en/cases/${caseId}/zarra`,
      { notifiedAt: pakistanLocal(now) },
      { formPage: `/console/en/cases/${caseId}` },
    );
    assert.equal(refused.statusCode, 409);
  });

  test('a referral made without a follow-up date gets today + its kind’s days, or the agency’s own; none when asked', async () => {
    const sup = await signIn('supervisor');
    const { caseId } = await fileReport(1);
    const casePage = `/console/en/cases/${caseId}`;
    const pkDate = (days: number) => pakistanToday(new Date(now.getTime() + days * day));
    const refer = (agencyId: string, extra: Record<string, string> = {}) =>
      sup.browser.post(
        `${casePage}/referrals`,
        { agencyId, referredAt: pakistanLocal(new Date(now.getTime() - hour)), method: 'phone', firStatus: 'pending', ...extra },
        { formPage: casePage },
      );
    const latest = async () =>
      (await t.database.db.select().from(referrals).where(eq(referrals.caseId, caseId))).sort((a, b) => b.id - a.id)[0]!;

    const form = (await sup.browser.get(casePage)).body;
    assert.ok(form.includes(escaped('Emergency police (15) / district police: 2 days')), 'the form explains the default');
    assert.ok(form.includes(escaped('Foreign hotline (INHOPE member): 14 days')));

    assert.equal((await refer(police)).statusCode, 303);
    assert.equal((await latest()).followUpOn, pkDate(2), 'police: 2 days');
    assert.equal((await refer(bureau)).statusCode, 303);
    assert.equal((await latest()).followUpOn, pkDate(3), 'child protection: 3 days');
    assert.equal((await refer(police, { noFollowUp: 'yes' })).statusCode, 303);
    assert.equal((await latest()).followUpOn, null, '"no follow-up" ticked: none');
    assert.equal((await refer(police, { followUpOn: pkDate(9) })).statusCode, 303);
    assert.equal((await latest()).followUpOn, pkDate(9), 'a date given is kept');

    // An agency's own follow-up overrides its kind's (NCCIA: cyber crime, 7 days by default).
    assert.equal((await refer(nccia)).statusCode, 303);
    assert.equal((await latest()).followUpOn, pkDate(7));
    await t.database.asOwner((owner) => owner.db.update(agencies).set({ followUpDays: 4 }).where(eq(agencies.id, nccia)));
    try {
      assert.equal((await refer(nccia)).statusCode, 303);
      assert.equal((await latest()).followUpOn, pkDate(4), 'the agency’s own days');
      assert.ok((await sup.browser.get(casePage)).body.includes(escaped('NCCIA (National Cyber Crime Investigation Agency): 4 days')));
    } finally {
      await t.database.asOwner((owner) => owner.db.update(agencies).set({ followUpDays: null }).where(eq(agencies.id, nccia)));
    }
    const entries = await t.services.audit.list({ limit: 1, action: 'referral.add' });
    assert.equal(entries[0]!.details.followUpOn, pkDate(4), 'the date given is audited');
  });

  test('agencies are shown by their Urdu names on Urdu pages: the form, the referrals, the overdue follow-ups', async () => {
    const sup = await signIn('supervisor');
    const { caseId } = await fileReport(1);
    const working = sup.actor;
    await t.services.cases.addReferral(working, caseId, {
      agencyId: bureau,
      referredAt: new Date(now.getTime() - day),
      method: 'letter',
      firStatus: 'pending',
      followUpOn: pakistanToday(new Date(now.getTime() - day)),
    });
    const seeded = await t.database.db.select().from(agencies);
    assert.ok(
      seeded.length >= 6 && seeded.every((a) => a.nameUr && !/[A-Za-z]{2,}/.test(a.nameUr)),
      'every seeded agency has an Urdu name',
    );
    const bureauUr = seeded.find((a) => a.id === bureau)!.nameUr!;

    const casePage = (await sup.browser.get(`/console/ur/cases/${caseId}`)).body;
    for (const agency of seeded) {
      assert.ok(casePage.includes(`<option value="${agency.id}">${agency.nameUr}</option>`), `${agency.name}: its Urdu name in the form`);
      assert.ok(!casePage.includes(escaped(agency.name)), `${agency.name}: not in English on the Urdu page`);
    }
    assert.ok(casePage.includes(`<td>${bureauUr}</td>`), 'the referral list');
    assert.ok(casePage.includes(`<h3>${bureauUr}, `), 'the referral below the list');
    assert.ok(casePage.includes(ur.case.followUpReferral(bureauUr)), 'its follow-up form');

    const queue = (await sup.browser.get('/console/ur/')).body;
    assert.ok(queue.includes(`<h2 id="followups-heading">${ur.queue.overdueFollowUps}</h2>`), 'the overdue follow-up is listed');
    assert.ok(queue.includes(`</bdi></a>: ${bureauUr}, `), 'the overdue follow-up names the agency in Urdu');
    assert.ok(!queue.includes('Child Protection and Welfare Bureau'));
    // The English console keeps the English names.
    assert.ok((await sup.browser.get('/console/en/')).body.includes('</bdi></a>: Child Protection and Welfare Bureau (1121), '));
  });
});
