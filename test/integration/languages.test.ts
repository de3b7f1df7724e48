import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { reports } from '../../src/store/schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
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
});
after(() => t.close());

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
