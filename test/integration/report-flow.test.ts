import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { reports } from '../../src/store/schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { forEachEngine } from '../helpers/database.ts';
import { formEncode, formHeaders, pageText, receiptFromPage } from '../helpers/forms.ts';

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
    assert.match(receipt, /^\d{36}$/);
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

  test('form in Urdu: report → receipt page → follow-up → reply', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/ur/report' });
    assert.equal(page.statusCode, 200);
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(key);

    const posted = await t.app.inject({
      method: 'POST',
      url: '/ur/report',
      headers: formHeaders,
      payload: formEncode({
        language: 'ur',
        idempotencyKey: key,
        kind: 'abuse',
        description: 'ہمسایہ بچے کو تنگ کرتا ہے',
        province: 'punjab',
        district: 'ملتان',
        area: 'urban',
        childAgeBand: '6-10',
        childSex: 'girl',
        abuserRelationship: 'neighbour',
        place: 'street',
        inDangerNow: 'true',
        policeStatus: 'not_yet',
        reporterRelationship: 'parent',
        urls: '',
        occurredOn: '',
      }),
    });
    assert.equal(posted.statusCode, 200, pageText(posted.body));
    assert.match(posted.body, /<html lang="ur" dir="rtl">/);
    assert.ok(posted.body.includes('یہ کوڈ خفیہ رکھیں'), 'secrecy advice shown');
    assert.ok(pageText(posted.body).includes('ابھی 15 پر کال کریں'), 'emergency number shown after submitting');
    const receipt = receiptFromPage(posted.body);

    const [stored] = await t.database.db
      .select()
      .from(reports)
      .where(eq(reports.id, await reportIdOf(receipt)));
    assert.equal(stored!.district, 'Multan', 'Urdu district name stored as the canonical one');
    assert.equal(stored!.inDangerNow, true);
    assert.equal(stored!.childAgeBand, '6-10');

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

  test('a rejected form comes back with every typed value and errors beside their fields, in its language', async () => {
    const typed = {
      language: 'ur',
      idempotencyKey: 'form-key-12345678',
      kind: 'online_material',
      urls: ['not a link', 'https://example.org/ok'],
      site: 'ٹک ٹاک',
      description: 'یہ لنک ایک گروپ میں تھا',
      province: 'sindh',
      district: 'Karachi East',
      childSex: 'boy',
      reporterRelationship: 'relative',
      'contact.phone': '0300 1234567',
    };
    const response = await t.app.inject({ method: 'POST', url: '/ur/report', headers: formHeaders, payload: formEncode(typed) });
    assert.equal(response.statusCode, 400);
    const body = response.body;
    assert.ok(body.includes('value="not a link"'));
    assert.ok(body.includes('value="https://example.org/ok"'));
    assert.ok(body.includes('value="ٹک ٹاک"'));
    assert.ok(body.includes('>یہ لنک ایک گروپ میں تھا</textarea>'));
    assert.ok(body.includes('value="Karachi East"'));
    assert.match(body, /<option value="sindh" selected>/);
    assert.match(body, /id="f-childSex-boy" name="childSex" value="boy" checked/);
    assert.match(body, /value="online_material" checked/);
    assert.match(body, /<option value="relative" selected>/);
    assert.ok(body.includes('value="0300 1234567"'));
    assert.ok(body.includes('value="form-key-12345678"'), 'the same idempotency key is kept');
    // The URL error sits with the first link field and points to it; the consent error with the box.
    assert.match(body, /<p class="error" id="f-urls-0-error">یہ ویب ایڈریس نہیں ہے/);
    assert.match(body, /id="f-urls-0"[^>]*aria-invalid="true"[^>]*aria-describedby="f-urls-0-error"/);
    assert.match(body, /<p class="error" id="f-contact-consent-error">اگر ہم آپ سے رابطہ/);
    assert.match(body, /<a href="#f-urls-0">/);
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
    const unknown = '1'.repeat(35);
    const { dammCheckDigit } = await import('../../src/domain/receipt.ts');
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
