/**
 * The supervisor's dashboard in a real browser: axe-core (WCAG 2.2 AA) finds nothing on it in
 * English and Urdu, with figures in every table and with a refused filter; the page does not
 * scroll sideways on a 1024×768 screen (wide tables scroll in their own regions).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { reports } from '../../src/store/schema.ts';
import { testClient } from '../helpers/app.ts';
import {
  assertNoAxeViolations,
  horizontalOverflow,
  launchBrowser,
  newScriptlessContext,
  serveTestApp,
  skipWithoutBrowser,
  type ServedApp,
} from '../helpers/browser.ts';
import { Browser as ConsoleBrowser, enrolStaff } from '../helpers/console.ts';
import { createStaff } from '../helpers/staff.ts';

describe('the supervisor’s dashboard in a browser', { skip: skipWithoutBrowser }, () => {
  let browser: Browser;
  let t: ServedApp;
  before(async () => {
    [browser, t] = await Promise.all([launchBrowser(), serveTestApp('pglite')]);
    // A few cases with a district, a classification, a referral with an FIR and a reply: every table has rows.
    const supervisor = await createStaff(t.database, 'supervisor');
    for (const [province, district, danger] of [
      ['punjab', 'lahore', true],
      ['sindh', 'hyderabad', false],
      ['kp', undefined, false],
    ] as const) {
      await t.services.reports.submit(
        reportInputSchema(pakistanToday()).parse({
          kind: 'abuse',
          language: 'en',
          description: 'A child is hurt.',
          province,
          district,
          inDangerNow: danger,
        }),
        { source: 'api', client: testClient },
      );
    }
    const [first, second] = await t.database.db
      .select({ reportId: reports.id, caseId: reports.caseId })
      .from(reports)
      .orderBy(reports.createdAt);
    await t.services.cases.classifyReport(supervisor, first!.reportId, { category: 'rape' });
    await t.services.cases.askReporter(supervisor, first!.reportId, 'We are looking into it.');
    await t.services.cases.addReferral(supervisor, first!.caseId, {
      agencyId: '00000000-0000-4000-8000-000000000015',
      referredAt: new Date(),
      method: 'phone',
      firStatus: 'registered',
    });
    await t.services.cases.addReferral(supervisor, second!.caseId, {
      agencyId: '00000000-0000-4000-8000-000000000015',
      referredAt: new Date(),
      method: 'phone',
      firStatus: 'refused',
    });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('axe-core finds nothing on the dashboard in Urdu and English, and it fits a 1024×768 screen', async () => {
    // Signed in through the app (the sign-in form has its own browser test); the session cookie goes to the browser.
    const staff = new ConsoleBrowser(t);
    assert.equal((await staff.signIn(await enrolStaff(t, 'supervisor'))).statusCode, 303);
    const context = await newScriptlessContext(browser, t, { viewport: { width: 1024, height: 768 } });
    await context.addCookies(Object.entries(staff.cookies).map(([name, value]) => ({ name, value, url: `${t.baseUrl}/console/` })));
    const page = await context.newPage();
    try {
      for (const [url, status] of [
        ['/console/ur/dashboard', 200],
        ['/console/en/dashboard', 200],
        ['/console/en/dashboard?province=punjab', 200],
        ['/console/ur/dashboard?from=2026-02-30&to=2025-01-01', 400],
        ['/console/en/dashboard?from=2026-02-30&to=2025-01-01', 400],
      ] as const) {
        const response = await page.goto(url);
        assert.equal(response!.status(), status, url);
        await assertNoAxeViolations(page, url);
        const { scrollWidth, clientWidth, widest } = await horizontalOverflow(page);
        assert.ok(scrollWidth <= clientWidth, `${url}: ${scrollWidth}px wide in ${clientWidth}px (${widest.join(', ')})`);
      }
      const tables = await page.goto('/console/en/dashboard');
      assert.equal(tables!.status(), 200);
      assert.equal(await page.locator('table caption').count(), 6, 'every table has its caption');
    } finally {
      await context.close();
    }
  });
});
