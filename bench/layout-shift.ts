/**
 * How far the public pages jump while they load on a slow phone: cumulative layout shift (CLS)
 * of every public page in English and Urdu, in Chromium, on a cold cache.
 *
 *   npx tsx bench/layout-shift.ts [--lang en|ur]
 *
 * Starts the app on a fresh PGlite database (serveTestApp, with a published statistics release
 * so that the statistics pages have charts and tables), then loads each page in Debian's chromium
 * (playwright-core) as a cheap phone on a slow network would: 360×740, touch, CPU slowed 4×
 * (Emulation.setCPUThrottlingRate) and DevTools' "Slow 3G" (2 s latency, 50,000 bytes/s each way,
 * Network.emulateNetworkConditions). Each page gets a fresh context, so nothing is cached: the
 * stylesheet and the Urdu font arrive over the slow network, as on a first visit.
 *
 * CLS here is the sum of every `layout-shift` entry without recent input (PerformanceObserver,
 * buffered), read once the load event has fired, document.fonts.ready has resolved and the page
 * has painted twice more: at least Chromium's CLS, which takes only the worst window of shifts.
 * Budget: 0.1 per page (web.dev's "good"). Exits 1 when a page is over it or does not load.
 */
import os from 'node:os';
import type { Browser } from 'playwright-core';
import { formEncode, formHeaders, receiptFromPage } from '../test/helpers/forms.ts';
import { launchBrowser, recordLayoutShifts, serveTestApp, settledLayoutShift, type ServedApp } from '../test/helpers/browser.ts';
import { publishSampleRelease } from '../test/helpers/sample-release.ts';

const clsBudget = 0.1;
const languages = ['en', 'ur'] as const;
type Language = (typeof languages)[number];
/** `--lang ur` measures one language only. */
const onlyLanguage = process.argv.includes('--lang') ? process.argv[process.argv.indexOf('--lang') + 1] : undefined;
const measuredLanguages = languages.filter((lang) => onlyLanguage === undefined || lang === onlyLanguage);

/** DevTools' "Slow 3G" preset: 500 kbit/s × 0.8 each way, 400 ms × 5 round trip. */
const slow3g = { offline: false, latency: 2_000, downloadThroughput: 50_000, uploadThroughput: 50_000 };
const cpuSlowdown = 4;

/** A public page: a GET of `path`, or a form posted to it (as the browser does when a form is sent). */
interface PublicPage {
  name: string;
  path: (lang: Language) => string;
  form?: (lang: Language) => Promise<Record<string, string>>;
}

interface Measured {
  cls: number;
  shifts: number;
  /** The font families loaded when CLS was read: the Urdu pages should have the Nastaliq font. */
  fonts: string[];
  /** First contentful paint, ms from the start of the navigation: what a preloaded font may delay. */
  firstPaintMs: number;
  /** When the Urdu font had arrived, ms from the start of the navigation (NaN when the page did not ask for it: English). */
  fontMs: number;
}

