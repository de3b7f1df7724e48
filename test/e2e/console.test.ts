/**
 * The analysts' console in a real browser (Debian's chromium): a report filed in Urdu on the
 * public form, worked by an analyst through triage, classification, questions to the reporter
 * and a referral, and closed by a second person; axe-core on every console page in English and
 * Urdu; and the layout at a desk's 1024×768 (and a phone's 360×740 for sign-in). One browser and
 * one app (PGlite) for the whole file, on a clock the file moves so that one account can sign
 * in more than once (a TOTP code cannot be replayed); each test opens its own contexts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { commandLine } from '../../src/domain/actor.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { languages, reportInputSchema, type Language } from '../../src/domain/report.ts';
import { defangUrl, normaliseUrl } from '../../src/domain/url.ts';
import { consoleMessages } from '../../src/http/i18n/console.ts';
import { en } from '../../src/http/i18n/en.ts';
import { ur } from '../../src/http/i18n/ur.ts';
import type { Messages } from '../../src/http/i18n/index.ts';
import type { StaffMember } from '../../src/services/staff.ts';
import { cases, reports } from '../../src/store/schema.ts';
import {
  assertNoAxeViolations,
  launchBrowser,
  newContext,
  newScriptlessContext,
  serveTestApp,
  skipWithoutBrowser,
  type ServedApp,
} from '../helpers/browser.ts';
import { enrolStaff, totp, type EnrolledStaff } from '../helpers/console.ts';
import { testClient } from '../helpers/app.ts';

const desk = { width: 1024, height: 768 };
const phone = { width: 360, height: 740 };
const day = 86_400_000;
const ncciaName = 'NCCIA (National Cyber Crime Investigation Agency)';
const ncciaId = '00000000-0000-4000-8000-00000000cc1a';
const publicMessages: Record<Language, Messages> = { en, ur };

/** Exactly `text`, with or without a "(required)"/"(optional)" marker after it. */
const named = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s*\\([^)]*\\))?$`);

describe("analysts' console in a browser", { skip: skipWithoutBrowser }, () => {
  let browser: Browser;
  let t: ServedApp;
  /** The app's clock runs `offset` ms ahead of the real one; signIn moves it on when it must. */
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  let analyst: EnrolledStaff;
  let supervisor: EnrolledStaff;
  let administrator: EnrolledStaff;
  let auditor: EnrolledStaff;
  /** A case with everything a page can show (links, messages, classification, referral, task, note). */
  let busy: { reportId: string; caseId: string; reference: string };

  before(async () => {
    [browser, t] = await Promise.all([launchBrowser(), serveTestApp('pglite', { clock: now })]);
    analyst = await enrolStaff(t, 'analyst', now);
    supervisor = await enrolStaff(t, 'supervisor', now);
    administrator = await enrolStaff(t, 'administrator', now);
    auditor = await enrolStaff(t, 'auditor', now);
    busy = await seedBusyCase();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  const member = (staff: EnrolledStaff): StaffMember => ({
    id: staff.id,
    email: staff.email,
    displayName: `Test ${staff.role}`,
    role: staff.role,
    language: 'en',
  });

  async function caseOfReceipt(receipt: string): Promise<{ reportId: string; caseId: string; reference: string }> {
    const [row] = await t.database.db
      .select({ reportId: reports.id, caseId: reports.caseId, reference: cases.reference })
      .from(reports)
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    assert.ok(row, 'report stored under the receipt shown');
    return row;
  }

  /** Set up through the services (this is the scenery of the page checks, not what they test). */
  async function seedBusyCase() {
    const today = pakistanToday(now());
    const input = reportInputSchema(today).parse({
      language: 'ur',
      kind: 'online_material',
      urls: [
        `https://files.example.org/shared/${'a-very-long-path-segment-'.repeat(6)}index.html?id=1234567890`,
        'http://another-site.example.net/x',
      ],
      site: 'ٹیلی گرام کا ایک گروپ',
      description: 'ایک گروپ میں یہ لنک بار بار بھیجے جا رہے ہیں۔\nدوسری سطر۔',
      inDangerNow: true,
      childAgeBand: '11-15',
      childSex: 'girl',
      contact: { name: 'عائشہ', phone: '0300 1234567', consent: true },
    });
    const { receipt } = await t.services.reports.submit(input, { source: 'portal', client: testClient });
    const ids = await caseOfReceipt(receipt);
    const actor = member(supervisor);
    const classification = {
      category: 'abuse_material',
      legalBases: ['ppc_292b_292c', 'peca_22'],
      interpolBaseline: true,
      tags: ['self_generated'],
      victimAgeBand: '11-15',
      victimSex: 'girl',
      materialViewed: true,
      viewedBy: 'The analyst on duty',
    };
    await t.services.cases.classifyReport(actor, ids.reportId, classification);
    await t.services.cases.classifyUrl(actor, ids.reportId, 0, classification);
    await t.services.cases.askReporter(actor, ids.reportId, 'کیا یہ گروپ ابھی تک موجود ہے؟');
    await t.services.followUp.addReporterMessage(
      receipt,
      'جی ہاں، کل تک موجود تھا۔ https://another-site.example.net/' + 'y'.repeat(150),
      testClient,
    );
    // Overdue, so that the queue lists an overdue follow-up and an overdue task.
    const yesterday = pakistanToday(new Date(now().getTime() - day));
    await t.services.cases.addReferral(actor, ids.caseId, {
      agencyId: ncciaId,
      referredAt: new Date(now().getTime() - 3 * day),
      method: 'email',
      agencyReference: 'NCCIA/CCRC/LHR/2025/000123456789',
      firStatus: 'pending',
      followUpOn: yesterday,
      notes: 'Sent the links to the duty officer.',
    });
    await t.services.cases.addTask(actor, ids.caseId, { title: 'Ask the platform to remove the group', dueOn: yesterday });
    await t.services.cases.addNote(actor, ids.caseId, 'The reporter seems reliable.');
    return ids;
  }

  /** Which 30-second TOTP step each account last signed in with. */
  const claimedStep = new Map<string, number>();
  const stepOf = (at: Date) => Math.floor(at.getTime() / 30_000);

  /**
   * Signs in through the sign-in form with a fresh code, and lands on the queue (or staff page).
   * One sign-in at a time: moving the app's clock on for one account's next code while another
   * account's code is on its way would make that code too old.
   */
  let signingIn: Promise<void> = Promise.resolve();
  function signIn(page: Page, staff: EnrolledStaff, lang: Language): Promise<void> {
    const turn = signingIn.then(() => signInNow(page, staff, lang));
    signingIn = turn.catch(() => {});
    return turn;
  }

  async function signInNow(page: Page, staff: EnrolledStaff, lang: Language): Promise<void> {
    const s = consoleMessages[lang].signIn;
    await page.goto(`/console/${lang}/sign-in`);
    await page.getByLabel(s.email, { exact: true }).fill(staff.email);
    await page.getByLabel(s.password, { exact: true }).fill(staff.password);
    // A code is accepted once: a second sign-in of this account in the same step needs the next one.
    let at = now();
    const previous = claimedStep.get(staff.id);
    if (previous !== undefined && stepOf(at) <= previous) {
      offset += (previous - stepOf(at) + 1) * 30_000;
      at = now();
    }
    claimedStep.set(staff.id, stepOf(at));
    await page.getByLabel(s.code, { exact: true }).fill(await totp(staff.secret, at));
    const status = await press(page, page.getByRole('button', { name: s.submit, exact: true }));
    assert.equal(status, 200, `signed in as ${staff.role}`);
    assert.ok(new URL(page.url()).pathname.startsWith(`/console/${lang}/`));
    const c = consoleMessages[lang];
    assert.equal(
      (await page.locator('.session p').innerText()).trim(),
      `${c.signedInAs} Test ${staff.role} (${c.roles[staff.role]}) · ${c.account.nav}`,
    );
  }

  /**
   * Clicks a button that submits a form and waits for the page it leads to (after a redirect,
   * if any); returns that page's status.
   */
  async function press(page: Page, button: Locator): Promise<number> {
    const [response] = await Promise.all([
      page.waitForResponse((res) => res.request().isNavigationRequest() && (res.status() < 300 || res.status() >= 400)),
      page.waitForEvent('load'),
      button.click(),
    ]);
    return response.status();
  }

  /** Posts a form the page does not offer, as a crafted request from a signed-in browser would. */
  async function postFromPage(page: Page, action: string): Promise<number> {
    const [response] = await Promise.all([
      page.waitForResponse((res) => res.request().isNavigationRequest() && res.request().method() === 'POST'),
      page.waitForEvent('load'),
      page.evaluate((target) => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = target;
        const token = document.createElement('input');
        token.type = 'hidden';
        token.name = '_csrf';
        token.value = document.querySelector<HTMLInputElement>('input[name="_csrf"]')!.value;
        form.append(token);
        document.body.append(form);
        form.submit();
      }, action),
    ]);
    return response.status();
  }

  const field = (scope: Page | Locator, label: string) => scope.getByLabel(named(label));
  const group = (scope: Page | Locator, legend: string) => scope.getByRole('group', { name: named(legend) });
  /** The value shown for a term of a page's first list of facts. */
  const fact = (page: Page, term: string) =>
    page.locator('dl.facts').first().locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]').innerText();
  /** The queue's row of a case. */
  const queueRow = (page: Page, reference: string) =>
    page.getByRole('row').filter({ has: page.getByRole('link', { name: reference, exact: true }) });
  const cellTexts = async (row: Locator) => (await row.getByRole('cell').allInnerTexts()).map((s) => s.trim());

  test('an Urdu report is classified, discussed with the reporter, referred, and closed by a second person', async () => {
    const reportedUrl = 'https://grooming-chat.example.net/room/7781?invite=abc123';
    const reportedHost = 'grooming-chat.example.net';
    const normalised = normaliseUrl(reportedUrl);
    assert.ok('url' in normalised);
    const defanged = defangUrl(normalised.url);
    const narrative = 'ایک شخص میری بیٹی کو اس چیٹ روم میں پیغامات بھیجتا ہے اور تصویریں مانگتا ہے۔';
    const question = 'کیا آپ بتا سکتی ہیں کہ یہ پیغامات کب سے آ رہے ہیں؟';
    const answer = 'تقریباً دو ہفتے سے۔ وہ کہتا ہے کہ تصویریں نہ بھیجیں تو سب کو بتا دے گا۔';

    const reporter = await newContext(browser, t, { javaScript: false });
    const analystContext = await newContext(browser, t, { javaScript: true, viewport: desk });
    const supervisorContext = await newContext(browser, t, { javaScript: true, viewport: desk });
    // Staff browsers must never fetch the reported link (no link, image, prefetch or preview).
    const fetched: string[] = [];
    for (const context of [analystContext, supervisorContext]) {
      context.on('request', (request) => {
        if (new URL(request.url()).hostname.endsWith(reportedHost)) fetched.push(request.url());
      });
    }
    /** Nothing on the page points at the reported host, and it is not even in the markup. */
    const assertNothingPointsAtReportedHost = async (page: Page, where: string) => {
      const pointing = await page.evaluate((host) => {
        const found: string[] = [];
        for (const el of Array.from(document.querySelectorAll('*'))) {
          for (const attr of Array.from(el.attributes)) {
            if (attr.value.toLowerCase().includes(host)) found.push(`<${el.tagName.toLowerCase()} ${attr.name}="${attr.value}">`);
          }
        }
        return found;
      }, reportedHost);
      assert.deepEqual(pointing, [], `${where}: elements pointing at the reported host`);
      assert.equal(await page.locator(`a[href*="${reportedHost}" i], img[src*="${reportedHost}" i]`).count(), 0);
      assert.ok(!(await page.content()).includes(reportedHost), `${where}: the reported host appears in the page undefanged`);
    };

    try {
      // A member of the public reports in Urdu, without JavaScript.
      const rp = await reporter.newPage();
      const a = ur.report.abuse;
      const ch = ur.report.choices;
      // She starts with the link, then says it is abuse (the link comes along), and adds details after the receipt.
      await rp.goto('/ur/report/online');
      await field(rp, ur.report.material.urlLabel(1)).fill(reportedUrl);
      await rp.getByRole('button', { name: ur.report.switchKind.online_material }).click();
      await rp.getByRole('textbox', { name: named(a.descriptionLabel) }).fill(narrative);
      await group(rp, a.dangerLabel).getByRole('radio', { name: ch.yes, exact: true }).check();
      await rp.getByRole('button', { name: ur.report.submit, exact: true }).click();
      const receipt = (await rp.locator('#receipt-code').innerText()).replace(/\s/g, '');
      assert.match(receipt, /^\d{20}$/);
      await rp.getByRole('button', { name: ur.receipt.detailsButton }).click();
      await field(rp, a.ageLabel).selectOption({ label: ch.ageBands['11-15'] });
      await group(rp, a.sexLabel).getByRole('radio', { name: ch.childSexes.girl }).check();
      await rp.getByRole('button', { name: ur.details.submit }).click();
      await rp.getByRole('heading', { level: 1, name: ur.details.addedTitle }).waitFor();
      const { reportId, caseId, reference } = await caseOfReceipt(receipt);
      const readStatus = async (): Promise<string> => {
        await rp.goto('/ur/follow-up');
        await field(rp, ur.followUp.receiptLabel).fill(receipt);
        await rp.getByRole('button', { name: ur.followUp.submit, exact: true }).click();
        return (await rp.locator('.status').innerText()).trim();
      };
      /** A date as the Urdu follow-up page writes it. */
      const urDate = (date: Date) =>
        new Intl.DateTimeFormat('ur-PK-u-nu-latn', { dateStyle: 'long', timeZone: 'Asia/Karachi' }).format(date);

      // The analyst signs in and finds it in the triage queue, flagged: a child in danger.
      const c = consoleMessages.en;
      const { queue: q, report: r, case: k, enums: e, classification: cl } = c;
      const ap = await analystContext.newPage();
      await signIn(ap, analyst, 'en');
      assert.equal(await ap.getByRole('heading', { level: 1 }).innerText(), q.title);
      const row = queueRow(ap, reference);
      const [refCell, , kindCell, ageCell, categoryCell, stateCell, assignedCell] = await cellTexts(row);
      assert.ok(refCell!.includes(q.danger), `flagged in danger: ${refCell}`);
      assert.ok(!refCell!.includes(q.unread));
      assert.deepEqual(
        [kindCell, ageCell, categoryCell, stateCell, assignedCell],
        [e.kinds.abuse, en.report.choices.ageBands['11-15'], '', e.states.new, q.unassigned],
      );

      // The report: the narrative as written, the link defanged and pointing nowhere.
      await ap.getByRole('link', { name: reference, exact: true }).click();
      await ap.waitForURL(`**/console/en/reports/${reportId}`);
      assert.equal(await ap.getByRole('heading', { level: 1 }).innerText(), r.title(reference));
      assert.equal(await ap.locator('.user-text').innerText(), narrative);
      // Urdu in the English console still reads right to left (its full stop at the left end).
      assert.ok(await ap.locator('.user-text').evaluate((el) => el.matches(':dir(rtl)')), 'the narrative keeps its own direction');
      assert.equal(await fact(ap, r.fields.danger), en.report.choices.yes);
      assert.deepEqual(await ap.locator('ol.urls code').allInnerTexts(), [defanged]);
      assert.ok(defanged.startsWith('hxxps://grooming-chat[.]example[.]net/'), defanged);
      await assertNothingPointsAtReportedHost(ap, 'report page');

      // A link's classification sent without a category is refused, and says why where it can be seen.
      await ap.locator('summary', { hasText: r.classifyUrl(1) }).click();
      const linkForm = group(ap, r.classifyUrl(1));
      await group(linkForm, cl.tags).getByRole('checkbox', { name: e.tags.sextortion }).check();
      assert.equal(await press(ap, linkForm.getByRole('button', { name: r.save })), 400);
      assert.ok(await group(ap, r.classifyUrl(1)).isVisible(), "link 1's form is open again, to show its problem");
      const linkCategory = field(group(ap, r.classifyUrl(1)), cl.category);
      assert.equal(await linkCategory.getAttribute('aria-invalid'), 'true');
      // The message the field is described by, shown beside it.
      const linkError = ap.locator(`[id="${await linkCategory.getAttribute('aria-describedby')}"]`);
      assert.ok(await linkError.isVisible(), 'the problem is shown, not hidden in a closed disclosure');
      assert.equal(await linkError.innerText(), c.problems.required);
      assert.ok(await group(ap, r.classifyUrl(1)).getByRole('checkbox', { name: e.tags.sextortion }).isChecked(), 'the tag ticked is kept');

      // Classification under Pakistani law: first without a category, refused, keeping every answer.
      const classify = group(ap, r.classify);
      await group(classify, cl.legalBases).getByRole('checkbox', { name: e.legalBases.ppc_292a }).check();
      await group(classify, cl.legalBases).getByRole('checkbox', { name: e.legalBases.peca_22 }).check();
      await field(classify, cl.interpol).selectOption({ label: en.report.choices.no });
      await group(classify, cl.tags).getByRole('checkbox', { name: e.tags.sextortion }).check();
      await group(classify, cl.tags).getByRole('checkbox', { name: e.tags.grooming }).check();
      await field(classify, cl.victimAge).selectOption({ label: en.report.choices.ageBands['11-15'] });
      await field(classify, cl.victimSex).selectOption({ label: en.report.choices.childSexes.girl });
      await field(classify, cl.viewed).selectOption({ label: en.report.choices.no });
      assert.equal(await press(ap, classify.getByRole('button', { name: r.save })), 400);
      const summary = ap.getByRole('alert').filter({ has: ap.getByRole('heading', { name: en.report.errorSummary }) });
      assert.equal(await summary.getByRole('link').getAttribute('href'), '#c-category');
      assert.equal(await summary.getByRole('link').innerText(), c.problems.required);
      const refused = group(ap, r.classify);
      assert.ok(await group(refused, cl.legalBases).getByRole('checkbox', { name: e.legalBases.peca_22 }).isChecked(), 'legal basis kept');
      assert.ok(await group(refused, cl.tags).getByRole('checkbox', { name: e.tags.grooming }).isChecked(), 'tags kept');
      assert.equal(await field(refused, cl.victimSex).locator('option:checked').innerText(), en.report.choices.childSexes.girl);
      await field(refused, cl.category).selectOption({ label: e.categories.sextortion });
      assert.equal(await press(ap, refused.getByRole('button', { name: r.save })), 200);
      assert.ok((await ap.getByRole('main').innerText()).includes(`${k.state}: ${e.states.triaged}`), 'the case is now triaged');
      // The form shows what was saved.
      const saved = group(ap, r.classify);
      assert.equal(await field(saved, cl.category).locator('option:checked').innerText(), e.categories.sextortion);
      const checked = async (legend: string) => {
        const boxes = group(saved, legend).getByRole('checkbox', { checked: true });
        return (await boxes.evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).labels![0]!.innerText))).sort();
      };
      assert.deepEqual(await checked(cl.legalBases), [e.legalBases.peca_22, e.legalBases.ppc_292a].sort());
      assert.deepEqual(await checked(cl.tags), [e.tags.grooming, e.tags.sextortion].sort());
      assert.equal(await field(saved, cl.interpol).locator('option:checked').innerText(), en.report.choices.no);
      assert.equal(await field(saved, cl.victimAge).locator('option:checked').innerText(), en.report.choices.ageBands['11-15']);
      assert.equal(await field(saved, cl.victimSex).locator('option:checked').innerText(), en.report.choices.childSexes.girl);

      // A question to the reporter, through the report page's message form.
      const messages = ap.getByRole('region', { name: r.messages });
      assert.ok(await messages.getByText(r.noMessages).isVisible());
      await field(ap, r.ask).fill(question);
      assert.equal(await press(ap, ap.getByRole('button', { name: r.send, exact: true })), 200);
      const thread = ap.getByRole('region', { name: r.messages }).locator('ol.thread > li');
      assert.equal(await thread.count(), 1);
      assert.ok((await thread.nth(0).locator('.meta').innerText()).startsWith(`${r.fromStaff} (Test analyst)`));
      assert.equal(await thread.nth(0).locator('.body').innerText(), question);
      assert.equal(await field(ap, r.ask).inputValue(), '', 'message box emptied once sent');

      // The reporter, with the receipt, is told a member of staff wrote to her, reads the question and answers.
      assert.equal(await readStatus(), ur.followUp.stages.written_to_you(urDate(now())));
      const reporterThread = rp.locator('ol.thread > li');
      assert.equal(await reporterThread.count(), 1);
      assert.ok((await reporterThread.nth(0).innerText()).includes(ur.followUp.fromStaff));
      assert.equal(await reporterThread.nth(0).locator('.body').innerText(), question);
      await field(rp, ur.followUp.replyLabel).fill(answer);
      await rp.getByRole('button', { name: ur.followUp.replySubmit }).click();
      await rp.getByRole('status').filter({ hasText: ur.followUp.sent }).waitFor();

      // The queue flags the answer; the report page shows it.
      await ap.goto('/console/en/');
      const flagged = await cellTexts(queueRow(ap, reference));
      assert.ok(flagged[0]!.includes(q.unread), `new message flagged: ${flagged[0]}`);
      assert.deepEqual(flagged.slice(4), [e.categories.sextortion, e.states.triaged, 'Test analyst']);
      await queueRow(ap, reference).getByRole('link', { name: reference }).click();
      await ap.waitForURL(`**/console/en/reports/${reportId}`);
      assert.equal(await thread.count(), 2);
      assert.ok((await thread.nth(1).locator('.meta').innerText()).startsWith(r.fromReporter));
      assert.equal(await thread.nth(1).locator('.body').innerText(), answer);

      // On the case page: mark the answer read, then record the referral to NCCIA.
      await ap.getByRole('link', { name: r.openCase }).click();
      await ap.waitForURL(`**/console/en/cases/${caseId}`);
      assert.equal(await ap.getByRole('heading', { level: 1 }).innerText(), k.title(reference));
      assert.equal(await fact(ap, q.assigned), 'Test analyst');
      await press(ap, ap.getByRole('button', { name: k.markRead }));
      assert.equal(await ap.getByRole('button', { name: k.markRead }).count(), 0);
      await ap.goto('/console/en/');
      assert.ok(!(await cellTexts(queueRow(ap, reference)))[0]!.includes(q.unread), 'flag gone once read');
      await ap.goto(`/console/en/cases/${caseId}`);

      // Pakistan time as the analyst types it (the form has no time zone), an hour ago.
      const referredAt = new Date(now().getTime() + 5 * 3_600_000 - 3_600_000).toISOString().slice(0, 16);
      const followUpOn = pakistanToday(new Date(now().getTime() + 7 * day));
      const referral = group(ap, k.addReferral);
      await field(referral, k.agency).selectOption({ label: ncciaName });
      await field(referral, k.referredAt).fill(referredAt);
      await field(referral, k.method).selectOption({ label: e.methods.email });
      await field(referral, k.agencyReference).fill('NCCIA-LHR-2025-0457');
      await field(referral, k.followUpOn).fill(followUpOn);
      await field(referral, k.referralNotes).fill('Sent the chat room link and the narrative to the duty officer.');
      // Without the FIR status: refused, with the problem beside it and the rest as typed.
      assert.equal(await press(ap, referral.getByRole('button', { name: k.addReferral })), 400);
      assert.equal(await field(referral, k.firStatus).getAttribute('aria-invalid'), 'true');
      assert.deepEqual(
        {
          agency: await field(referral, k.agency).locator('option:checked').innerText(),
          referredAt: await field(referral, k.referredAt).inputValue(),
          method: await field(referral, k.method).locator('option:checked').innerText(),
          reference: await field(referral, k.agencyReference).inputValue(),
          followUpOn: await field(referral, k.followUpOn).inputValue(),
          notes: await field(referral, k.referralNotes).inputValue(),
        },
        {
          agency: ncciaName,
          referredAt,
          method: e.methods.email,
          reference: 'NCCIA-LHR-2025-0457',
          followUpOn,
          notes: 'Sent the chat room link and the narrative to the duty officer.',
        },
      );
      await field(referral, k.firStatus).selectOption({ label: e.firStatuses.pending });
      assert.equal(await press(ap, referral.getByRole('button', { name: k.addReferral })), 200);
      assert.equal(await fact(ap, k.state), e.states.referred);
      const referralRows = ap.locator('.table-scroll tbody tr');
      assert.equal(await referralRows.count(), 1);
      const [agencyCell, whenCell, methodCell, agencyRefCell, firCell, followUpCell] = await cellTexts(referralRows.first());
      assert.equal(agencyCell, ncciaName);
      const shownAt = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Karachi' }).format(
        new Date(`${referredAt}:00+05:00`),
      );
      assert.equal(whenCell, shownAt, `the referral time as typed (${referredAt}, Pakistan time)`);
      assert.equal(methodCell, e.methods.email);
      assert.equal(agencyRefCell, 'NCCIA-LHR-2025-0457');
      assert.ok(firCell!.startsWith(e.firStatuses.pending), firCell);
      assert.equal(followUpCell, followUpOn);
      // Below the table, the referral's notes and its follow-up form: a note added keeps the first.
      const followUp = group(ap, k.followUpReferral(ncciaName));
      assert.equal(await field(followUp, k.firStatus).locator('option:checked').innerText(), e.firStatuses.pending);
      assert.equal(await field(followUp, k.followUpOn).inputValue(), followUpOn);
      await field(followUp, k.addToReferralNotes).fill('The duty officer confirmed receipt.');
      assert.equal(await press(ap, followUp.getByRole('button', { name: k.updateReferral })), 200);
      const referralNotes = await ap.locator('.referral .user-text').innerText();
      assert.ok(referralNotes.startsWith('Sent the chat room link and the narrative to the duty officer.'), referralNotes);
      assert.ok(referralNotes.endsWith('The duty officer confirmed receipt.'), referralNotes);
      await ap.goto('/console/en/');
      assert.equal((await cellTexts(queueRow(ap, reference)))[5], e.states.referred);
      assert.equal(
        await readStatus(),
        ur.followUp.stages.referred(ur.followUp.organisations.cyber_crime, urDate(new Date(`${referredAt}:00+05:00`))),
        'the reporter sees the referral: the kind of organisation, not its name',
      );
      await ap.goto(`/console/en/cases/${caseId}`);

      // The analyst asks for closure; they cannot approve it themselves.
      const closure = ap.getByRole('region', { name: k.closure });
      await field(closure, k.reason).selectOption({ label: e.closureReasons.actioned });
      assert.equal(await press(ap, closure.getByRole('button', { name: k.requestClosure })), 200);
      assert.equal((await closure.innerText()).trim().split('\n').at(-1), k.closureRequested(e.closureReasons.actioned));
      assert.equal(await ap.getByRole('button', { name: k.approve }).count(), 0, 'no approve button for the requester');
      assert.equal(await ap.getByRole('button', { name: k.reject }).count(), 0);
      assert.equal(await postFromPage(ap, `/console/en/cases/${caseId}/approve-closure`), 403);
      assert.ok((await ap.getByRole('main').innerText()).includes(c.forbidden), 'refused for the role, not for a bad form token');
      await ap.goto(`/console/en/cases/${caseId}`);
      assert.equal(await fact(ap, k.state), e.states.referred, 'still open');

      // A supervisor, in Urdu, approves the closure.
      const cu = consoleMessages.ur;
      const sp = await supervisorContext.newPage();
      await signIn(sp, supervisor, 'ur');
      const urRow = await cellTexts(queueRow(sp, reference));
      assert.deepEqual(urRow.slice(4), [cu.enums.categories.sextortion, cu.enums.states.referred, 'Test analyst']);
      await queueRow(sp, reference).getByRole('link', { name: reference }).click();
      await sp.waitForURL(`**/console/ur/reports/${reportId}`);
      assert.deepEqual(await sp.locator('ol.urls code').allInnerTexts(), [defanged]);
      await assertNothingPointsAtReportedHost(sp, 'report page in Urdu');
      await sp.getByRole('link', { name: cu.report.openCase }).click();
      await sp.waitForURL(`**/console/ur/cases/${caseId}`);
      // The follow-up date reads year-month-day on one line in the Urdu page, as in the English one
      // (left alone, the bidi algorithm reorders and splits its parts in right-to-left text).
      const followUpShown = sp.locator('.table-scroll tbody tr').first().getByRole('cell').nth(5);
      assert.ok((await followUpShown.innerText()).includes(followUpOn));
      const dateLayout = await followUpShown.evaluate((cell) => {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        let node = walker.nextNode();
        while (node && !/\d{4}-\d{2}-\d{2}/.test(node.textContent ?? '')) node = walker.nextNode();
        if (!node) return 'no date in the cell';
        const at = node.textContent!.search(/\d{4}-\d{2}-\d{2}/);
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + 4);
        const year = range.getBoundingClientRect();
        range.setStart(node, at + 8);
        range.setEnd(node, at + 10);
        const dayOfMonth = range.getBoundingClientRect();
        return Math.abs(year.top - dayOfMonth.top) < 2 && year.left < dayOfMonth.left
          ? 'year, then day, on one line'
          : `year at (${year.left}, ${year.top}), day at (${dayOfMonth.left}, ${dayOfMonth.top})`;
      });
      assert.equal(dateLayout, 'year, then day, on one line');
      const urClosure = sp.getByRole('region', { name: cu.case.closure });
      assert.ok((await urClosure.innerText()).includes(cu.case.closureRequested(cu.enums.closureReasons.actioned)));
      assert.equal(await press(sp, urClosure.getByRole('button', { name: cu.case.approve })), 200);
      assert.equal(await fact(sp, cu.case.state), `${cu.enums.states.closed} (${cu.enums.closureReasons.actioned})`);
      assert.equal((await urClosure.innerText()).trim().split('\n').at(-1), cu.case.closed(cu.enums.closureReasons.actioned));
      assert.equal(await sp.getByRole('button', { name: cu.case.approve }).count(), 0);

      // The analyst sees it closed, with nothing left to change, and out of the open queue.
      await ap.reload();
      assert.equal(await fact(ap, k.state), `${e.states.closed} (${e.closureReasons.actioned})`);
      assert.equal(await ap.locator('main form').count(), 0, 'no forms on a closed case');
      await ap.goto('/console/en/');
      assert.equal(await queueRow(ap, reference).count(), 0);
      await ap.goto('/console/en/?state=closed');
      assert.equal((await cellTexts(queueRow(ap, reference)))[5], e.states.closed);

      // The reporter's follow-up page says, in Urdu, that the report is closed.
      assert.equal(await readStatus(), `${ur.followUp.stages.closed(urDate(now()))} ${ur.followUp.closedMeaning.actioned}`);
      assert.equal(await rp.locator('ol.thread > li').count(), 2);

      assert.deepEqual(fetched, [], 'the staff browsers never fetched the reported link');
    } finally {
      await Promise.all([reporter.close(), analystContext.close(), supervisorContext.close()]);
    }
  });

  /**
   * Visits every console page in both languages, as the role that uses it, and runs `check` on
   * each: sign-in and enrolment (signed out), the queue, a report, a case and the file-report
   * form (supervisor), the staff page (administrator) and the audit log (auditor), with and
   * without problems in their forms. Each role walks in its own context, all at once.
   */
  async function visitConsolePages(
    open: (viewport: { width: number; height: number }) => Promise<BrowserContext>,
    check: (page: Page, what: string) => Promise<void>,
  ): Promise<void> {
    const contexts: BrowserContext[] = [];
    /** Opens a page in a context of its own, signed in as `staff` (in English: the session serves both languages). */
    const pageAs = async (staff?: EnrolledStaff) => {
      const context = await open(desk);
      contexts.push(context);
      const page = await context.newPage();
      if (staff) await signIn(page, staff, 'en');
      return page;
    };
    const go = async (page: Page, lang: Language, path: string, what: string) => {
      const response = await page.goto(`/console/${lang}${path}`);
      assert.equal(response?.status(), 200, `${lang} ${what}`);
      await check(page, `${lang} ${what}`);
    };

    const signedOut = async () => {
      const page = await pageAs();
      for (const lang of languages) {
        const c = consoleMessages[lang];
        await go(page, lang, '/sign-in', 'sign-in page');
        // An account name that does not exist: failures count per name, and must not slow real staff down.
        await page.getByLabel(c.signIn.email, { exact: true }).fill('nobody@hotline.example.org');
        await page.getByLabel(c.signIn.password, { exact: true }).fill('not the password');
        await page.getByLabel(c.signIn.code, { exact: true }).fill('000000');
        assert.equal(await press(page, page.getByRole('button', { name: c.signIn.submit })), 401);
        await check(page, `${lang} sign-in page after a failed attempt`);

        const { enrolmentToken } = await t.services.staff.invite(commandLine, {
          email: `new.${randomBytes(4).toString('hex')}@hotline.example.org`,
          displayName: 'New analyst',
          role: 'analyst',
        });
        await go(page, lang, `/enrol/${enrolmentToken}`, 'enrolment page');
        await field(page, c.enrol.password).fill('short');
        await field(page, c.enrol.passwordAgain).fill('different');
        await field(page, c.enrol.code).fill('123456');
        assert.equal(await press(page, page.getByRole('button', { name: c.enrol.submit })), 400);
        await check(page, `${lang} enrolment page with a problem`);
      }
    };

    const supervising = async () => {
      const page = await pageAs(supervisor);
      for (const lang of languages) {
        const c = consoleMessages[lang];
        await go(page, lang, '/', 'queue');
        await go(page, lang, `/reports/${busy.reportId}`, 'report page');
        // Contact details ask for the password and a code first; a wrong answer comes back with its problem.
        assert.equal(await press(page, page.getByRole('button', { name: c.report.revealContact })), 200);
        await check(page, `${lang} re-authentication page`);
        await field(page, c.reauthenticate.password).fill('not the password');
        await field(page, c.reauthenticate.code).fill('000000');
        assert.equal(await press(page, page.getByRole('button', { name: c.reauthenticate.submit })), 400);
        await check(page, `${lang} re-authentication page with a problem`);
        await go(page, lang, `/cases/${busy.caseId}`, 'case page');
        assert.equal(await press(page, group(page, c.case.addReferral).getByRole('button', { name: c.case.addReferral })), 400);
        await check(page, `${lang} case page with problems in the referral form`);
        await go(page, lang, '/account', 'own account page');
        await field(page, c.account.currentPassword).fill('not the password');
        await field(page, c.account.newPassword).fill('short');
        await field(page, c.account.newPasswordAgain).fill('different');
        assert.equal(await press(page, page.getByRole('button', { name: c.account.changePassword })), 400);
        await check(page, `${lang} own account page with problems`);
        await go(page, lang, '/file-report', 'file-report page');
        assert.equal(await press(page, page.getByRole('button', { name: publicMessages[lang].report.submit, exact: true })), 400);
        await check(page, `${lang} file-report page with problems`);
      }
    };

    const administering = async () => {
      const page = await pageAs(administrator);
      assert.equal(new URL(page.url()).pathname, '/console/en/staff', 'administrators start on the staff page');
      for (const lang of languages) {
        const c = consoleMessages[lang];
        await go(page, lang, '/staff', 'staff page');
        await field(page, c.staff.email).fill(`invited.${randomBytes(4).toString('hex')}@hotline.example.org`);
        await field(page, c.staff.name).fill('Invited supervisor');
        await field(page, c.staff.role).selectOption({ label: c.roles.supervisor });
        assert.equal(await press(page, page.getByRole('button', { name: c.staff.invite })), 200);
        await check(page, `${lang} staff page with an enrolment link`);
        await go(page, lang, `/staff/${analyst.id}`, 'staff account page');
        // The role the account already has: the page says so and nothing changes.
        assert.equal(await press(page, page.getByRole('button', { name: c.staffAccount.changeRole })), 409);
        await check(page, `${lang} staff account page with a problem`);
        await go(page, lang, '/settings', 'settings page');
        await field(page, c.settings.retention).fill('5');
        assert.equal(await press(page, page.getByRole('button', { name: c.settings.save })), 400);
        await check(page, `${lang} settings page with an error`);
      }
    };

    const auditing = async () => {
      const page = await pageAs(auditor);
      for (const lang of languages) await go(page, lang, '/audit', 'audit log');
    };

    try {
      const walks = await Promise.allSettled([signedOut(), supervising(), administering(), auditing()]);
      const failed = walks.filter((w): w is PromiseRejectedResult => w.status === 'rejected');
      if (failed.length) throw failed[0]!.reason;
    } finally {
      await Promise.all(contexts.map((c) => c.close()));
    }
  }

  // axe-core leaves Nastaliq text out of its colour-contrast rule (see portal.test.ts): contrast
  // is in effect checked on the English pages, which use the same colours.
  test('every console page passes axe-core (WCAG 2.2 AA) in English and Urdu', async () => {
    await visitConsolePages(
      (viewport) => newContext(browser, t, { javaScript: true, viewport }),
      (page, what) => assertNoAxeViolations(page, what),
    );
  });

  /** Elements sticking out of the viewport sideways, except inside the scrollable table regions. */
  async function overflowOutsideTables(page: Page) {
    // Nastaliq is taller and wider than the fallback: measure with it loaded.
    await page.evaluate(() => document.fonts.ready);
    // No named functions inside: tsx would wrap them in a helper the page does not have.
    return page.evaluate(() => {
      const root = document.documentElement;
      const edge = root.clientWidth;
      const sticking = Array.from(document.querySelectorAll('body *'))
        .filter((el) => !el.parentElement?.closest('.table-scroll'))
        .filter((el) => {
          const box = el.getBoundingClientRect();
          return box.width > 0 && ((box.left < edge && box.right > edge + 0.5) || (box.left < -0.5 && box.right > 0));
        })
        .map(
          (el) =>
            `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${typeof el.className === 'string' && el.className ? `.${el.className.split(' ').join('.')}` : ''}`,
        );
      return {
        scrollWidth: root.scrollWidth,
        clientWidth: root.clientWidth,
        sticking: sticking.slice(0, 8),
        /** Tables wider than their region, which scrolls them (so the test knows it saw some). */
        scrollingTables: Array.from(document.querySelectorAll('.table-scroll')).filter((el) => el.scrollWidth > el.clientWidth).length,
      };
    });
  }

  test('console pages fit a 1024×768 screen, tables scrolling in their own regions', async () => {
    let widenedTablesScrolling = 0;
    await visitConsolePages(
      // Scripts make no difference to the layout; without them the pages load faster.
      (viewport) => newScriptlessContext(browser, t, { viewport }),
      async (page, what) => {
        const { scrollWidth, clientWidth, sticking } = await overflowOutsideTables(page);
        assert.deepEqual(sticking, [], `${what}: elements sticking out of the ${clientWidth}px page`);
        assert.ok(scrollWidth <= clientWidth, `${what}: ${scrollWidth}px wide in ${clientWidth}px`);
        if (what === 'en audit log' || what === 'ur audit log') {
          // Whether a real table overflows depends on the machine's fonts; a table made wider than
          // any screen must still scroll in its own region and leave the page where it is.
          // (Through the CSSOM: the page's Content-Security-Policy refuses an inline style sheet.)
          await page.evaluate(() => {
            for (const table of Array.from(document.querySelectorAll<HTMLElement>('.table-scroll > table')))
              table.style.minWidth = '1600px';
          });
          const widened = await overflowOutsideTables(page);
          assert.deepEqual(widened.sticking, [], `${what}, its table widened: elements sticking out`);
          assert.ok(widened.scrollWidth <= widened.clientWidth, `${what}, its table widened: ${widened.scrollWidth}px wide`);
          widenedTablesScrolling += widened.scrollingTables;
        }
      },
    );
    assert.equal(widenedTablesScrolling, 2, 'the widened audit tables scrolled in their regions (else this test proves little)');
  });

  test('the sign-in page fits a 360×740 phone in both languages', async () => {
    const context = await newScriptlessContext(browser, t, { viewport: phone });
    try {
      const page = await context.newPage();
      for (const lang of languages) {
        await page.goto(`/console/${lang}/sign-in`);
        const { scrollWidth, clientWidth, sticking } = await overflowOutsideTables(page);
        assert.deepEqual(sticking, [], `${lang} sign-in page: elements sticking out`);
        assert.ok(scrollWidth <= clientWidth, `${lang} sign-in page: ${scrollWidth}px wide in ${clientWidth}px`);
      }
    } finally {
      await context.close();
    }
  });
});
