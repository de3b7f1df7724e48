/**
 * The public pages do not jump when the Urdu font arrives late: with the Nastaliq font held back
 * 1.5 s, every public page in Urdu and English has a cumulative layout shift of at most 0.1 at a
 * 360×740 phone's size. The shifts are read once the font has arrived and been laid out
 * (document.fonts.ready), so the result does not depend on the machine's speed; the timing under
 * a slow network and CPU is bench/layout-shift.ts's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import {
  launchBrowser,
  recordLayoutShifts,
  serveTestApp,
  settledLayoutShift,
  skipWithoutBrowser,
  type ServedApp,
} from '../helpers/browser.ts';
import { publishSampleRelease } from '../helpers/sample-release.ts';

const fontDelayMs = 1_500;
const clsBudget = 0.1;

describe('public pages without layout shift while the Urdu font loads', { skip: skipWithoutBrowser }, () => {
  let browser: Browser;
  let t: ServedApp;
  let releaseId: number;
  before(async () => {
    [browser, t] = await Promise.all([launchBrowser(), serveTestApp('pglite')]);
    // A published release, so that the statistics pages have their charts and tables.
    releaseId = await publishSampleRelease(t);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  /** The public pages a GET reaches (the receipt, the details and a status need a form: bench/layout-shift.ts loads those too). */
  const paths = () => [
    '/',
    '/report',
    '/report/online',
    '/report/abuse',
    '/follow-up',
    '/statistics',
    `/statistics/report?release=${releaseId}`,
  ];

  /** The page loaded on a cold cache with the font held back; its shifts summed once the font is in use. */
  async function layoutShiftOf(path: string): Promise<{ cls: number; fontsLoaded: string[]; fontRequests: number }> {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, baseURL: t.baseUrl });
    try {
      let fontRequests = 0;
      await context.route('**/*.woff2', async (route) => {
        fontRequests += 1;
        await sleep(fontDelayMs);
        await route.continue();
      });
      const page = await context.newPage();
      await recordLayoutShifts(page);
      await page.goto(path);
      const result = await settledLayoutShift(page);
      return { ...result, fontRequests };
    } finally {
      await context.close();
    }
  }

  for (const lang of ['ur', 'en'] as const) {
    test(`${lang === 'ur' ? 'Urdu' : 'English'} pages: CLS at most ${clsBudget} with the font ${fontDelayMs} ms late`, async (ctx) => {
      const measured: string[] = [];
      const over: string[] = [];
      for (const path of paths()) {
        const { cls, fontsLoaded, fontRequests } = await layoutShiftOf(`/${lang}${path}`);
        measured.push(`/${lang}${path}: ${cls.toFixed(3)}`);
        if (cls > clsBudget) over.push(`/${lang}${path}: ${cls.toFixed(3)}`);
        if (lang === 'ur') {
          // Otherwise the test would measure a page that never swapped fonts.
          assert.ok(fontRequests > 0, `/${lang}${path} asks for the Urdu font`);
          assert.ok(fontsLoaded.includes('Noto Nastaliq Urdu'), `/${lang}${path} ends in Nastaliq (loaded: ${fontsLoaded.join(', ')})`);
        }
      }
      ctx.diagnostic(`CLS with the font held ${fontDelayMs} ms: ${measured.join('; ')}`);
      assert.deepEqual(over, [], `pages that jump by more than ${clsBudget} when the font arrives`);
    });
  }
});
