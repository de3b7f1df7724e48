/**
 * The public statistics dashboard in a real browser: in Urdu, with JavaScript disabled, on a
 * small phone, the charts and tables render from the server alone; axe-core finds nothing on the
 * dashboard and the annual report (run where scripts are blocked, see newScriptlessContext).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ur } from '../../src/http/i18n/ur.ts';
import { Browser as ConsoleBrowser, enrolStaff } from '../helpers/console.ts';
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
import { publishSampleRelease } from '../helpers/sample-release.ts';

describe('statistics dashboard in a browser', { skip: skipWithoutBrowser }, () => {
  let browser: Browser;
  let t: ServedApp;
  before(async () => {
    [browser, t] = await Promise.all([launchBrowser(), serveTestApp('pglite')]);
    await publishSampleRelease(t);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('Urdu dashboard without JavaScript: charts with the tables beside them, withheld cells marked, no sideways scrolling', async () => {
    const context = await newContext(browser, t, { javaScript: false });
    const page = await context.newPage();
    await page.goto('/ur/statistics?digits=urdu');
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    const s = ur.statistics;
    await page.getByRole('heading', { level: 1, name: s.title }).waitFor();
    // Every shown table has its chart: an image named by its title, with one bar per published non-zero count.
    const sex = page.locator('section[aria-labelledby="table-sex"]');
    const chart = sex.getByRole('img', { name: s.chartLabel(s.tables.sex) });
    assert.equal(await chart.count(), 1);
    // Not known (0) is below k, so boys (14, the smallest other count) is withheld with it: one bar.
    assert.equal(await chart.locator('rect.bar').count(), 1, 'only girls have a bar');
    assert.ok((await chart.boundingBox())!.height > 50, 'the chart is drawn');
    const table = sex.getByRole('table', { name: s.tables.sex });
    assert.deepEqual(
      await table
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => Array.from(r.children, (c) => (c as HTMLElement).innerText.trim()))),
      [
        ['لڑکیاں', '۳۰', '۶۸٫۲٪'],
        ['لڑکے', '–', ''],
        ['معلوم نہیں', '–', ''],
      ],
    );
    // Incest (2) is withheld, with its complement; no bar is drawn for either.
    const category = page.locator('section[aria-labelledby="table-category"]');
    const incest = category.locator('tbody tr', { hasText: s.values.category.incest });
    assert.equal(await incest.locator('td').first().innerText(), '–');
    assert.equal(await page.locator('section[aria-labelledby="table-month"] svg rect.bar').count(), 6, 'six months');
    const overflow = await horizontalOverflow(page);
    assert.ok(overflow.scrollWidth <= overflow.clientWidth, `no sideways scrolling: ${JSON.stringify(overflow)}`);
    await context.close();
  });

  test('dashboard and annual report pass axe-core in Urdu and English', async () => {
    const context = await newScriptlessContext(browser, t);
    const page = await context.newPage();
    for (const url of ['/ur/statistics', '/en/statistics', '/ur/statistics/report', '/en/statistics/report']) {
      await page.goto(url);
      await assertNoAxeViolations(page, url);
    }
    await context.close();
  });

  test('the console statistics and newspaper pages pass axe-core in Urdu and English', async () => {
    // Signed in through the app (the sign-in form has its own browser test); the session cookie goes to the browser.
    const staff = new ConsoleBrowser(t);
    assert.equal((await staff.signIn(await enrolStaff(t, 'supervisor'))).statusCode, 303);
    const context = await newScriptlessContext(browser, t, { viewport: { width: 1024, height: 768 } });
    await context.addCookies(Object.entries(staff.cookies).map(([name, value]) => ({ name, value, url: `${t.baseUrl}/console/` })));
    const page = await context.newPage();
    for (const url of [
      '/console/ur/statistics?from=2018-01-01&to=2018-06-30',
      '/console/en/statistics?from=2018-01-01&to=2018-06-30',
      '/console/ur/statistics/media',
      '/console/en/statistics/media',
    ]) {
      const response = await page.goto(url);
      assert.equal(response!.status(), 200, url);
      await assertNoAxeViolations(page, url);
    }
    await context.close();
  });
});
