import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { reports } from '../../src/store/schema.ts';
import { dammCheckDigit } from '../../src/domain/receipt.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { forEachEngine } from '../helpers/database.ts';
import { formEncode, formHeaders, pageText, receiptFromPage } from '../helpers/forms.ts';

const report = { kind: 'abuse', language: 'en', description: 'A man waits near the school gate.' };
const count = async (t: TestApp) => (await t.database.db.select().from(reports)).length;

forEachEngine('idempotency', (engine) => {
  let t: TestApp;
  before(async () => {
    t = await testApp(engine);
  });
  after(() => t.close());

  test('a retried API request gets the same receipt and creates nothing twice', async () => {
    const send = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'idempotency-key': 'retry-key-0001' }, payload: report });
    const first = await send();
    const second = await send();
    assert.equal(first.statusCode, 201);
    assert.equal(second.statusCode, 200);
    assert.equal(second.json().receipt, first.json().receipt);
    assert.equal(await count(t), 1);
  });

  test('concurrent retries with one key create one report', async () => {
    const before = await count(t);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'idempotency-key': 'concurrent-key-01' }, payload: report }),
      ),
    );
    const receipts = new Set(responses.map((r) => r.json().receipt));
    assert.deepEqual(responses.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 200, 201]);
    assert.equal(receipts.size, 1);
    assert.equal(await count(t), before + 1);
  });

  test('the same key with a different report is refused', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'idempotency-key': 'conflict-key-01' }, payload: report });
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: { 'idempotency-key': 'conflict-key-01' },
      payload: { ...report, description: 'something else' },
    });
    assert.equal(other.statusCode, 422);
    assert.equal(other.json().error.code, 'idempotency_conflict');
  });

  test('a form sent twice (reload, double tap) shows the same receipt and stores one report', async () => {
    const before = await count(t);
    const payload = formEncode({ language: 'en', idempotencyKey: 'form-resubmit-01', kind: 'abuse', description: 'double tap' });
    const first = await t.app.inject({ method: 'POST', url: '/en/report', headers: formHeaders, payload });
    const second = await t.app.inject({ method: 'POST', url: '/en/report', headers: formHeaders, payload });
    assert.equal(receiptFromPage(second.body), receiptFromPage(first.body));
    assert.equal(await count(t), before + 1);
  });
});

