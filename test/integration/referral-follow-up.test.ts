import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import type { StaffRole } from '../../src/domain/staff.ts';
import { referrals } from '../../src/store/schema.ts';
import { submitOnlineReport, testApp, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff, type EnrolledStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';

const day = 24 * 3_600_000;
const nccia = '00000000-0000-4000-8000-00000000cc1a';
const firstNote = 'Officer Khan <b>will call</b> back\nabout the uploader.';
const laterNote = 'FIR number promised for Monday.';

/**
 * A referral followed up on the console's case page: its follow-up date moved and cleared (the
 * overdue flag follows), notes added to its history and shown, decrypted, to those who read the case.
 */
forEachEngine('referral follow-up', (engine) => {
  let t: TestApp;
  let now: Date;
  const staff = new Map<StaffRole, EnrolledStaff>();
  const browsers = new Map<StaffRole, Browser>();
  let caseId: string;
  let referralId: number;
  let casePage: string;

  const pkDate = (offsetDays: number) => pakistanToday(new Date(now.getTime() + offsetDays * day));
  const stored = async () => (await t.database.db.select().from(referrals).where(eq(referrals.id, referralId)))[0]!;
  const followUp = (browser: Browser, fields: Record<string, string>, options: { csrf?: boolean } = {}) =>
    browser.post(`${casePage}/referrals/${referralId}`, fields, { formPage: casePage, ...options });
  /** The referral's row in the case page's table. */
  const referralRow = (html: string) => /<tr[^>]*>(?:(?!<\/tr>).)*NCCIA(?:(?!<\/tr>).)*<\/tr>/s.exec(html)?.[0] ?? '';

  beforeEach(async () => {
    now = new Date();
    t = await testApp(engine, { clock: () => now });
    for (const role of ['analyst', 'auditor', 'administrator'] as const) {
      staff.set(role, await enrolStaff(t, role, () => now));
      const browser = new Browser(t);
      assert.equal((await browser.signIn(staff.get(role)!, now)).statusCode, 303, `${role} signs in`);
      browsers.set(role, browser);
    }
    ({ caseId } = await submitOnlineReport(t));
    casePage = `/console/en/cases/${caseId}`;
    const analyst = browsers.get('analyst')!;
    const made = await analyst.post(
      `${casePage}/referrals`,
      {
        agencyId: nccia,
        referredAt: new Date(now.getTime() + 5 * 3_600_000 - 3_600_000).toISOString().slice(0, 16),
        method: 'portal',
        firStatus: 'pending',
        followUpOn: pkDate(-1),
        notes: firstNote,
      },
      { formPage: casePage },
    );
    assert.equal(made.statusCode, 303, made.body);
    referralId = (await t.database.db.select().from(referrals).where(eq(referrals.caseId, caseId)))[0]!.id;
  });
  afterEach(() => t.close());

  test('the follow-up date is moved and cleared, the overdue flag follows, notes keep their history', async () => {
    const analyst = browsers.get('analyst')!;
    let page = (await analyst.get(casePage)).body;
    assert.match(referralRow(page), /class="overdue"/, 'a follow-up date in the past is overdue');
    assert.ok(
      page.includes('<p class="body user-text" dir="auto">Officer Khan &lt;b&gt;will call&lt;/b&gt; back\nabout the uploader.</p>'),
      'the notes are shown as text, escaped, their line break kept',
    );
    assert.match(page, new RegExp(`id="referral-${referralId}-followUpOn"[^>]* value="${pkDate(-1)}"`), 'the form holds the date set');

    assert.equal((await followUp(analyst, { firStatus: 'pending', followUpOn: pkDate(7), notes: laterNote })).statusCode, 303);
    page = (await analyst.get(casePage)).body;
    assert.doesNotMatch(referralRow(page), /class="overdue"|Overdue/, 'moved to next week: no longer overdue');
    assert.ok(referralRow(page).includes(pkDate(7)));
    const when = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Karachi', dateStyle: 'short', timeStyle: 'short' }).format(now);
    assert.ok(
      page.includes(`about the uploader.\n\n${when} · ${staff.get('analyst')!.email}\nFIR number promised for Monday.</p>`),
      'the later note is added under its date and author; the first is kept',
    );
    assert.ok(!(await stored()).notes!.toString('latin1').includes('FIR number'), 'the notes stay encrypted');

    assert.equal((await followUp(analyst, { firStatus: 'pending', followUpOn: pkDate(-2) })).statusCode, 303);
    assert.match(referralRow((await analyst.get(casePage)).body), /class="overdue"/, 'moved into the past: overdue again');
    let queue = await t.services.cases.queue(staff.get('analyst')!);
    assert.deepEqual(
      queue.overdueFollowUps.map((f) => f.referralId),
      [referralId],
    );

    // Sent empty, the date is cleared: nothing is due, nothing overdue.
    assert.equal((await followUp(analyst, { firStatus: 'registered', followUpOn: '' })).statusCode, 303);
    assert.equal((await stored()).followUpOn, null);
    page = (await analyst.get(casePage)).body;
    assert.doesNotMatch(referralRow(page), /class="overdue"/);
    assert.match(page, new RegExp(`id="referral-${referralId}-followUpOn"(?![^>]* value=)[^>]*>`), 'the date field is empty');
    queue = await t.services.cases.queue(staff.get('analyst')!);
    assert.deepEqual(queue.overdueFollowUps, []);

    // Each change is audited with what changed, never the notes' text.
    const entries = (await t.services.audit.list({ limit: 10, action: 'referral.update' })).reverse();
    assert.deepEqual(
      entries.map((e) => e.details),
      [
        { referralId, changed: ['followUpOn', 'notes'], followUpOn: { from: pkDate(-1), to: pkDate(7) } },
        { referralId, changed: ['followUpOn'], followUpOn: { from: pkDate(7), to: pkDate(-2) } },
        { referralId, changed: ['firStatus', 'followUpOn'], firStatus: 'registered', followUpOn: { from: pkDate(-2), to: null } },
      ],
    );
    assert.ok(entries.every((e) => e.objectId === caseId && e.actorId === staff.get('analyst')!.id));
    const everyDetail = JSON.stringify(await t.services.audit.list({ limit: 100 }));
    assert.ok(!everyDetail.includes('FIR number') && !everyDetail.includes('Khan'), "the audit log holds no notes' text");
  });

  test('the notes are shown to those who may read the case, the form only to those who work on it', async () => {
    const auditor = await browsers.get('auditor')!.get(casePage);
    assert.equal(auditor.statusCode, 200);
    assert.ok(auditor.body.includes('Officer Khan &lt;b&gt;will call&lt;/b&gt; back\nabout the uploader.'), 'an auditor reads the case');
    assert.ok(!auditor.body.includes(`/referrals/${referralId}"`), 'an auditor has no follow-up form');

    const administrator = await browsers.get('administrator')!.get(casePage);
    assert.equal(administrator.statusCode, 403);
    assert.ok(!administrator.body.includes('Khan'), 'an administrator does not read cases');

    // An analyst reaches the cases assigned to them: this one the first analyst took by referring it.
    const other = await enrolStaff(t, 'analyst', () => now);
    const otherBrowser = new Browser(t);
    await otherBrowser.signIn(other, now);
    const refused = await otherBrowser.get(casePage);
    assert.equal(refused.statusCode, 403);
    assert.ok(!refused.body.includes('Khan'));
  });

  test('a follow-up without the form token, or by a role that may not work on cases, changes nothing', async () => {
    const before = await stored();
    const withoutToken = await followUp(
      browsers.get('analyst')!,
      { firStatus: 'pending', followUpOn: pkDate(3), notes: laterNote },
      { csrf: false },
    );
    assert.equal(withoutToken.statusCode, 403);
    for (const role of ['auditor', 'administrator'] as const) {
      const response = await followUp(browsers.get(role)!, { firStatus: 'refused', followUpOn: '', notes: laterNote });
      assert.equal(response.statusCode, 403, role);
    }
    assert.deepEqual(await stored(), before);
    assert.deepEqual(await t.services.audit.list({ limit: 10, action: 'referral.update' }), []);
  });
});
