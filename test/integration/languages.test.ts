import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { reports, staffUsers } from '../../src/store/schema.ts';
import { testApp, testClient, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff } from '../helpers/console.ts';
import { formEncode, formHeaders, receiptFromPage } from '../helpers/forms.ts';

/**
 * Text a person reads or hears on a page: text nodes and the attributes read aloud, leaving out
 * scripts, styles, and elements marked lang="en" (the language switch says "English" in English).
 */
function readableText(html: string): string {
  let body = html.replace(/<(script|style|title)[\s\S]*?<\/\1>/g, ' ');
  // Drop elements in English, innermost first (they hold no nested markup of their own here).
  body = body.replace(/<(\w+)[^>]*\slang="en"[^>]*>[^<]*<\/\1>/g, ' ');
  const attributes = [...body.matchAll(/\s(?:aria-label|title|placeholder|alt)="([^"]*)"/g)].map((m) => m[1]);
  return [body.replace(/<[^>]+>/g, ' '), ...attributes].join(' ').replace(/&[a-z]+;|&#\d+;/g, ' ');
}

function latinWords(html: string): string[] {
  return [...new Set(readableText(html).match(/[A-Za-z]{2,}/g) ?? [])];
}

let t: TestApp;
const pages: Record<string, { en: string; ur: string }> = {};

before(async () => {
  t = await testApp('pglite');
  for (const lang of ['en', 'ur'] as const) {
    const get = async (url: string) => (await t.app.inject(url)).body;
    const post = async (url: string, fields: Record<string, string>) =>
      (await t.app.inject({ method: 'POST', url, headers: formHeaders, payload: formEncode(fields) })).body;
    const receiptPage = await post(`/${lang}/report`, { language: lang, kind: 'abuse', description: 'ایک رپورٹ', inDangerNow: 'true' });
    const receipt = receiptFromPage(receiptPage);
    const [row] = await t.database.db
      .select({ id: reports.id })
      .from(reports)
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    await t.services.followUp.addStaffMessage(row!.id, 'کیا آپ مزید بتا سکتے ہیں؟');
    const set = (name: string, html: string) => ((pages[name] ??= { en: '', ur: '' })[lang] = html);
    set('landing', await get(`/${lang}/`));
    set('report form', await get(`/${lang}/report`));
    set(
      'report form with errors',
      await post(`/${lang}/report`, { language: lang, kind: 'online_material', urls: 'nope', 'contact.phone': '0300 1234567' }),
    );
    set('receipt', receiptPage);
    set('follow-up', await get(`/${lang}/follow-up`));
    set('follow-up thread', await post(`/${lang}/follow-up`, { receipt }));
    set('follow-up unknown receipt', await post(`/${lang}/follow-up`, { receipt: '0'.repeat(20) }));
    set('not found', await get(`/${lang}/no-such-page`));
  }
  await readConsolePages();
});

/** The console pages an analyst, a supervisor and an auditor read, in each language, over a case with a district, links, times and an audit trail. */
const consolePages: Record<string, { en: string; ur: string }> = {};
/** Text that must stay in Latin letters on an Urdu console page: see the test below. */
let staysLatin: RegExp[] = [];

async function readConsolePages() {
  const [analyst, supervisor, auditor] = [
    await enrolStaff(t, 'analyst'),
    await enrolStaff(t, 'supervisor'),
    await enrolStaff(t, 'auditor'),
  ];
  // Names are what people gave; these people gave theirs in Urdu.
  for (const [who, name] of [
    [analyst, 'عائشہ'],
    [supervisor, 'بلال'],
    [auditor, 'زینب'],
  ] as const) {
    await t.database.db.update(staffUsers).set({ displayName: name }).where(eq(staffUsers.id, who.id));
  }
  const member = async (id: string) => (await t.services.staff.list()).find((s) => s.id === id)!;
  const submit = async (fields: Record<string, unknown>) =>
    t.services.reports.submit(reportInputSchema(pakistanToday()).parse({ language: 'ur', ...fields }), {
      source: 'api',
      client: testClient,
    });
  await submit({ kind: 'abuse', description: 'ہمسایہ بچے کو تنگ کرتا ہے۔', province: 'punjab', district: 'lahore', inDangerNow: true });
  await submit({ kind: 'online_material', description: 'یہ لنک ایک بچے کی تصویر دکھاتا ہے۔', urls: ['https://bad.example.org/a?b=c'] });
  const [{ id: reportId, caseId }] = (await t.database.db
    .select({ id: reports.id, caseId: reports.caseId })
    .from(reports)
    .where(eq(reports.district, 'Lahore'))) as [{ id: string; caseId: string }];
  const [{ id: onlineReportId }] = (await t.database.db
    .select({ id: reports.id })
    .from(reports)
    .where(eq(reports.kind, 'online_material'))) as [{ id: string }];
  // An audit trail with enumerations, dates and ids in its details.
  const working = await member(analyst.id);
  await t.services.cases.assign(working, caseId, analyst.id);
  await t.services.cases.setState(working, caseId, 'triaged');
  await t.services.cases.addNote(working, caseId, 'والدہ سے بات ہوئی۔');
  await t.services.cases.addTask(working, caseId, { title: 'پولیس سے رابطہ', dueOn: '2026-12-31' });
  await t.services.cases.addReferral(working, caseId, {
    agencyId: '00000000-0000-4000-8000-000000001121',
    referredAt: new Date(),
    method: 'letter',
    firStatus: 'pending',
  });
  await t.services.cases.askReporter(working, reportId, 'کیا آپ مزید بتا سکتے ہیں؟');
  await t.services.cases.requestClosure(working, caseId, 'actioned');
  // A rota with a night shift, and the notifications it makes (listed in the console; no channel is set up here).
  const supervising = await member(supervisor.id);
  const everyDay = ['1', '2', '3', '4', '5', '6', '7'];
  await t.services.notifications.addShifts(supervising, { staffId: analyst.id, weekdays: everyDay, start: '00:00', end: '00:00' });
  await t.services.notifications.addShifts(supervising, { staffId: supervisor.id, weekdays: ['5'], start: '22:00', end: '06:00' });
  await t.services.notifications.runOnce();

  const emails = [analyst, supervisor, auditor].map((s) => s.email);
  staysLatin = [
    // Email addresses: staff sign in with them, and the audit log names people by them.
    ...emails.map((email) => new RegExp(email.replace(/[.+]/g, '\\$&'), 'g')),
    // Ids (an audit entry's object and details) and case references (HZ-2026-000001): codes, not words.
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
    /\bHZ-\d{4}-\d{6}\b/g,
    // Reported links, defanged, exactly as reported (so staff can search for them elsewhere).
    /hxxps?\S*/g,
  ];

  // Each signs in once: a second sign-in with the same code would be refused as a replay.
  const [asAnalyst, asSupervisor, asAuditor] = [new Browser(t), new Browser(t), new Browser(t)];
  assert.equal((await asAnalyst.signIn(analyst)).statusCode, 303);
  assert.equal((await asSupervisor.signIn(supervisor)).statusCode, 303);
  assert.equal((await asAuditor.signIn(auditor)).statusCode, 303);
  for (const lang of ['en', 'ur'] as const) {
    const set = (name: string, html: string) => ((consolePages[name] ??= { en: '', ur: '' })[lang] = html);
    const read = async (who: Browser, path: string) => {
      const response = await who.get(`/console/${lang}${path}`);
      assert.equal(response.statusCode, 200, `${lang}${path}`);
      return response.body;
    };
    set('analyst: queue', await read(asAnalyst, '/'));
    set('analyst: queue by district', await read(asAnalyst, '/?district=Lahore'));
    set('analyst: report', await read(asAnalyst, `/reports/${reportId}`));
    set('analyst: report with links', await read(asAnalyst, `/reports/${onlineReportId}`));
    set('analyst: case', await read(asAnalyst, `/cases/${caseId}`));
    set('analyst: account', await read(asAnalyst, '/account'));
    set('supervisor: queue', await read(asSupervisor, '/'));
    set('supervisor: case', await read(asSupervisor, `/cases/${caseId}`));
    set('supervisor: report', await read(asSupervisor, `/reports/${reportId}`));
    set('supervisor: account', await read(asSupervisor, '/account'));
    set('supervisor: dashboard', await read(asSupervisor, '/dashboard'));
    set('supervisor: rota', await read(asSupervisor, '/rota'));
    set('analyst: notifications', await read(asAnalyst, '/notifications'));
    set('supervisor: notifications', await read(asSupervisor, '/notifications'));
    set('auditor: audit log', await read(asAuditor, '/audit'));
  }
}
after(() => t.close());

test('no English is left on Urdu console pages, but for what must stay in Latin letters', () => {
  for (const [name, { en, ur }] of Object.entries(consolePages)) {
    assert.match(ur, /<html lang="ur" dir="rtl">/, name);
    const leftOver = latinWords(staysLatin.reduce((page, latin) => page.replace(latin, ' '), ur));
    assert.deepEqual(leftOver, [], `${name}: Latin words on the Urdu page`);
    assert.ok(latinWords(en).length > 10, `${name}: the English page is in English`);
  }
});

test('Urdu console pages name a listed district, the times of day and audit actions in Urdu', () => {
  const report = readableText(consolePages['analyst: report']!.ur);
  assert.ok(report.includes('لاہور'), 'the district by its Urdu name');
  assert.ok(!report.includes('Lahore'));
  assert.ok(readableText(consolePages['analyst: report']!.en).includes('Lahore'));
  assert.match(consolePages['analyst: queue by district']!.ur, /<option value="Lahore" selected>لاہور<\/option>/);
  assert.match(readableText(consolePages['analyst: case']!.ur), /\d:\d\d (صبح|دوپہر|سہ پہر|شام|رات)/);
  const audit = consolePages['auditor: audit log']!;
  assert.ok(audit.ur.includes('<td>کیس کی حالت بدلی</td>') && audit.ur.includes('<dd>جانچا گیا</dd>'));
  assert.ok(audit.en.includes('<td>Moved a case</td>') && audit.en.includes('<dd>Triaged</dd>'));
  assert.ok(!audit.ur.includes('case.state') && !audit.en.includes('case.state'), 'never the stored action name');
});

test('no English is left on Urdu pages', () => {
  for (const [name, { en, ur }] of Object.entries(pages)) {
    assert.match(ur, /<html lang="ur" dir="rtl">/, name);
    const english = new Set(latinWords(en));
    const leftOver = latinWords(ur);
    assert.deepEqual(
      leftOver,
      [],
      `${name}: Latin words on the Urdu page (${leftOver.filter((w) => english.has(w)).length} also on the English one)`,
    );
  }
});

test('the English pages are in English', () => {
  for (const [name, { en }] of Object.entries(pages)) {
    assert.match(en, /<html lang="en" dir="ltr">/, name);
    assert.ok(latinWords(en).length > 10, name);
  }
});

test('the language switch on every page leads to the same page in the other language', async () => {
  for (const path of ['/', '/report', '/follow-up']) {
    const en = (await t.app.inject(`/en${path}`)).body;
    const ur = (await t.app.inject(`/ur${path}`)).body;
    assert.ok(en.includes(`href="/ur${path}" hreflang="ur"`), `en${path}`);
    assert.ok(ur.includes(`href="/en${path}" hreflang="en"`), `ur${path}`);
  }
});

test('/ chooses the language from Accept-Language, Urdu when it says nothing useful', async () => {
  for (const [header, expected] of [
    ['ur-PK,ur;q=0.9,en;q=0.8', '/ur/'],
    ['en-GB,en;q=0.9', '/en/'],
    ['en;q=0.5, ur;q=0.9', '/ur/'],
    ['fr-FR', '/ur/'],
    [undefined, '/ur/'],
  ] as const) {
    const response = await t.app.inject({ url: '/', headers: header ? { 'accept-language': header } : {} });
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, expected, String(header));
    assert.match(String(response.headers.vary), /Accept-Language/);
  }
});

test('the landing page puts "call 15" first, then the helplines, how to report, what happens next and privacy', () => {
  const en = readableText(pages.landing!.en);
  const order = [
    'Is a child in danger right now?',
    'Call 15',
    'How to report',
    'What happens next',
    'Your privacy',
    '1099',
    '1121',
    '1098',
  ];
  let at = -1;
  for (const phrase of order.slice(0, 5)) {
    const found = en.indexOf(phrase);
    assert.ok(found > at, `"${phrase}" missing or out of order`);
    at = found;
  }
  for (const number of ['1099', '1121', '1098']) assert.ok(en.includes(number));
});
