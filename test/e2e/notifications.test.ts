/**
 * Notifications in a real browser against `hifazat start` in a process of its own (Debian's
 * chromium): a supervisor sets the on-duty rota in the console, a report that a child is in danger
 * now arrives through the public form, and within a minute the email reaches the SMTP server this
 * test runs, saying nothing of the report. axe-core on the rota and notification pages in both
 * languages, with and without problems in their forms.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.ts';
import { languages, type Language } from '../../src/domain/report.ts';
import { consoleMessages } from '../../src/http/i18n/console.ts';
import { messages } from '../../src/http/i18n/index.ts';
import { openStorage } from '../../src/main.ts';
import { createServices } from '../../src/services/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { assertNoAxeViolations, launchBrowser, skipWithoutBrowser } from '../helpers/browser.ts';
import { enrolStaff, totp, type EnrolledStaff } from '../helpers/console.ts';
import { startMailReceiver, type MailReceiver } from '../helpers/notification-receivers.ts';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const narrative = 'NARRATIVE-E2E: the neighbour takes her to his shop';

describe('notifications in a browser', { skip: skipWithoutBrowser }, () => {
  let dataDir: string;
  let mail: MailReceiver;
  let server: ServerProcess;
  let baseUrl: string;
  let browser: Browser;
  let supervisor: EnrolledStaff;
  let analyst: EnrolledStaff;
  const contexts: BrowserContext[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hifazat-notify-'));
    mail = await startMailReceiver();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SMTP_URL: mail.url,
      NOTIFY_FROM: 'hifazat@hotline.example.org',
    };
    // The staff first, in the data directory the server will open (the embedded database has one process at a time).
    const storage = await openStorage(loadConfig(env));
    try {
      const services = createServices(storage.database, storage.keyring);
      const staffOnly = { services } as TestApp;
      supervisor = await enrolStaff(staffOnly, 'supervisor');
      analyst = await enrolStaff(staffOnly, 'analyst');
    } finally {
      await storage.close();
    }
    server = startServerProcess(env);
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${baseUrl}/readyz`)).ok) break;
      } catch {
        // not listening yet
      }
      if (server.hasExited() || i > 600) throw new Error(`the server did not start:\n${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    browser = await launchBrowser();
  });

  after(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser?.close();
    if (server && !server.hasExited()) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await mail?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const open = async (javaScript = true) => {
    const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 }, javaScriptEnabled: javaScript });
    context.setDefaultTimeout(5_000);
    contexts.push(context);
    return context.newPage();
  };
  const signIn = async (page: Page, staff: EnrolledStaff) => {
    const s = consoleMessages.en.signIn;
    await page.goto('/console/en/sign-in');
    await page.getByLabel(s.email, { exact: true }).fill(staff.email);
    await page.getByLabel(s.password, { exact: true }).fill(staff.password);
    await page.getByLabel(s.code, { exact: true }).fill(await totp(staff.secret));
    await Promise.all([
      page.waitForURL((url) => !url.pathname.endsWith('/sign-in')),
      page.getByRole('button', { name: s.submit, exact: true }).click(),
    ]);
  };
  const go = async (page: Page, lang: Language, path: string) => {
    const response = await page.goto(`/console/${lang}${path}`);
    assert.equal(response?.status(), 200, `${lang}${path}`);
  };

  test('a supervisor sets the rota, an urgent report arrives, the person on duty gets an email that says nothing of it', async () => {
    const page = await open();
    await signIn(page, supervisor);
    const n = consoleMessages.en.notifications;

    // The rota in both languages, empty (nobody on duty: every supervisor would be told) and with problems.
    for (const lang of languages) {
      const r = consoleMessages[lang].notifications.rota;
      await go(page, lang, '/rota');
      assert.ok(await page.getByText(r.nobodyOnDuty).isVisible());
      await assertNoAxeViolations(page, `${lang} rota page`);
      const response = page.waitForResponse((res) => res.url().endsWith(`/console/${lang}/rota`) && res.request().method() === 'POST');
      await page.getByRole('button', { name: r.submit, exact: true }).click();
      assert.equal((await response).status(), 400);
      await page.locator('.error-summary').waitFor();
      await assertNoAxeViolations(page, `${lang} rota page with problems`);
    }

    // The analyst is on duty every day, all day.
    await go(page, 'en', '/rota');
    await page.getByLabel(n.rota.person, { exact: true }).selectOption({ label: `Test analyst (${consoleMessages.en.roles.analyst})` });
    const days = page.getByRole('group', { name: n.rota.weekdays });
    for (const day of Object.values(n.rota.days)) await days.getByLabel(day, { exact: true }).check();
    await page.getByLabel(n.rota.start, { exact: true }).fill('00:00');
    await page.getByLabel(n.rota.end, { exact: true }).fill('00:00');
    await Promise.all([
      page.waitForURL('**/console/en/rota?done=added'),
      page.getByRole('button', { name: n.rota.submit, exact: true }).click(),
    ]);
    assert.ok(await page.getByText(n.rota.added).isVisible());
    assert.equal(await page.getByText(n.rota.nobodyOnDuty).count(), 0);
    assert.equal(
      await page
        .getByRole('row', { name: /Test analyst/ })
        .getByText('Monday 00:00–00:00')
        .count(),
      1,
    );
    await assertNoAxeViolations(page, 'en rota page with shifts');

    // A report that a child is in danger now, through the public form, without JavaScript.
    const reporter = await open(false);
    const m = messages.en;
    await reporter.goto('/en/report/abuse');
    await reporter.getByRole('textbox', { name: new RegExp(`^${m.report.abuse.descriptionLabel.replace('?', '\\?')}`) }).fill(narrative);
    await reporter
      .getByRole('group', { name: new RegExp(`^${m.report.abuse.dangerLabel.replace('?', '\\?')}`) })
      .getByRole('radio', { name: m.report.choices.yes, exact: true })
      .check();
    const sentAt = Date.now();
    await reporter.getByRole('button', { name: m.report.submit, exact: true }).click();
    await reporter.locator('#receipt-code').waitFor();

    // Within a minute (the server looks every 15 seconds), to the analyst on duty only.
    while (mail.mails.length === 0 && Date.now() - sentAt < 60_000) await new Promise((resolve) => setTimeout(resolve, 250));
    const took = Date.now() - sentAt;
    assert.equal(mail.mails.length, 1, `no email within a minute:\n${server.output()}`);
    assert.ok(took < 60_000);
    const [received] = mail.mails;
    assert.deepEqual(received!.to, [analyst.email]);
    assert.match(received!.raw, /An urgent report is waiting in Hifazat\./);
    assert.ok(received!.raw.includes(`${baseUrl}/console/en/sign-in`));
    assert.ok(!received!.raw.includes('NARRATIVE') && !/HZ-\d{4}-\d{6}/.test(received!.raw), 'nothing of the report');

    // The analyst sees it on their notifications page, sent by email; mutes a non-urgent kind.
    const analystPage = await open();
    await signIn(analystPage, analyst);
    for (const lang of languages) {
      const own = consoleMessages[lang].notifications;
      await go(analystPage, lang, '/notifications');
      const row = analystPage.getByRole('row', { name: new RegExp(own.kinds.danger_report) });
      assert.match(await row.innerText(), new RegExp(`${own.channels.email}: ${own.statuses.sent}`));
      await assertNoAxeViolations(analystPage, `${lang} notifications page`);
    }
    await go(analystPage, 'ur', '/notifications');
    const ur = consoleMessages.ur.notifications;
    await analystPage.getByLabel(ur.mutable.referral_follow_up, { exact: true }).check();
    await Promise.all([
      analystPage.waitForURL('**/console/ur/notifications?saved=1'),
      analystPage.getByRole('button', { name: ur.save, exact: true }).click(),
    ]);
    assert.ok(await analystPage.getByText(ur.saved).isVisible());
    assert.equal(await analystPage.getByLabel(ur.mutable.referral_follow_up, { exact: true }).isChecked(), true);
    await assertNoAxeViolations(analystPage, 'ur notifications page after saving');
    await analystPage.getByLabel(ur.languages.ur, { exact: true }).check();
    await Promise.all([
      analystPage.waitForURL('**/console/ur/notifications?saved=1'),
      analystPage.getByRole('button', { name: ur.saveLanguage, exact: true }).click(),
    ]);
    assert.equal(await analystPage.getByLabel(ur.languages.ur, { exact: true }).isChecked(), true);
  });
});
