/**
 * The public portal in a real browser (Debian's chromium), as a reporter on a cheap phone sees
 * it: with and without JavaScript, in Urdu, at 360×740, checked by axe-core. One browser and one
 * app (PGlite) for the whole file; each test opens its own context.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { en } from '../../src/http/i18n/en.ts';
import { ur } from '../../src/http/i18n/ur.ts';
import type { Messages } from '../../src/http/i18n/index.ts';
import { clientThrottles, reports, spentChallenges } from '../../src/store/schema.ts';
import {
  assertNoAxeViolations,
  horizontalOverflow,
  launchBrowser,
  newContext,
  newScriptlessContext,
  serveTestApp,
  skipWithoutBrowser,
  type ServedApp,
} from '../helpers/browser.ts';
import { createStaffTeam, type StaffTeam } from '../helpers/staff.ts';

describe('public portal in a browser', { skip: skipWithoutBrowser }, () => {
  let browser: Browser;
  let t: ServedApp;
  let staffTeam: StaffTeam;
  before(async () => {
    [browser, t] = await Promise.all([launchBrowser(), serveTestApp('pglite')]);
    staffTeam = await createStaffTeam(t.database);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  async function reportIdOf(receipt: string): Promise<string> {
    const [row] = await t.database.db
      .select({ id: reports.id })
      .from(reports)
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    assert.ok(row, 'report stored under the receipt shown');
    return row.id;
  }

  /** How reports have been admitted so far: by a spent proof of work, or within the client's limit of reports without one. */
  async function admissions(): Promise<{ proofOfWork: number; budget: number }> {
    const [spent] = await t.database.db.select({ n: sql<number>`count(*)::int` }).from(spentChallenges);
    const [budget] = await t.database.db
      .select({ n: sql<number>`coalesce(sum(${clientThrottles.hits}), 0)::int` })
      .from(clientThrottles)
      .where(eq(clientThrottles.scope, 'report-unverified'));
    return { proofOfWork: spent!.n, budget: budget!.n };
  }

  /** Exactly `text`, with or without a "(required)"/"(optional)" marker after it. */
  const named = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s*\\([^)]*\\))?$`);
  const field = (page: Page, label: string) => page.getByLabel(named(label));
  const group = (page: Page, legend: string) => page.getByRole('group', { name: named(legend) });
  const submitButton = (page: Page, m: Messages) => page.getByRole('button', { name: m.report.submit, exact: true });

  /** The receipt code on a receipt page, digits only: at most 20 (issue 15; ADR 0007). */
  async function receiptOnPage(page: Page): Promise<string> {
    const shown = await page.locator('#receipt-code').innerText();
    const receipt = shown.replace(/\s/g, '');
    assert.match(receipt, /^\d{20}$/, `receipt code shown: ${shown}`);
    return receipt;
  }

  /** With JavaScript, the ALTCHA widget solves its (tiny, in tests) proof of work on load. */
  async function waitForProofOfWork(page: Page): Promise<void> {
    await page.locator('altcha-widget .altcha[data-state="verified"]').waitFor({ timeout: 10_000 });
    assert.ok(await page.locator('altcha-widget input[type="hidden"][name="altcha"]').inputValue(), 'solution in the form');
  }

  /** Files the smallest abuse report the Urdu first step accepts and returns the receipt page's code. */
  async function fileShortUrduReport(page: Page, javaScript: boolean): Promise<string> {
    await page.goto('/ur/report/abuse');
    if (javaScript) await waitForProofOfWork(page);
    await page.getByRole('textbox', { name: named(ur.report.abuse.descriptionLabel) }).fill('ایک مختصر رپورٹ');
    await submitButton(page, ur).click();
    return receiptOnPage(page);
  }

  /** The follow-up page says the stage in its own words (around the date it gives). */
  async function assertStage(page: Page, stage: 'read' | 'written_to_you') {
    const shown = await page.locator('.status').innerText();
    for (const words of ur.followUp.stages[stage]('\u0000').split('\u0000')) {
      assert.ok(shown.includes(words.trim()), `status "${shown}" says "${words.trim()}" (${stage})`);
    }
  }

  /**
   * How a person gets through the pages: the controls she touches, and how far she scrolls (in
   * screens of the viewport's height), page by page. Written to the test output (issue 15).
   */
  class Effort {
    controls = 0;
    screens = 0;
    constructor(private readonly page: Page) {}
    touch(n = 1) {
      this.controls += n;
    }
    /** Before leaving a page: how far down it was scrolled to reach what was touched. */
    async leavePage() {
      const { scrolled, height } = await this.page.evaluate(() => ({ scrolled: window.scrollY, height: window.innerHeight }));
      this.screens += scrolled / height;
    }
    toString() {
      return `${this.controls} controls touched, ${this.screens.toFixed(2)} screens scrolled`;
    }
  }

  /**
   * The first step's promise at 360×740: with the page just loaded, its text box (or link box) and
   * its send button are wholly on the screen, below the header and the danger banner.
   */
  async function assertFirstStepOnOneScreen(page: Page, box: ReturnType<Page['getByRole']>, what: string) {
    const { scrollY, innerHeight } = await page.evaluate(() => ({ scrollY: window.scrollY, innerHeight: window.innerHeight }));
    assert.equal(scrollY, 0, `${what}: the page opens at its top`);
    const banner = (await page.locator('.emergency').boundingBox())!;
    for (const [name, locator] of [
      ['text box', box],
      ['send button', submitButton(page, ur)],
    ] as const) {
      const rect = (await locator.boundingBox())!;
      assert.ok(rect.y >= banner.y + banner.height, `${what}: the ${name} is below the danger banner`);
      assert.ok(
        rect.y + rect.height <= innerHeight,
        `${what}: the ${name} ends at ${Math.round(rect.y + rect.height)}px of ${innerHeight}px`,
      );
    }
  }

  for (const javaScript of [false, true]) {
    test(`Urdu, 360×740, JavaScript ${javaScript ? 'on' : 'off'}: landing → abuse in one screen → receipt → details → status read and written to you`, async (testContext) => {
      const context = await newContext(browser, t, { javaScript });
      try {
        const page = await context.newPage();
        const effort = new Effort(page);
        const before = await admissions();
        await page.goto('/ur/');
        assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
        assert.equal(await page.locator('html').getAttribute('lang'), 'ur');
        await effort.leavePage();
        await page.locator('main').getByRole('link', { name: ur.landing.reportButton }).click();
        effort.touch();
        await page.waitForURL('**/ur/report');
        await effort.leavePage();
        await page.getByRole('link', { name: new RegExp(ur.report.kindChoices.abuse.title) }).click();
        effort.touch();
        await page.waitForURL('**/ur/report/abuse');
        // The proof-of-work widget is added by a script: only with JavaScript.
        if (javaScript) await waitForProofOfWork(page);
        else assert.equal(await page.locator('altcha-widget').count(), 0);

        const description = page.getByRole('textbox', { name: named(ur.report.abuse.descriptionLabel) });
        await assertFirstStepOnOneScreen(page, description, 'abuse, first step');
        // Online material's warning and link box are not part of this report.
        assert.equal(await page.getByText(ur.report.doNotShare).count(), 0);
        assert.equal(await page.getByRole('textbox', { name: ur.report.material.urlLabel(1) }).count(), 0);
        await description.fill('ہمسایہ بچی کو روز اسکول کے راستے میں تنگ کرتا ہے۔');
        await group(page, ur.report.abuse.dangerLabel).getByRole('radio', { name: ur.report.choices.yes, exact: true }).check();
        effort.touch(2);
        // Said in danger: the call-15 prompt appears beside the question (CSS only, so also without JavaScript).
        const callout = page.locator('.danger-callout');
        assert.ok(await callout.isVisible(), 'call-15 prompt shown once "yes" is chosen');
        assert.equal(await callout.getByRole('link').getAttribute('href'), 'tel:15');
        await effort.leavePage();
        await submitButton(page, ur).click();
        effort.touch();

        // The receipt page, in Urdu, with the code and the reminder to call 15.
        await page.locator('#receipt-code').waitFor();
        assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), ur.receipt.title);
        const receipt = await receiptOnPage(page);
        const reminder = page.getByRole('alert');
        assert.equal((await reminder.innerText()).trim(), ur.receipt.dangerReminder);
        assert.equal(await reminder.getByRole('link').getAttribute('href'), 'tel:15');
        assert.ok(await page.getByText(ur.receipt.keepSecret).isVisible());
        // The print button is an enhancement: it shows only where JavaScript runs, once the page's
        // deferred script has run (which may be after the receipt is on the page).
        const printButton = page.getByRole('button', { name: ur.receipt.print });
        if (javaScript) await printButton.waitFor({ state: 'visible', timeout: 5_000 });
        else assert.equal(await printButton.isVisible(), false);
        testContext.diagnostic(`first report, JavaScript ${javaScript ? 'on' : 'off'}: ${effort}`);

        const after = await admissions();
        assert.deepEqual(
          after,
          javaScript
            ? { proofOfWork: before.proofOfWork + 1, budget: before.budget }
            : { proofOfWork: before.proofOfWork, budget: before.budget + 1 },
          javaScript ? 'admitted by its proof of work' : 'admitted from the budget for reports without proof of work',
        );

        // She checks she kept the code: a wrong last group is said to be wrong, the right one (in Urdu digits) matches.
        const lastGroup = field(page, ur.receipt.confirmLabel);
        await lastGroup.fill('0000' === receipt.slice(-4) ? '1111' : '0000');
        await page.getByRole('button', { name: ur.receipt.confirmSubmit, exact: true }).click();
        await page.getByRole('status').filter({ hasText: ur.receipt.notConfirmed }).waitFor();
        assert.equal(await receiptOnPage(page), receipt, 'the code is shown again');
        await lastGroup.fill(receipt.slice(-4).replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]!));
        await page.getByRole('button', { name: ur.receipt.confirmSubmit, exact: true }).click();
        await page.getByRole('status').filter({ hasText: ur.receipt.confirmed }).waitFor();

        // Details after the receipt, each optional, reach the report.
        await page.getByRole('button', { name: ur.receipt.detailsButton }).click();
        await page.getByRole('heading', { level: 1, name: ur.details.title }).waitFor();
        const a = ur.report.abuse;
        const c = ur.report.choices;
        await field(page, a.occurredOnLabel).fill('2025-03-01');
        await field(page, a.precisionLabel).selectOption({ label: a.precisions.month });
        await field(page, a.provinceLabel).selectOption({ label: c.provinces.punjab });
        await field(page, a.districtLabel).fill('ملتان');
        await group(page, a.areaLabel).getByRole('radio', { name: c.areas.urban }).check();
        await field(page, a.placeLabel).selectOption({ label: c.places.street });
        await field(page, a.abuserLabel).selectOption({ label: c.abuserRelationships.neighbour });
        await field(page, a.policeLabel).selectOption({ label: c.policeStatuses.not_yet });
        await field(page, a.ageLabel).selectOption({ label: c.ageBands['6-10'] });
        await group(page, a.sexLabel).getByRole('radio', { name: c.childSexes.girl }).check();
        await field(page, ur.report.reporter.relationshipLabel).selectOption({ label: c.reporterRelationships.parent });
        await page.getByRole('button', { name: ur.details.submit }).click();
        await page.getByRole('heading', { level: 1, name: ur.details.addedTitle }).waitFor();

        const reportId = await reportIdOf(receipt);
        const [stored] = await t.database.db.select().from(reports).where(eq(reports.id, reportId));
        assert.equal(stored!.district, 'Multan', 'Urdu district name stored as the canonical one');
        assert.equal(stored!.inDangerNow, true);
        assert.equal(stored!.childAgeBand, '6-10');
        assert.equal(stored!.province, 'punjab');
        assert.ok(stored!.detailsAddedAt, 'staff see when details were added');
        const seen = await t.services.cases.viewReport(staffTeam.supervisor, reportId);
        assert.equal(seen.province, 'punjab', 'the details reach the console');

        // Follow-up, typing the code in groups as it is written down.
        await page.goto('/ur/follow-up');
        const spaced = receipt.replace(/(\d{4})(?=\d)/g, '$1 ');
        const lookUp = async () => {
          await page.goto('/ur/follow-up');
          await field(page, ur.followUp.receiptLabel).fill(spaced);
          await page.getByRole('button', { name: ur.followUp.submit, exact: true }).click();
          await page.locator('#status-heading').waitFor();
        };
        await lookUp();
        // The supervisor opened the report above: it has been read.
        await assertStage(page, 'read');

        const question = 'کیا بچی اب محفوظ ہے؟ کیا آپ اسکول کا نام بتا سکتے ہیں؟';
        await t.services.followUp.addStaffMessage(reportId, question);
        await lookUp();
        await assertStage(page, 'written_to_you');
        const thread = page.locator('ol.thread > li');
        assert.equal(await thread.count(), 1);
        assert.ok((await thread.nth(0).innerText()).includes(ur.followUp.fromStaff));
        assert.equal(await thread.nth(0).locator('.body').innerText(), question);

        const answer = 'جی ہاں، اب وہ محفوظ ہے۔ اسکول کا نام گورنمنٹ گرلز پرائمری اسکول ہے۔';
        await field(page, ur.followUp.replyLabel).fill(answer);
        await page.getByRole('button', { name: ur.followUp.replySubmit }).click();
        await page.getByRole('status').filter({ hasText: ur.followUp.sent }).waitFor();
        assert.equal(await thread.count(), 2);
        assert.equal(await thread.nth(0).locator('.body').innerText(), question);
        assert.ok((await thread.nth(1).innerText()).includes(ur.followUp.fromYou));
        assert.equal(await thread.nth(1).locator('.body').innerText(), answer);
        assert.equal(await field(page, ur.followUp.replyLabel).inputValue(), '', 'reply box emptied once sent');
        // Seen: the status is back to "read".
        await lookUp();
        await assertStage(page, 'read');
      } finally {
        await context.close();
      }
    });

    test(`Urdu, 360×740, JavaScript ${javaScript ? 'on' : 'off'}: a link in one screen, from the landing page to the receipt`, async (testContext) => {
      const context = await newContext(browser, t, { javaScript });
      try {
        const page = await context.newPage();
        const effort = new Effort(page);
        await page.goto('/ur/');
        await effort.leavePage();
        await page.locator('main').getByRole('link', { name: ur.landing.reportButton }).click();
        effort.touch();
        await page.waitForURL('**/ur/report');
        await effort.leavePage();
        await page.getByRole('link', { name: new RegExp(ur.report.kindChoices.online_material.title) }).click();
        effort.touch();
        await page.waitForURL('**/ur/report/online');
        if (javaScript) await waitForProofOfWork(page);
        const link = page.getByRole('textbox', { name: ur.report.material.urlLabel(1) });
        await assertFirstStepOnOneScreen(page, link, 'online material, first step');
        assert.ok(await page.getByText(ur.report.doNotShare).isVisible(), 'the do-not-share warning is with the link box');
        await link.fill('  example.com/video/123 ۔');
        effort.touch();
        await effort.leavePage();
        await submitButton(page, ur).click();
        effort.touch();
        const receipt = await receiptOnPage(page);
        testContext.diagnostic(`link report, JavaScript ${javaScript ? 'on' : 'off'}: ${effort}`);
        const [stored] = await t.database.db
          .select()
          .from(reports)
          .where(eq(reports.id, await reportIdOf(receipt)));
        assert.equal(stored!.kind, 'online_material');
        assert.equal(stored!.inDangerNow, null, 'not answered: not known');
      } finally {
        await context.close();
      }
    });
  }

  test('a rejected first step (JavaScript off) keeps every typed value, also across a change of kind', async () => {
    const context = await newContext(browser, t, { javaScript: false });
    try {
      const page = await context.newPage();
      const m = ur.report.material;
      const c = ur.report.choices;
      await page.goto('/ur/report/online');
      const idempotencyKey = await page.locator('input[name="idempotencyKey"]').inputValue();
      await field(page, m.urlLabel(1)).fill('https://example.org/ok');
      // Without JavaScript "add another link" asks the server for the form with one more field.
      await page.getByRole('button', { name: m.addUrl }).click();
      await field(page, m.urlLabel(2)).fill('not a link');
      await group(page, ur.report.abuse.dangerLabel).getByRole('radio', { name: c.unknown }).check();
      const [response] = await Promise.all([
        page.waitForResponse((res) => res.request().method() === 'POST' && res.url().endsWith('/ur/report')),
        submitButton(page, ur).click(),
      ]);
      assert.equal(response.status(), 400);
      await page.locator('.error-summary').waitFor();
      assert.deepEqual(
        {
          url1: await field(page, m.urlLabel(1)).inputValue(),
          url2: await field(page, m.urlLabel(2)).inputValue(),
          danger: await group(page, ur.report.abuse.dangerLabel).getByRole('radio', { name: c.unknown }).isChecked(),
          idempotencyKey: await page.locator('input[name="idempotencyKey"]').inputValue(),
        },
        { url1: 'https://example.org/ok', url2: 'not a link', danger: true, idempotencyKey },
      );
      const summary = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: ur.report.errorSummary }) });
      assert.equal(await summary.getByRole('listitem').count(), 1, 'one problem listed');
      const input = field(page, m.urlLabel(2));
      assert.equal(await input.getAttribute('aria-invalid'), 'true');
      const block = page.locator('.field.has-error').filter({ has: input });
      assert.equal(await block.locator('.error').innerText(), ur.problems.invalid_url);
      assert.equal(
        await summary.getByRole('link', { name: ur.problems.invalid_url }).getAttribute('href'),
        `#${await input.getAttribute('id')}`,
      );

      // She meant the other kind: what she typed comes along, and the description is asked for.
      await page.getByRole('button', { name: ur.report.switchKind.online_material }).click();
      await page.getByRole('heading', { level: 1, name: ur.report.stepHeadings.abuse }).waitFor();
      assert.equal(await field(page, m.urlLabel(1)).inputValue(), 'https://example.org/ok');
      assert.equal(await field(page, m.urlLabel(2)).inputValue(), 'not a link');
      await page.getByRole('textbox', { name: named(ur.report.abuse.descriptionLabel) }).fill('یہ لنک ایک گروپ میں تھا\nدوسری سطر');
      await page.getByRole('button', { name: ur.report.switchKind.abuse }).click();
      await page.getByRole('heading', { level: 1, name: ur.report.stepHeadings.online_material }).waitFor();
      assert.equal(await page.getByRole('textbox', { name: named(m.descriptionLabel) }).inputValue(), 'یہ لنک ایک گروپ میں تھا\nدوسری سطر');
      assert.equal(await page.locator('input[name="idempotencyKey"]').inputValue(), idempotencyKey, 'the same report throughout');
    } finally {
      await context.close();
    }
  });

  test('a rejected details form (JavaScript off) keeps every typed value; a used details form says so', async () => {
    const context = await newContext(browser, t, { javaScript: false });
    try {
      const page = await context.newPage();
      await fileShortUrduReport(page, false);
      const continuation = (await page.locator('input[name="continuation"]').first().getAttribute('value'))!;
      await page.getByRole('button', { name: ur.receipt.detailsButton }).click();
      const a = ur.report.abuse;
      const r = ur.report.reporter;
      const c = ur.report.choices;
      await field(page, a.districtLabel).fill('Karachi East');
      await field(page, r.nameLabel).fill('عائشہ');
      await field(page, r.phoneLabel).fill('0300 1234567');
      await field(page, r.emailLabel).fill('not-an-email');
      await page.getByRole('checkbox', { name: r.consentLabel }).check();
      await field(page, a.ageLabel).selectOption({ label: c.ageBands['11-15'] });
      await page.getByRole('button', { name: ur.details.submit }).click();
      await page.locator('.error-summary').waitFor();
      assert.deepEqual(
        {
          district: await field(page, a.districtLabel).inputValue(),
          name: await field(page, r.nameLabel).inputValue(),
          phone: await field(page, r.phoneLabel).inputValue(),
          email: await field(page, r.emailLabel).inputValue(),
          consent: await page.getByRole('checkbox', { name: r.consentLabel }).isChecked(),
          age: await field(page, a.ageLabel).locator('option:checked').innerText(),
        },
        { district: 'Karachi East', name: 'عائشہ', phone: '0300 1234567', email: 'not-an-email', consent: true, age: c.ageBands['11-15'] },
      );
      assert.equal(await field(page, r.emailLabel).getAttribute('aria-invalid'), 'true');
      await field(page, r.emailLabel).fill('');
      await page.getByRole('button', { name: ur.details.submit }).click();
      await page.getByRole('heading', { level: 1, name: ur.details.addedTitle }).waitFor();
      // The same form sent again (a second tab, a resubmission): it worked once only, and says where to go on.
      const again = await context.request.post('/ur/report/details', {
        form: { continuation, kind: 'abuse', action: 'add', place: 'school' },
      });
      assert.equal(again.status(), 410);
      assert.ok((await again.text()).includes(ur.details.expiredTitle));
    } finally {
      await context.close();
    }
  });

  test('Urdu pages fit a 360px screen without sideways scrolling', async () => {
    const context = await newContext(browser, t, { javaScript: true, viewport: { width: 360, height: 740 } });
    try {
      const page = await context.newPage();
      const assertFits = async (what: string) => {
        // Nastaliq is much taller and a little wider than the fallback: measure with it loaded.
        await page.evaluate(() => document.fonts.ready);
        const { scrollWidth, clientWidth, widest } = await horizontalOverflow(page);
        assert.ok(scrollWidth <= clientWidth, `${what}: ${scrollWidth}px wide in ${clientWidth}px; sticking out: ${widest.join(', ')}`);
      };
      await page.goto('/ur/');
      await assertFits('landing page');
      const fonts = await page.evaluate(() => {
        const loaded: string[] = [];
        document.fonts.forEach((f) => f.status === 'loaded' && loaded.push(f.family));
        return loaded;
      });
      assert.ok(
        fonts.some((f) => f.includes('Noto Nastaliq Urdu')),
        `the self-hosted Nastaliq font is used (loaded: ${fonts.join(', ')})`,
      );
      await page.goto('/ur/report');
      await assertFits('choice of report');
      for (const kind of ['online', 'abuse']) {
        await page.goto(`/ur/report/${kind}`);
        await waitForProofOfWork(page);
        await assertFits(`first step (${kind})`);
      }
      // Each radio button and checkbox stays on the line of its label (a long label wraps beside it).
      const apart = () =>
        page.evaluate(() =>
          Array.from(document.querySelectorAll<HTMLInputElement>('input[type="radio"], input[type="checkbox"]'))
            .filter((input) => input.labels?.length && input.offsetParent !== null)
            .filter((input) => {
              const box = input.getBoundingClientRect();
              const label = input.labels![0]!.getBoundingClientRect();
              return label.top > box.bottom || label.bottom < box.top;
            })
            .map((input) => input.id),
        );
      assert.deepEqual(await apart(), [], 'controls separated from their labels');
      await page.goto('/ur/report/online');
      // A long link that is not one: the error and the typed value are shown again.
      await field(page, ur.report.material.urlLabel(1)).fill('example com/' + 'a-very-long-path-segment/'.repeat(8));
      await submitButton(page, ur).click();
      await page.locator('.error-summary').waitFor();
      await assertFits('first step after submitting');
      const receipt = await fileShortUrduReport(page, true);
      await assertFits('receipt page');
      await page.getByRole('button', { name: ur.receipt.detailsButton }).click();
      await page.getByRole('heading', { level: 1, name: ur.details.title }).waitFor();
      await assertFits('details form');
      assert.deepEqual(await apart(), [], 'controls separated from their labels on the details form');
      await page.goto('/ur/follow-up');
      await assertFits('follow-up page');
      await t.services.followUp.addStaffMessage(
        await reportIdOf(receipt),
        'براہ کرم یہ لنک دیکھیں: https://example.com/' + 'x'.repeat(120),
      );
      await field(page, ur.followUp.receiptLabel).fill(receipt);
      await page.getByRole('button', { name: ur.followUp.submit, exact: true }).click();
      await page.locator('ol.thread').waitFor();
      await assertFits('follow-up thread');
    } finally {
      await context.close();
    }
  });

  /** Submits an abuse report's first step with errors: no description, and a link that is not one (carried from the other kind). */
  async function submitWithErrors(page: Page, lang: 'en' | 'ur', m: Messages, javaScript: boolean): Promise<void> {
    await page.goto(`/${lang}/report/online`);
    if (javaScript) await waitForProofOfWork(page);
    await field(page, m.report.material.urlLabel(1)).fill('not a link');
    await page.getByRole('button', { name: m.report.switchKind.online_material }).click();
    await page.getByRole('heading', { level: 1, name: m.report.stepHeadings.abuse }).waitFor();
    if (javaScript) await waitForProofOfWork(page);
    await submitButton(page, m).click();
    await page.locator('.error-summary').waitFor();
  }

  // axe-core leaves Nastaliq text out of its colour-contrast rule (it takes the ligatures for an
  // icon font), so contrast is in effect checked on the English pages, which use the same colours.
  test('every public page passes axe-core (WCAG 2.2 AA) in both languages, JavaScript on', async () => {
    const context = await newContext(browser, t, { javaScript: true });
    try {
      const page = await context.newPage();
      for (const [lang, m] of [
        ['en', en],
        ['ur', ur],
      ] as const) {
        for (const path of ['/', '/report', '/report/online', '/report/abuse', '/follow-up']) {
          await page.goto(`/${lang}${path}`);
          // The first steps are checked with the proof-of-work widget in them, solved.
          if (path.startsWith('/report/')) await waitForProofOfWork(page);
          await assertNoAxeViolations(page, `${lang}${path}`);
        }

        await submitWithErrors(page, lang, m, true);
        await assertNoAxeViolations(page, `${lang} first step with errors`);

        // A receipt page (with the danger reminder and the print button), its check, the details form, then the thread.
        await page.getByRole('textbox', { name: named(m.report.abuse.descriptionLabel) }).fill('Test report');
        await field(page, m.report.material.urlLabel(1)).fill('');
        await group(page, m.report.abuse.dangerLabel).getByRole('radio', { name: m.report.choices.yes, exact: true }).check();
        await waitForProofOfWork(page);
        await submitButton(page, m).click();
        await page.locator('#receipt-code').waitFor();
        await assertNoAxeViolations(page, `${lang} receipt page`);
        const receipt = await receiptOnPage(page);
        await field(page, m.receipt.confirmLabel).fill('x');
        await page.getByRole('button', { name: m.receipt.confirmSubmit, exact: true }).click();
        await page.getByRole('status').filter({ hasText: m.receipt.notConfirmed }).waitFor();
        await assertNoAxeViolations(page, `${lang} receipt page, code not confirmed`);
        const continuation = (await page.locator('input[name="continuation"]').first().getAttribute('value'))!;
        await page.getByRole('button', { name: m.receipt.detailsButton }).click();
        await page.getByRole('heading', { level: 1, name: m.details.title }).waitFor();
        await assertNoAxeViolations(page, `${lang} details form`);
        await field(page, m.report.reporter.emailLabel).fill('not-an-email');
        await page.getByRole('button', { name: m.details.submit }).click();
        await page.locator('.error-summary').waitFor();
        await assertNoAxeViolations(page, `${lang} details form with errors`);
        await field(page, m.report.reporter.emailLabel).fill('');
        await page.getByRole('button', { name: m.details.submit }).click();
        await page.getByRole('heading', { level: 1, name: m.details.addedTitle }).waitFor();
        await assertNoAxeViolations(page, `${lang} details added`);
        // The same details form sent again: the page that says it can no longer be used.
        await page.evaluate(
          ({ action, token }) => {
            const form = Object.assign(document.createElement('form'), { method: 'post', action });
            for (const [name, value] of [
              ['continuation', token],
              ['kind', 'abuse'],
              ['action', 'add'],
            ]) {
              form.append(Object.assign(document.createElement('input'), { type: 'hidden', name, value }));
            }
            document.body.append(form);
            form.submit();
          },
          { action: `/${lang}/report/details`, token: continuation },
        );
        await page.getByRole('heading', { level: 1, name: m.details.expiredTitle }).waitFor();
        await assertNoAxeViolations(page, `${lang} details form used up`);

        await t.services.followUp.addStaffMessage(await reportIdOf(receipt), 'A question from staff');
        await page.goto(`/${lang}/follow-up`);
        await field(page, m.followUp.receiptLabel).fill(receipt);
        await page.getByRole('button', { name: m.followUp.submit, exact: true }).click();
        await page.locator('ol.thread').waitFor();
        await assertNoAxeViolations(page, `${lang} follow-up thread`);

        const missing = await page.goto(`/${lang}/no-such-page`);
        assert.equal(missing?.status(), 404);
        await assertNoAxeViolations(page, `${lang} 404 page`);
      }
    } finally {
      await context.close();
    }
  });

  // Only the first steps differ without JavaScript (no widget); the other pages are the same.
  test('the first steps pass axe-core without JavaScript, with and without errors, in both languages', async () => {
    const context = await newScriptlessContext(browser, t);
    try {
      const page = await context.newPage();
      for (const [lang, m] of [
        ['en', en],
        ['ur', ur],
      ] as const) {
        for (const kind of ['online', 'abuse']) {
          await page.goto(`/${lang}/report/${kind}`);
          assert.equal(await page.locator('altcha-widget').count(), 0, 'no widget without scripts');
          await assertNoAxeViolations(page, `${lang}/report/${kind} without JavaScript`);
        }
        await submitWithErrors(page, lang, m, false);
        await assertNoAxeViolations(page, `${lang} first step with errors, without JavaScript`);
      }
    } finally {
      await context.close();
    }
  });
});
