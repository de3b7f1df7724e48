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

describe('public portal in a browser', { skip: skipWithoutBrowser }, () => {
  let browser: Browser;
  let t: ServedApp;
  before(async () => {
    [browser, t] = await Promise.all([launchBrowser(), serveTestApp('pglite')]);
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

  /** The receipt code on a receipt page, digits only. */
  async function receiptOnPage(page: Page): Promise<string> {
    const shown = await page.locator('#receipt-code').innerText();
    const receipt = shown.replace(/\s/g, '');
    assert.match(receipt, /^\d{36}$/, `receipt code shown: ${shown}`);
    return receipt;
  }

  /** With JavaScript, the ALTCHA widget solves its (tiny, in tests) proof of work on load. */
  async function waitForProofOfWork(page: Page): Promise<void> {
    await page.locator('altcha-widget .altcha[data-state="verified"]').waitFor({ timeout: 10_000 });
    assert.ok(await page.locator('altcha-widget input[type="hidden"][name="altcha"]').inputValue(), 'solution in the form');
  }

  /** Files the smallest abuse report the Urdu form accepts and returns the receipt page's code. */
  async function fileShortUrduReport(page: Page, javaScript: boolean): Promise<string> {
    await page.goto('/ur/report');
    if (javaScript) await waitForProofOfWork(page);
    await page.getByRole('radio', { name: ur.report.kinds.abuse }).check();
    await page.getByRole('textbox', { name: ur.report.abuse.descriptionLabel }).fill('ایک مختصر رپورٹ');
    await submitButton(page, ur).click();
    return receiptOnPage(page);
  }

  for (const javaScript of [false, true]) {
    test(`Urdu report → receipt → follow-up → staff question → answer, JavaScript ${javaScript ? 'on' : 'off'}`, async () => {
      const context = await newContext(browser, t, { javaScript });
      try {
        const page = await context.newPage();
        const before = await admissions();
        await page.goto('/ur/report');
        assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
        assert.equal(await page.locator('html').getAttribute('lang'), 'ur');
        // The proof-of-work widget is added by a script: only with JavaScript.
        if (javaScript) await waitForProofOfWork(page);
        else assert.equal(await page.locator('altcha-widget').count(), 0);

        const a = ur.report.abuse;
        const c = ur.report.choices;
        await page.getByRole('radio', { name: ur.report.kinds.abuse }).check();
        await page.getByRole('textbox', { name: a.descriptionLabel }).fill('ہمسایہ بچی کو روز اسکول کے راستے میں تنگ کرتا ہے۔');
        await group(page, a.dangerLabel).getByRole('radio', { name: c.yes, exact: true }).check();
        // Said in danger: the call-15 prompt appears beside the question (CSS only, so also without JavaScript).
        const callout = page.locator('.danger-callout');
        assert.ok(await callout.isVisible(), 'call-15 prompt shown once "yes" is chosen');
        assert.equal(await callout.getByRole('link').getAttribute('href'), 'tel:15');
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
        await submitButton(page, ur).click();

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

        const stored = await t.database.db
          .select()
          .from(reports)
          .where(eq(reports.id, await reportIdOf(receipt)));
        assert.equal(stored[0]!.district, 'Multan', 'Urdu district name stored as the canonical one');
        assert.equal(stored[0]!.inDangerNow, true);
        assert.equal(stored[0]!.childAgeBand, '6-10');
        assert.equal(stored[0]!.province, 'punjab');

        const after = await admissions();
        assert.deepEqual(
          after,
          javaScript
            ? { proofOfWork: before.proofOfWork + 1, budget: before.budget }
            : { proofOfWork: before.proofOfWork, budget: before.budget + 1 },
          javaScript ? 'admitted by its proof of work' : 'admitted from the budget for reports without proof of work',
        );

        // Follow-up, typing the code in groups as it is written down.
        await page.getByRole('link', { name: ur.receipt.followUpLink }).click();
        await page.waitForURL('**/ur/follow-up');
        const spaced = receipt.replace(/(\d{4})(?=\d)/g, '$1 ');
        const lookUp = async () => {
          await field(page, ur.followUp.receiptLabel).fill(spaced);
          await page.getByRole('button', { name: ur.followUp.submit, exact: true }).click();
          await page.locator('#status-heading').waitFor();
        };
        await lookUp();
        assert.equal(await page.locator('.status').innerText(), ur.followUp.statuses.received);
        assert.ok(await page.getByText(ur.followUp.noMessages).isVisible());

        const question = 'کیا بچی اب محفوظ ہے؟ کیا آپ اسکول کا نام بتا سکتے ہیں؟';
        await t.services.followUp.addStaffMessage(await reportIdOf(receipt), question);
        await page.goto('/ur/follow-up');
        await lookUp();
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
      } finally {
        await context.close();
      }
    });
  }

  test('a rejected report (JavaScript off) keeps every typed value, with each error beside its field and in the summary', async () => {
    const context = await newContext(browser, t, { javaScript: false });
    try {
      const page = await context.newPage();
      const a = ur.report.abuse;
      const m = ur.report.material;
      const r = ur.report.reporter;
      const c = ur.report.choices;
      await page.goto('/ur/report');
      const idempotencyKey = await page.locator('input[name="idempotencyKey"]').inputValue();

      await page.getByRole('radio', { name: ur.report.kinds.abuse }).check();
      await field(page, m.urlLabel(1)).fill('https://example.org/ok');
      // Without JavaScript "add another link" asks the server for the form with one more field.
      await page.getByRole('button', { name: m.addUrl }).click();
      await field(page, m.urlLabel(2)).fill('not a link');
      await field(page, m.siteLabel).fill('ٹک ٹاک');
      await page.getByRole('textbox', { name: a.descriptionLabel }).fill('یہ لنک ایک گروپ میں تھا\nدوسری سطر');
      await group(page, a.dangerLabel).getByRole('radio', { name: c.unknown }).check();
      await field(page, a.occurredOnLabel).fill('2025-11-20');
      await field(page, a.precisionLabel).selectOption({ label: a.precisions.year });
      await field(page, a.provinceLabel).selectOption({ label: c.provinces.sindh });
      await field(page, a.districtLabel).fill('Karachi East');
      await group(page, a.areaLabel).getByRole('radio', { name: c.areas.rural }).check();
      await field(page, a.placeLabel).selectOption({ label: c.places.online });
      await field(page, a.abuserLabel).selectOption({ label: c.abuserRelationships.online_contact });
      await field(page, a.policeLabel).selectOption({ label: c.policeStatuses.refused });
      await field(page, a.ageLabel).selectOption({ label: c.ageBands['11-15'] });
      await group(page, a.sexLabel).getByRole('radio', { name: c.childSexes.boy }).check();
      await field(page, r.relationshipLabel).selectOption({ label: c.reporterRelationships.relative });
      await field(page, r.nameLabel).fill('عائشہ');
      await field(page, r.phoneLabel).fill('0300 1234567');
      await field(page, r.emailLabel).fill('not-an-email');
      await page.getByRole('checkbox', { name: r.consentLabel }).check();

      const [response] = await Promise.all([
        page.waitForResponse((res) => res.request().method() === 'POST' && res.url().endsWith('/ur/report')),
        submitButton(page, ur).click(),
      ]);
      assert.equal(response.status(), 400);
      await page.locator('.error-summary').waitFor();

      const selected = (label: string) => field(page, label).locator('option:checked').innerText();
      const checked = (legend: string, name: string) => group(page, legend).getByRole('radio', { name }).isChecked();
      assert.deepEqual(
        {
          kind: await page.getByRole('radio', { name: ur.report.kinds.abuse }).isChecked(),
          url1: await field(page, m.urlLabel(1)).inputValue(),
          url2: await field(page, m.urlLabel(2)).inputValue(),
          site: await field(page, m.siteLabel).inputValue(),
          description: await page.getByRole('textbox', { name: a.descriptionLabel }).inputValue(),
          danger: await checked(a.dangerLabel, c.unknown),
          occurredOn: await field(page, a.occurredOnLabel).inputValue(),
          precision: await selected(a.precisionLabel),
          province: await selected(a.provinceLabel),
          district: await field(page, a.districtLabel).inputValue(),
          area: await checked(a.areaLabel, c.areas.rural),
          place: await selected(a.placeLabel),
          abuser: await selected(a.abuserLabel),
          police: await selected(a.policeLabel),
          age: await selected(a.ageLabel),
          sex: await checked(a.sexLabel, c.childSexes.boy),
          reporter: await selected(r.relationshipLabel),
          name: await field(page, r.nameLabel).inputValue(),
          phone: await field(page, r.phoneLabel).inputValue(),
          email: await field(page, r.emailLabel).inputValue(),
          consent: await page.getByRole('checkbox', { name: r.consentLabel }).isChecked(),
          idempotencyKey: await page.locator('input[name="idempotencyKey"]').inputValue(),
        },
        {
          kind: true,
          url1: 'https://example.org/ok',
          url2: 'not a link',
          site: 'ٹک ٹاک',
          description: 'یہ لنک ایک گروپ میں تھا\nدوسری سطر',
          danger: true,
          occurredOn: '2025-11-20',
          precision: a.precisions.year,
          province: c.provinces.sindh,
          district: 'Karachi East',
          area: true,
          place: c.places.online,
          abuser: c.abuserRelationships.online_contact,
          police: c.policeStatuses.refused,
          age: c.ageBands['11-15'],
          sex: true,
          reporter: c.reporterRelationships.relative,
          name: 'عائشہ',
          phone: '0300 1234567',
          email: 'not-an-email',
          consent: true,
          idempotencyKey,
        },
      );

      const summary = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: ur.report.errorSummary }) });
      assert.equal(await summary.getByRole('listitem').count(), 2, 'two problems listed');
      for (const [label, problem] of [
        [m.urlLabel(2), ur.problems.invalid_url],
        [r.emailLabel, ur.problems.invalid_email],
      ] as const) {
        const input = field(page, label);
        const id = await input.getAttribute('id');
        assert.equal(await input.getAttribute('aria-invalid'), 'true', `${label} marked invalid`);
        // Announced with the field: its description includes the message...
        const described = (await input.getAttribute('aria-describedby'))?.split(' ') ?? [];
        const descriptions = await Promise.all(described.map((ref) => page.locator(`[id="${ref}"]`).innerText()));
        assert.ok(descriptions.includes(problem), `${label} is described by "${problem}" (has: ${descriptions.join(' | ')})`);
        // ...shown beside it, in the same field block...
        const block = page.locator('.field.has-error').filter({ has: page.locator(`[id="${id}"]`) });
        assert.equal(await block.locator('.error').innerText(), problem);
        assert.ok(await block.locator('.error').isVisible());
        // ...and listed in the summary, linking to the field.
        const link = summary.getByRole('link', { name: problem });
        assert.equal(await link.getAttribute('href'), `#${id}`);
      }
      // Nothing else is marked wrong.
      assert.equal(await page.locator('[aria-invalid="true"]').count(), 2);
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
      await waitForProofOfWork(page);
      await assertFits('report form');
      // Each radio button and checkbox stays on the line of its label (a long label wraps beside it).
      const apart = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLInputElement>('input[type="radio"], input[type="checkbox"]'))
          .filter((input) => input.labels?.length && input.offsetParent !== null)
          .filter((input) => {
            const box = input.getBoundingClientRect();
            const label = input.labels![0]!.getBoundingClientRect();
            return label.top > box.bottom || label.bottom < box.top;
          })
          .map((input) => input.id),
      );
      assert.deepEqual(apart, [], 'controls separated from their labels');
      await page.getByRole('radio', { name: ur.report.kinds.online_material }).check();
      // A long link that is not one: the error and the typed value are shown again.
      await field(page, ur.report.material.urlLabel(1)).fill('example com/' + 'a-very-long-path-segment/'.repeat(8));
      await submitButton(page, ur).click();
      await page.locator('.error-summary').waitFor();
      await assertFits('report form after submitting');
      const receipt = await fileShortUrduReport(page, true);
      await assertFits('receipt page');
      await page.goto('/ur/follow-up');
      await assertFits('follow-up page');
      await t.services.followUp.addStaffMessage(await reportIdOf(receipt), 'براہ کرم یہ لنک دیکھیں: https://example.com/' + 'x'.repeat(120));
      await field(page, ur.followUp.receiptLabel).fill(receipt);
      await page.getByRole('button', { name: ur.followUp.submit, exact: true }).click();
      await page.locator('ol.thread').waitFor();
      await assertFits('follow-up thread');
    } finally {
      await context.close();
    }
  });

  /** Submits the report form with errors: an abuse report without a description and with a bad link. */
  async function submitWithErrors(page: Page, lang: 'en' | 'ur', m: Messages, javaScript: boolean): Promise<void> {
    await page.goto(`/${lang}/report`);
    if (javaScript) await waitForProofOfWork(page);
    await page.getByRole('radio', { name: m.report.kinds.abuse }).check();
    await field(page, m.report.material.urlLabel(1)).fill('not a link');
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
        for (const path of ['/', '/report', '/follow-up']) {
          await page.goto(`/${lang}${path}`);
          // The report form is checked with the proof-of-work widget in it, solved.
          if (path === '/report') await waitForProofOfWork(page);
          await assertNoAxeViolations(page, `${lang}${path}`);
        }

        await submitWithErrors(page, lang, m, true);
        await assertNoAxeViolations(page, `${lang} report form with errors`);

        // A receipt page (with the danger reminder and the print button), then the thread for it.
        await page.getByRole('textbox', { name: m.report.abuse.descriptionLabel }).fill('Test report');
        await field(page, m.report.material.urlLabel(1)).fill('');
        await group(page, m.report.abuse.dangerLabel).getByRole('radio', { name: m.report.choices.yes, exact: true }).check();
        await waitForProofOfWork(page);
        await submitButton(page, m).click();
        await page.locator('#receipt-code').waitFor();
        await assertNoAxeViolations(page, `${lang} receipt page`);
        const receipt = await receiptOnPage(page);
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

  // Only the report form differs without JavaScript (no widget); the other pages are the same.
  test('the report form passes axe-core without JavaScript, with and without errors, in both languages', async () => {
    const context = await newScriptlessContext(browser, t);
    try {
      const page = await context.newPage();
      for (const [lang, m] of [
        ['en', en],
        ['ur', ur],
      ] as const) {
        await page.goto(`/${lang}/report`);
        assert.equal(await page.locator('altcha-widget').count(), 0, 'no widget without scripts');
        await assertNoAxeViolations(page, `${lang}/report without JavaScript`);
        await submitWithErrors(page, lang, m, false);
        await assertNoAxeViolations(page, `${lang} report form with errors, without JavaScript`);
      }
    } finally {
      await context.close();
    }
  });
});
