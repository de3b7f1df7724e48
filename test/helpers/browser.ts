import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { testApp, type TestApp } from './app.ts';
import { freePort } from './server-process.ts';
import type { Engine } from './database.ts';

/**
 * Debian's chromium: browser downloads do not work where the suite runs, and CI installs this
 * one. HIFAZAT_TEST_CHROMIUM points elsewhere (another distribution, or a missing path to see
 * the skip).
 */
export const chromiumPath = process.env.HIFAZAT_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * For node:test's `skip` option: a reason when there is no browser (the file's tests are then
 * reported as skipped, not failed), else false.
 */
export const skipWithoutBrowser: string | false = existsSync(chromiumPath)
  ? false
  : `${chromiumPath} is missing: install it with "apt-get install -y chromium fonts-noto-core" to run browser tests`;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface ServedApp extends TestApp {
  /** http://127.0.0.1:<port>, without a trailing slash. */
  baseUrl: string;
}

/**
 * A test app on its own fresh database, listening on a random loopback port. The port is chosen
 * first, so that the app's public URL (which the console's Origin check compares with) is the
 * address the browser uses.
 */
export async function serveTestApp(engine: Engine, overrides: Parameters<typeof testApp>[1] = {}): Promise<ServedApp> {
  const baseUrl = `http://127.0.0.1:${await freePort()}`;
  const t = await testApp(engine, { ...overrides, http: { publicUrl: baseUrl, ...overrides.http } });
  await t.app.listen({ port: Number(new URL(baseUrl).port), host: '127.0.0.1' });
  return { ...t, baseUrl };
}

type ContextOptions = Omit<BrowserContextOptions, 'javaScriptEnabled' | 'baseURL'>;

/** Contexts made with JavaScript disabled, where axe-core cannot run (see newScriptlessContext). */
const withoutJavaScript = new WeakSet<BrowserContext>();

/**
 * A fresh context (own cookies and storage) on the app, with or without JavaScript, on a
 * small phone's screen unless told otherwise.
 */
export async function newContext(
  browser: Browser,
  app: ServedApp,
  options: { javaScript: boolean } & ContextOptions,
): Promise<BrowserContext> {
  const { javaScript, ...rest } = options;
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 },
    ...rest,
    baseURL: app.baseUrl,
    javaScriptEnabled: javaScript,
  });
  // Pages come from loopback: a missing element should fail a test in seconds, not half a minute.
  context.setDefaultTimeout(5_000);
  if (!javaScript) withoutJavaScript.add(context);
  return context;
}

/**
 * The page a browser without JavaScript gets (every script request is refused, and the pages
 * have no inline scripts), in a context where JavaScript still runs. For axe-core: it needs
 * timers, which a context with JavaScript disabled never fires (Chromium even crashes when
 * axe runs there).
 */
export async function newScriptlessContext(browser: Browser, app: ServedApp, options: ContextOptions = {}): Promise<BrowserContext> {
  const context = await newContext(browser, app, { ...options, javaScript: true });
  await context.route('**/*', (route) => (route.request().resourceType() === 'script' ? route.abort('blockedbyclient') : route.continue()));
  return context;
}

export const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Runs axe-core on the page as it is now and throws with a readable list of violations.
 * `configure` may narrow the check (e.g. exclude a third-party widget's internals) — say why
 * where it is used.
 */
export async function assertNoAxeViolations(
  page: Page,
  what: string,
  configure: (builder: AxeBuilder) => AxeBuilder = (b) => b,
): Promise<void> {
  if (withoutJavaScript.has(page.context())) {
    throw new Error('axe-core cannot run with JavaScript disabled: check the page in newScriptlessContext instead');
  }
  // Legacy mode runs axe in the page itself instead of finishing in a new blank page: two to
  // three times faster, and the same results for pages without cross-origin frames (ours have none).
  const results = await configure(new AxeBuilder({ page }).withTags(wcagTags).setLegacyMode(true)).analyze();
  if (results.violations.length === 0) return;
  const lines = results.violations.flatMap((v) => [
    `- ${v.id} (${v.impact ?? 'no impact'}): ${v.help}`,
    ...v.nodes.map(
      (n) =>
        `    at ${n.target.map(String).join(' > ')}${n.failureSummary ? `\n      ${n.failureSummary.replace(/\n/g, '\n      ')}` : ''}`,
    ),
    `    ${v.helpUrl}`,
  ]);
  throw new Error(`${results.violations.length} accessibility violation(s) on ${what} (${page.url()}):\n${lines.join('\n')}`);
}

/**
 * How wide the page is against the viewport (scrollWidth > clientWidth means sideways scrolling),
 * and the first elements sticking out. Synchronous, so it also works with JavaScript disabled.
 */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; widest: string[] }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    // Name the elements sticking out across an edge (not those moved wholly off-screen on
    // purpose, like the skip link), so that a failure says what to fix.
    const widest = Array.from(document.querySelectorAll('body *'))
      .filter((el) => {
        const box = el.getBoundingClientRect();
        const edge = root.clientWidth;
        return box.width > 0 && ((box.left < edge && box.right > edge + 0.5) || (box.left < -0.5 && box.right > 0));
      })
      .slice(0, 5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''}`,
      );
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, widest };
  });
}

/** Records the layout shifts of every document the page loads from its start (not those just after input). */
export async function recordLayoutShifts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const shifts: number[] = [];
    (window as unknown as { layoutShifts: number[] }).layoutShifts = shifts;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
        if (!entry.hadRecentInput) shifts.push(entry.value);
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
}

/**
 * Once the page's fonts are in use and laid out: the cumulative layout shift recorded since the
 * document started (recordLayoutShifts), how many shifts, and the font families loaded.
 */
export async function settledLayoutShift(page: Page): Promise<{ cls: number; shifts: number; fontsLoaded: string[] }> {
  return page.evaluate(async () => {
    await document.fonts.ready;
    // Two frames: the layout with the font that has just arrived is done and its shifts reported.
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fontsLoaded: string[] = [];
    document.fonts.forEach((f) => {
      if (f.status === 'loaded') fontsLoaded.push(f.family.replace(/"/g, ''));
    });
    const shifts = (window as unknown as { layoutShifts: number[] }).layoutShifts;
    return { cls: shifts.reduce((sum, value) => sum + value, 0), shifts: shifts.length, fontsLoaded };
  });
}
