import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { dammCheckDigit } from '../../src/domain/receipt.ts';
import { reports } from '../../src/store/schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { forEachEngine } from '../helpers/database.ts';
import { formEncode, formHeaders, hiddenFieldsOfForm, pageText, receiptFromPage } from '../helpers/forms.ts';

forEachEngine('reporting and following up', (engine) => {
  let t: TestApp;
  before(async () => {
    t = await testApp(engine);
  });
  after(() => t.close());

  async function reportIdOf(receipt: string): Promise<string> {
    const [row] = await t.database.db
      .select({ id: reports.id })
      .from(reports)
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    assert.ok(row, 'report stored');
    return row.id;
  }

  test('API: report → receipt → follow-up → staff question → reporter answer', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      payload: {
        kind: 'online_material',
        language: 'en',
        urls: ['https://Example.com/video?id=7', 'https://example.com/video?id=7'],
        site: 'a video site',
        reporterRelationship: 'self',
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { receipt, status } = created.json<{ receipt: string; status: string }>();
    assert.match(receipt, /^\d{20}$/);
    assert.equal(status, 'received');

    const first = await t.app.inject({ method: 'POST', url: '/api/v1/follow-up', payload: { receipt } });
    assert.equal(first.statusCode, 200);
    assert.deepEqual(first.json().messages, []);
    assert.equal(first.json().status, 'received');

    await t.services.followUp.addStaffMessage(await reportIdOf(receipt), 'Was the video still online today?');
    const answer = await t.app.inject({
      method: 'POST',
      url: '/api/v1/follow-up/messages',
      payload: { receipt, body: 'Yes, at 10am.' },
    });
    assert.equal(answer.statusCode, 201, answer.body);
    assert.deepEqual(
      answer.json().messages.map((m: { author: string; body: string }) => [m.author, m.body]),
      [
        ['staff', 'Was the video still online today?'],
        ['reporter', 'Yes, at 10am.'],
      ],
    );
  });

  test('a 36-digit receipt issued before receipts were shortened still follows up, in the form and the API', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      payload: { kind: 'online_material', language: 'ur', urls: ['https://example.com/old'], reporterRelationship: 'self' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const reportId = await reportIdOf(created.json<{ receipt: string }>().receipt);
    // What a report stored before ADR 0007 holds: the keyed hash of its 36 digits (35 random and the check digit).
    const body = '40718352960417283950617283940516273';
    const legacy = body + String(dammCheckDigit(body));
    await t.database.db
      .update(reports)
      .set({ receiptHash: t.keyring.mac('receipt-lookup', legacy) })
      .where(eq(reports.id, reportId));
    await t.services.followUp.addStaffMessage(reportId, 'کیا لنک اب بھی کھلتا ہے؟');

    const urduDigits = legacy.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
    const page = await t.app.inject({
      method: 'POST',
      url: '/ur/follow-up',
      headers: formHeaders,
      payload: formEncode({ receipt: urduDigits.replace(/(.{4})/g, '$1 ') }),
    });
    assert.equal(page.statusCode, 200, pageText(page.body));
    assert.ok(pageText(page.body).includes('کیا لنک اب بھی کھلتا ہے؟'), "staff's message shown");

    const api = await t.app.inject({ method: 'POST', url: '/api/v1/follow-up', payload: { receipt: legacy } });
    assert.equal(api.statusCode, 200, api.body);
    assert.deepEqual(
      api.json().messages.map((m: { author: string; body: string }) => [m.author, m.body]),
      [['staff', 'کیا لنک اب بھی کھلتا ہے؟']],
    );
  });

  /** The hidden fields of the form posting to `action` on a page, by name. */
  function hiddenFields(body: string, action: string): Record<string, string> {
    const fields = hiddenFieldsOfForm(body, action);
    assert.ok(fields, `a form posting to ${action}`);
    return fields;
  }

  test('form in Urdu: first step → receipt page → details → follow-up → reply', async () => {
    const choice = await t.app.inject({ method: 'GET', url: '/ur/report' });
    assert.equal(choice.statusCode, 200);
    assert.ok(
      choice.body.includes('href="/ur/report/abuse"') && choice.body.includes('href="/ur/report/online"'),
      'two choices, each a link',
    );
    const page = await t.app.inject({ method: 'GET', url: '/ur/report/abuse' });
    assert.equal(page.statusCode, 200);
    const key = hiddenFields(page.body, '/ur/report').idempotencyKey;
    assert.ok(key);
    // The first step asks only what is needed to act.
    assert.ok(!page.body.includes('name="province"') && !page.body.includes('name="contact.phone"'));

    const posted = await t.app.inject({
      method: 'POST',
      url: '/ur/report',
      headers: formHeaders,
      payload: formEncode({
        language: 'ur',
        idempotencyKey: key,
        kind: 'abuse',
        description: 'ہمسایہ بچے کو تنگ کرتا ہے',
        inDangerNow: 'true',
      }),
    });
    assert.equal(posted.statusCode, 200, pageText(posted.body));
    assert.match(posted.body, /<html lang="ur" dir="rtl">/);
    assert.ok(posted.body.includes('یہ کوڈ خفیہ رکھیں'), 'secrecy advice shown');
    assert.ok(pageText(posted.body).includes('ابھی 15 پر کال کریں'), 'emergency number shown after submitting');
    const receipt = receiptFromPage(posted.body);
    const { continuation } = hiddenFields(posted.body, '/ur/report/details');
    assert.ok(continuation && !continuation.includes(receipt), 'a continuation, which is not the receipt');

    const opened = await t.app.inject({
      method: 'POST',
      url: '/ur/report/details',
      headers: formHeaders,
      payload: formEncode({ continuation, kind: 'abuse', action: 'open' }),
    });
    assert.equal(opened.statusCode, 200);
    assert.ok(opened.body.includes('name="province"'), 'the details form');
    const details = await t.app.inject({
      method: 'POST',
      url: '/ur/report/details',
      headers: formHeaders,
      payload: formEncode({
        ...hiddenFields(opened.body, '/ur/report/details'),
        action: 'add',
        province: 'punjab',
        district: 'ملتان',
        area: 'urban',
        childAgeBand: '6-10',
        childSex: 'girl',
        abuserRelationship: 'neighbour',
        place: 'street',
        policeStatus: 'not_yet',
        reporterRelationship: 'parent',
        occurredOn: '',
      }),
    });
    assert.equal(details.statusCode, 200, pageText(details.body));
    assert.ok(pageText(details.body).includes('تفصیل آپ کی رپورٹ میں شامل کر دی گئی ہے'));

    const [stored] = await t.database.db
      .select()
      .from(reports)
      .where(eq(reports.id, await reportIdOf(receipt)));
    assert.equal(stored!.district, 'Multan', 'Urdu district name stored as the canonical one');
    assert.equal(stored!.inDangerNow, true);
    assert.equal(stored!.childAgeBand, '6-10');
    assert.ok(stored!.detailsAddedAt);

    const followUp = await t.app.inject({
      method: 'POST',
      url: '/ur/follow-up',
      headers: formHeaders,
      payload: formEncode({ receipt: receipt.replace(/(\d{4})/g, '$1 ') }),
    });
    assert.equal(followUp.statusCode, 200);
    assert.ok(pageText(followUp.body).includes('موصول ہوئی'), 'status in plain Urdu');

    await t.services.followUp.addStaffMessage(await reportIdOf(receipt), 'کیا بچہ اب محفوظ ہے؟');
    const replied = await t.app.inject({
      method: 'POST',
      url: '/ur/follow-up/reply',
      headers: formHeaders,
      payload: formEncode({ receipt, body: 'جی ہاں، اب وہ محفوظ ہے' }),
    });
    assert.equal(replied.statusCode, 200);
    const text = pageText(replied.body);
    assert.ok(text.includes('کیا بچہ اب محفوظ ہے؟'));
    assert.ok(text.includes('جی ہاں، اب وہ محفوظ ہے'));
    assert.ok(text.includes('آپ کا پیغام بھیج دیا گیا ہے'));
  });

  test('a rejected first step comes back with every typed value and errors beside their fields, in its language', async () => {
    const typed = {
      language: 'ur',
      idempotencyKey: 'form-key-12345678',
      kind: 'online_material',
      urls: ['not a link', 'https://example.org/ok'],
      description: 'یہ لنک ایک گروپ میں تھا',
      inDangerNow: 'false',
      // Not asked on the first step (a hand-made post): carried, so nothing is lost.
      province: 'sindh',
    };
    const response = await t.app.inject({ method: 'POST', url: '/ur/report', headers: formHeaders, payload: formEncode(typed) });
    assert.equal(response.statusCode, 400);
    const body = response.body;
    assert.ok(body.includes('value="not a link"'));
    assert.ok(body.includes('value="https://example.org/ok"'));
    assert.ok(body.includes('>یہ لنک ایک گروپ میں تھا</textarea>'));
    assert.match(body, /id="f-inDangerNow-false" name="inDangerNow" value="false" checked/);
    assert.ok(body.includes('<input type="hidden" name="province" value="sindh">'));
    assert.ok(body.includes('<input type="hidden" name="kind" value="online_material">'));
    assert.ok(body.includes('value="form-key-12345678"'), 'the same idempotency key is kept');
    // The URL error sits with the first link field and points to it.
    assert.match(body, /<p class="error" id="f-urls-0-error">یہ ویب ایڈریس نہیں ہے/);
    assert.match(body, /id="f-urls-0"[^>]*aria-invalid="true"[^>]*aria-describedby="f-urls-0-error"/);
    assert.match(body, /<a href="#f-urls-0">/);
  });

  test('a rejected details form comes back with every typed value, and its continuation still works', async () => {
    const posted = await t.app.inject({
      method: 'POST',
      url: '/ur/report',
      headers: formHeaders,
      payload: formEncode({ language: 'ur', kind: 'online_material', urls: 'https://example.org/ok' }),
    });
    const { continuation } = hiddenFields(posted.body, '/ur/report/details');
    const typed = {
      continuation: continuation!,
      kind: 'online_material',
      action: 'add',
      site: 'ٹک ٹاک',
      description: 'یہ لنک ایک گروپ میں تھا',
      province: 'sindh',
      district: 'Karachi East',
      childSex: 'boy',
      reporterRelationship: 'relative',
      'contact.phone': '0300 1234567',
    };
    const response = await t.app.inject({ method: 'POST', url: '/ur/report/details', headers: formHeaders, payload: formEncode(typed) });
    assert.equal(response.statusCode, 400);
    const body = response.body;
    assert.ok(body.includes('value="ٹک ٹاک"'));
    assert.ok(body.includes('>یہ لنک ایک گروپ میں تھا</textarea>'));
    assert.ok(body.includes('value="Karachi East"'));
    assert.match(body, /<option value="sindh" selected>/);
    assert.match(body, /id="f-childSex-boy" name="childSex" value="boy" checked/);
    assert.match(body, /<option value="relative" selected>/);
    assert.ok(body.includes('value="0300 1234567"'));
    assert.match(body, /<p class="error" id="f-contact-consent-error">اگر ہم آپ سے رابطہ/);
    assert.match(body, /<a href="#f-contact-consent">/);
    // Refused for its answers, the form did not use up its continuation.
    const fixed = await t.app.inject({
      method: 'POST',
      url: '/ur/report/details',
      headers: formHeaders,
      payload: formEncode({ ...typed, 'contact.consent': 'true' }),
    });
    assert.equal(fixed.statusCode, 200, pageText(fixed.body));
  });

  test('"add another link" without JavaScript adds a field and keeps the rest', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/en/report',
      headers: formHeaders,
      payload: formEncode({ language: 'en', kind: 'online_material', urls: 'https://example.com/1', action: 'add_url', site: 'x' }),
    });
    assert.equal(response.statusCode, 200);
    assert.ok(response.body.includes('id="f-urls-1"'));
    assert.ok(response.body.includes('value="https://example.com/1"'));
    assert.ok(!response.body.includes('class="error"'));
  });

  test('an unknown or mistyped receipt gets a clear answer in the page language', async () => {
    const unknown = '1'.repeat(19);
    const valid = unknown + String(dammCheckDigit(unknown));
    const notFound = await t.app.inject({
      method: 'POST',
      url: '/en/follow-up',
      headers: formHeaders,
      payload: formEncode({ receipt: valid }),
    });
    assert.equal(notFound.statusCode, 404);
    assert.ok(pageText(notFound.body).includes('We could not find a report with this code'));
    const mistyped = await t.app.inject({
      method: 'POST',
      url: '/en/follow-up',
      headers: formHeaders,
      payload: formEncode({ receipt: `${unknown}${(dammCheckDigit(unknown) + 1) % 10}` }),
    });
    assert.equal(mistyped.statusCode, 400);
    assert.ok(pageText(mistyped.body).includes('One of the digits seems wrong'));
    const api = await t.app.inject({ method: 'POST', url: '/api/v1/follow-up', payload: { receipt: valid } });
    assert.equal(api.statusCode, 404);
    assert.equal(api.json().error.code, 'unknown_receipt');
  });
});