/** Sends a report form as a browser does and returns the page that answers. */
async function postForm(t: ServedApp, path: string, fields: Record<string, string>): Promise<string> {
  const response = await fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: formHeaders, body: formEncode(fields) });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status}`);
  return response.text();
}

const description = { en: 'A neighbour follows a girl on her way to school.', ur: 'ہمسایہ بچی کو روز اسکول کے راستے میں تنگ کرتا ہے۔' };
const reportForm = (lang: Language) => ({ language: lang, kind: 'abuse', description: description[lang] });

/** The public pages, in the order a parent meets them; a form's fields may need a request first (a receipt, a continuation). */
function publicPages(t: ServedApp, releaseId: number): PublicPage[] {
  return [
    { name: 'landing', path: (lang) => `/${lang}/` },
    { name: 'report: choice', path: (lang) => `/${lang}/report` },
    { name: 'report: online', path: (lang) => `/${lang}/report/online` },
    { name: 'report: abuse', path: (lang) => `/${lang}/report/abuse` },
    { name: 'receipt', path: (lang) => `/${lang}/report`, form: async (lang) => reportForm(lang) },
    {
      name: 'details',
      path: (lang) => `/${lang}/report/details`,
      form: async (lang) => {
        const receiptPage = await postForm(t, `/${lang}/report`, reportForm(lang));
        const continuation = /name="continuation" value="([^"]+)"/.exec(receiptPage)?.[1];
        if (!continuation) throw new Error('no continuation on the receipt page');
        return { continuation, kind: 'abuse', action: 'open' };
      },
    },
    { name: 'follow-up form', path: (lang) => `/${lang}/follow-up` },
    {
      name: 'follow-up status',
      path: (lang) => `/${lang}/follow-up`,
      form: async () => ({ receipt: receiptFromPage(await postForm(t, '/en/report', reportForm('en'))) }),
    },
    { name: 'statistics', path: (lang) => `/${lang}/statistics` },
    { name: 'annual report', path: (lang) => `/${lang}/statistics/report?release=${releaseId}` },
  ];
}

async function measure(browser: Browser, baseUrl: string, page: PublicPage, lang: Language): Promise<Measured> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, baseURL: baseUrl });
  try {
    const tab = await context.newPage();
    const cdp = await context.newCDPSession(tab);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', slow3g);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpuSlowdown });
    // Observed from the start of the document, so that every shift is seen as it is reported.
    await recordLayoutShifts(tab);
    const url = `${baseUrl}${page.path(lang)}`;
    const form = await page.form?.(lang);
    if (form) {
      // The navigation itself becomes the POST a sent form makes, so that the answer loads cold like any other page.
      await tab.route(url, (route) =>
        route.continue({ method: 'POST', postData: formEncode(form), headers: { ...route.request().headers(), ...formHeaders } }),
      );
    }
    const response = await tab.goto(url, { waitUntil: 'load', timeout: 120_000 });
    if (!response || response.status() >= 400) throw new Error(`${form ? 'POST' : 'GET'} ${url}: ${response?.status()}`);
    const { cls, shifts, fontsLoaded } = await settledLayoutShift(tab);
    const timings = await tab.evaluate(() => {
      const font = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.woff2')) as PerformanceResourceTiming | undefined;
      return {
        firstPaintMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
        fontMs: font?.responseEnd ?? NaN,
      };
    });
    return { cls, shifts, fonts: fontsLoaded, ...timings };
  } finally {
    await context.close();
  }
}

async function main(): Promise<number> {
  const [browser, t] = await Promise.all([launchBrowser(), serveTestApp('pglite')]);
  let failed = false;
  try {
    const pages = publicPages(t, await publishSampleRelease(t));
    process.stdout.write(
      `Hifazat layout shift, ${new Date().toISOString()}: ${os.cpus().length} CPUs, ${os.cpus()[0]?.model.trim()}, Node ${process.version}, ` +
        `Chromium ${browser.version()}\n` +
        `360×740 mobile, CPU ${cpuSlowdown}× slower, Slow 3G (${slow3g.latency} ms, ${slow3g.downloadThroughput} B/s), cold cache; ` +
        `CLS = sum of layout shifts, budget ${clsBudget}\n\n`,
    );
    process.stdout.write(
      `${'page'.padEnd(24)} ${'lang'.padEnd(4)} ${'CLS'.padStart(6)} ${'shifts'.padStart(6)} ${'paint s'.padStart(7)} ${'font s'.padStart(6)}  fonts loaded\n`,
    );
    for (const page of pages) {
      for (const lang of measuredLanguages) {
        const m = await measure(browser, t.baseUrl, page, lang).catch((error: Error) => error);
        if (m instanceof Error) {
          failed = true;
          process.stdout.write(`${page.name.padEnd(24)} ${lang.padEnd(4)} FAILED: ${m.message}\n`);
          continue;
        }
        const over = m.cls > clsBudget;
        failed ||= over;
        process.stdout.write(
          `${page.name.padEnd(24)} ${lang.padEnd(4)} ${m.cls.toFixed(3).padStart(6)} ${String(m.shifts).padStart(6)} ` +
            `${(m.firstPaintMs / 1000).toFixed(1).padStart(7)} ${(Number.isNaN(m.fontMs) ? '–' : (m.fontMs / 1000).toFixed(1)).padStart(6)}  ${m.fonts.join(', ') || '(none)'}${over ? '  OVER BUDGET' : ''}\n`,
        );
      }
    }
  } finally {
    await browser.close();
    await t.close();
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