forEachEngine('throttling', (engine) => {
  describe('per-client throttles in the database', () => {
    let t: TestApp;
    before(async () => {
      t = await testApp(engine, { budgets: { unverifiedReportsPerHour: 2 } });
    });
    after(() => t.close());

    test('failed receipt attempts are throttled, across the API and the form', async () => {
      const unknown = (n: number) => {
        const body = String(n).padStart(35, '7');
        return body + String(dammCheckDigit(body));
      };
      // Five are free (throttleRules.receiptFailure), then each must wait.
      for (let i = 0; i < 5; i++) {
        const r = await t.app.inject({ method: 'POST', url: '/api/v1/follow-up', payload: { receipt: unknown(i) } });
        assert.equal(r.statusCode, 404);
      }
      const refused = await t.app.inject({ method: 'POST', url: '/api/v1/follow-up', payload: { receipt: unknown(9) } });
      assert.equal(refused.statusCode, 429);
      assert.ok(Number(refused.headers['retry-after']) > 0);
      const page = await t.app.inject({
        method: 'POST',
        url: '/ur/follow-up',
        headers: formHeaders,
        payload: formEncode({ receipt: unknown(10) }),
      });
      assert.equal(page.statusCode, 429);
      assert.ok(pageText(page.body).includes('بہت زیادہ کوششیں ہو چکی ہیں'));
      // A typo caught by the check digit costs nothing and is still answered.
      const valid = unknown(11);
      const mistyped = valid.slice(0, 35) + String((Number(valid[35]) + 1) % 10);
      const typo = await t.app.inject({ method: 'POST', url: '/api/v1/follow-up', payload: { receipt: mistyped } });
      assert.equal(typo.statusCode, 400);
    });

    test('reports without proof of work beyond the budget are refused, and the form keeps what was typed', async () => {
      const typed = { language: 'ur', kind: 'abuse', description: 'تیسری رپورٹ', district: 'Sukkur' };
      for (let i = 0; i < 2; i++) {
        const ok = await t.app.inject({
          method: 'POST',
          url: '/ur/report',
          headers: formHeaders,
          payload: formEncode({ ...typed, description: `رپورٹ ${i}` }),
        });
        assert.equal(ok.statusCode, 200);
      }
      const refused = await t.app.inject({ method: 'POST', url: '/ur/report', headers: formHeaders, payload: formEncode(typed) });
      assert.equal(refused.statusCode, 429);
      assert.ok(refused.body.includes('>تیسری رپورٹ</textarea>'), 'the narrative is kept');
      assert.ok(refused.body.includes('value="Sukkur"'));
      assert.ok(pageText(refused.body).includes('براہ کرم انتظار کریں') || pageText(refused.body).includes('بہت زیادہ درخواستیں'));
      assert.equal(await count(t), 2);
    });

    test('a solved proof of work is admitted past the spent budget, once', async () => {
      const { solveChallenge } = await import('altcha-lib');
      const { deriveKey } = await import('altcha-lib/algorithms/sha');
      const challenge = (await t.app.inject('/api/v1/pow-challenge')).json();
      const solution = await solveChallenge({ challenge, deriveKey });
      assert.ok(solution);
      const pow = Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
      const send = () => t.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'x-altcha': pow }, payload: report });
      assert.equal((await send()).statusCode, 201);
      assert.equal((await send()).statusCode, 429, 'a spent solution does not buy a second report');
    });

    test('with the budget spent, a retry of a stored report still gets its receipt; a new report does not', async () => {
      const { solveChallenge } = await import('altcha-lib');
      const { deriveKey } = await import('altcha-lib/algorithms/sha');
      const challenge = (await t.app.inject('/api/v1/pow-challenge')).json();
      const solution = await solveChallenge({ challenge, deriveKey });
      const pow = Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
      const headers = { 'idempotency-key': 'stored-before-refusal-01' };
      const first = await t.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: { ...headers, 'x-altcha': pow },
        payload: report,
      });
      assert.equal(first.statusCode, 201);
      const stored = await count(t);
      // The answer was lost; the app retries without a proof of work, past the spent budget.
      const retry = await t.app.inject({ method: 'POST', url: '/api/v1/reports', headers, payload: report });
      assert.equal(retry.statusCode, 200);
      assert.equal(retry.json().receipt, first.json().receipt);
      const other = await t.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: { 'idempotency-key': 'new-after-refusal-01' },
        payload: report,
      });
      assert.equal(other.statusCode, 429);
      assert.equal(await count(t), stored);
    });
  });

  describe('per-client limits of reports and follow-ups', () => {
    let t: TestApp;
    before(async () => {
      t = await testApp(engine, { budgets: { unverifiedReportsPerHour: 2, followUpsPerTenMinutes: 2 } });
    });
    after(() => t.close());

    test('a client over its limit gets 429 with Retry-After; another client does not', async () => {
      const send = (remoteAddress: string) => t.app.inject({ method: 'POST', url: '/api/v1/reports', remoteAddress, payload: report });
      assert.equal((await send('192.0.2.1')).statusCode, 201);
      assert.equal((await send('192.0.2.1')).statusCode, 201);
      const third = await send('192.0.2.1');
      assert.equal(third.statusCode, 429);
      assert.ok(Number(third.headers['retry-after']) > 0);
      assert.equal((await send('192.0.2.2')).statusCode, 201);
    });

    test('the form over the limit comes back with what was typed', async () => {
      const payload = formEncode({ language: 'en', kind: 'abuse', description: 'kept after limit' });
      for (let i = 0; i < 2; i++) {
        await t.app.inject({ method: 'POST', url: '/en/report', remoteAddress: '192.0.2.9', headers: formHeaders, payload });
      }
      const refused = await t.app.inject({ method: 'POST', url: '/en/report', remoteAddress: '192.0.2.9', headers: formHeaders, payload });
      assert.equal(refused.statusCode, 429);
      assert.ok(refused.body.includes('>kept after limit</textarea>'));
    });

    test("a follow-up over the limit comes back with the receipt typed, in the page's language", async () => {
      const receipt = '1'.repeat(35) + String(dammCheckDigit('1'.repeat(35)));
      const send = () =>
        t.app.inject({
          method: 'POST',
          url: '/ur/follow-up',
          remoteAddress: '192.0.2.30',
          headers: formHeaders,
          payload: formEncode({ receipt }),
        });
      assert.equal((await send()).statusCode, 404);
      assert.equal((await send()).statusCode, 404);
      const refused = await send();
      assert.equal(refused.statusCode, 429);
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.ok(refused.body.includes(`value="${receipt}"`), 'the receipt is kept');
      assert.ok(pageText(refused.body).includes('بہت زیادہ کوششیں ہو چکی ہیں'));
    });
  });
});
