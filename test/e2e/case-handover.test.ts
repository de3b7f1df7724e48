/**
 * A case handed over, in a real browser: an analyst finds a case by a link (the queue's POST form,
 * the link written as a reporter might paste it), opens its file and downloads it; the file is the
 * JSON bundle, and its SHA-256 is the one in the response's header and in the audit log. axe-core on
 * the case file and the court checklist in English and Urdu. One app (PGlite) and one browser.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { and, desc, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { caseBundleSchema } from '../../src/domain/case-handover.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { languages, reportInputSchema, type Language } from '../../src/domain/report.ts';
import { consoleMessages } from '../../src/http/i18n/console.ts';
import type { StaffMember } from '../../src/services/staff.ts';
import { auditLog, cases, reports } from '../../src/store/schema.ts';
import { testClient } from '../helpers/app.ts';
import { assertNoAxeViolations, launchBrowser, newContext, serveTestApp, skipWithoutBrowser, type ServedApp } from '../helpers/browser.ts';
import { enrolStaff, totp, type EnrolledStaff } from '../helpers/console.ts';

const desk = { width: 1024, height: 768 };
const nccia = '00000000-0000-4000-8000-00000000cc1a';
const reportedLink = 'https://stolen-pictures.example.net/album/31?ref=chat';

describe('a case handed over, in a browser', { skip: skipWithoutBrowser }, () => {
  let browser: Browser;
  let t: ServedApp;
  let analyst: EnrolledStaff;
  let supervisor: EnrolledStaff;
  let seeded: { caseId: string; reference: string };
  /** The app's clock runs ahead of the real one, so that one account can sign in again with a new code. */
  let offset = 0;
  const now = () => new Date(Date.now() + offset);

  const member = (staff: EnrolledStaff): StaffMember => ({
    id: staff.id,
    email: staff.email,
    displayName: `Test ${staff.role}`,
    role: staff.role,
    language: 'en',
  });

  before(async () => {
    [browser, t] = await Promise.all([launchBrowser(), serveTestApp('pglite', { clock: now })]);
    analyst = await enrolStaff(t, 'analyst', now);
    supervisor = await enrolStaff(t, 'supervisor', now);
    const { receipt } = await t.services.reports.submit(
      reportInputSchema(pakistanToday(now())).parse({
        language: 'ur',
        kind: 'online_material',
        urls: [reportedLink],
        description: 'یہ تصویریں ایک گروپ میں بانٹی جا رہی ہیں۔',
        province: 'sindh',
        childAgeBand: '11-15',
        contact: { phone: '0300 1112223', consent: true },
      }),
      { source: 'portal', client: testClient },
    );
    const [row] = await t.database.db
      .select({ reportId: reports.id, caseId: reports.caseId, reference: cases.reference })
      .from(reports)
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    seeded = row!;
    await t.services.cases.assign(member(supervisor), row!.caseId, analyst.id);
    await t.services.cases.classifyReport(member(analyst), row!.reportId, {
      category: 'abuse_material',
      legalBases: ['ppc_292b_292c', 'peca_22'],
      materialViewed: true,
      viewedBy: 'The analyst on duty',
    });
    await t.services.cases.addReferral(member(analyst), row!.caseId, {
      agencyId: nccia,
      referredAt: now(),
      method: 'portal',
      firStatus: 'pending',
      notes: 'Sent to the online child abuse unit.',
    });
    await t.services.cases.recordChecklistItem(member(analyst), row!.caseId, { item: 'video_link_testimony', done: true, note: 'Asked.' });
    await t.services.cases.requestContact(member(analyst), row!.caseId, 'police_investigation');
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Signs in through the form with a code of a step not used before by this account. */
  async function signIn(page: Page, staff: EnrolledStaff, lang: Language) {
    const s = consoleMessages[lang].signIn;
    offset += 30_000;
    await page.goto(`/console/${lang}/sign-in`);
    await page.getByLabel(s.email, { exact: true }).fill(staff.email);
    await page.getByLabel(s.password, { exact: true }).fill(staff.password);
    await page.getByLabel(s.code, { exact: true }).fill(await totp(staff.secret, now()));
    await Promise.all([page.waitForURL((url) => !url.pathname.endsWith('/sign-in')), page.getByRole('button', { name: s.submit }).click()]);
  }

  test('an analyst finds a case by its link and downloads its file, whose SHA-256 matches its header and the audit log', async () => {
    const c = consoleMessages.en;
    const context = await newContext(browser, t, { javaScript: true, viewport: desk, acceptDownloads: true });
    try {
      const page = await context.newPage();
      await signIn(page, analyst, 'en');
      await page.goto('/console/en/');
      // Pasted as a reporter or another hotline might write it: defanged, in capitals, with a full stop.
      await page.getByLabel(c.queue.link, { exact: true }).fill('hxxps://Stolen-Pictures.example[.]net/album/31?ref=chat.');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: c.queue.findLink, exact: true }).click()]);
      await page.waitForURL('**/console/en/find-link');
      assert.ok((await page.locator('main').innerText()).includes(c.queue.linkResults(1)));
      await page.getByRole('link', { name: seeded.reference, exact: true }).click();
      await page.getByRole('link', { name: c.report.openCase }).click();
      await page.getByRole('link', { name: c.handover.recordLink }).click();
      await page.waitForURL(`**/console/en/cases/${seeded.caseId}/record`);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), c.handover.recordTitle(seeded.reference));
      const text = await page.locator('main').innerText();
      assert.ok(text.includes('hxxps://stolen-pictures[.]example[.]net/album/31?ref=chat'), 'the link defanged');
      assert.ok(text.includes(c.enums.legalBases.peca_22));
      assert.equal(await page.locator('img').count(), 0);

      const [download, response] = await Promise.all([
        page.waitForEvent('download'),
        page.waitForResponse((r) => r.url().endsWith(`/cases/${seeded.caseId}/export`)),
        page.getByRole('button', { name: c.handover.export }).click(),
      ]);
      assert.equal(download.suggestedFilename(), `${seeded.reference}-case-file.json`);
      const bytes = await readFile((await download.path())!);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      assert.equal(response.headers()['x-content-sha256'], sha256, 'the header names the digest of the file received');
      const bundle = caseBundleSchema.parse(JSON.parse(bytes.toString('utf8')));
      assert.equal(bundle.case.reference, seeded.reference);
      assert.equal(bundle.reports[0]!.links[0]!.defanged, 'hxxps://stolen-pictures[.]example[.]net/album/31?ref=chat');
      assert.equal(bundle.contactIncluded, false);
      assert.equal(bundle.courtChecklist.find((i) => i.item === 'video_link_testimony')?.done, true);
      const [entry] = await t.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'case.export'), eq(auditLog.objectId, seeded.caseId)))
        .orderBy(desc(auditLog.seq))
        .limit(1);
      assert.equal(entry?.details.sha256, sha256, 'the audit log keeps the same digest');
      assert.equal(entry?.actorId, analyst.id);
    } finally {
      await context.close();
    }
  });

  // axe-core leaves Nastaliq text out of its colour-contrast rule (see portal.test.ts).
  test('the case file and the court checklist pass axe-core in English and Urdu, for an analyst and a supervisor', async () => {
    for (const staff of [analyst, supervisor]) {
      const context = await newContext(browser, t, { javaScript: true, viewport: desk });
      try {
        const page = await context.newPage();
        await signIn(page, staff, 'en');
        for (const lang of languages) {
          for (const part of ['record', 'court-checklist']) {
            const response = await page.goto(`/console/${lang}/cases/${seeded.caseId}/${part}`);
            assert.equal(response?.status(), 200);
            await assertNoAxeViolations(page, `${staff.role}: ${part} (${lang})`);
          }
        }
      } finally {
        await context.close();
      }
    }
  });

  test('printed, the case file is the document alone: no navigation, no forms', async () => {
    const context = await newContext(browser, t, { javaScript: true, viewport: desk });
    try {
      const page = await context.newPage();
      await signIn(page, supervisor, 'en');
      await page.goto(`/console/en/cases/${seeded.caseId}/record`);
      await page.emulateMedia({ media: 'print' });
      for (const selector of ['.site-header', 'form', '.no-print']) {
        const shown = await page.locator(selector).evaluateAll((els) => els.filter((el) => getComputedStyle(el).display !== 'none').length);
        assert.equal(shown, 0, `${selector} hidden in print`);
      }
      assert.ok(await page.locator('.case-record').isVisible());
      const pdf = await page.pdf({ format: 'A4' });
      assert.ok(pdf.subarray(0, 5).toString() === '%PDF-', 'Save as PDF gives a PDF');
    } finally {
      await context.close();
    }
  });
});
