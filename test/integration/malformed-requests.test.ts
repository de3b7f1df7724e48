import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { reports } from '../../src/store/schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { forEachEngine } from '../helpers/database.ts';

interface Case {
  name: string;
  method?: 'POST' | 'GET' | 'PUT' | 'DELETE';
  url: string;
  contentType?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** The status expected; every case is a 4xx. */
  status: number;
}

const valid = { kind: 'abuse', language: 'en', description: 'He follows her from school.' };
const json = (value: unknown) => JSON.stringify(value);
const api = (name: string, body: unknown, status = 400): Case => ({
  name,
  url: '/api/v1/reports',
  contentType: 'application/json',
  body: typeof body === 'string' ? body : json(body),
  status,
});
const form = (name: string, body: string, status = 400, lang = 'en'): Case => ({
  name,
  url: `/${lang}/report`,
  contentType: 'application/x-www-form-urlencoded',
  body,
  status,
});

const cases: Case[] = [
  // JSON API: shape and syntax
  api('empty JSON object', {}),
  api('JSON array', [valid]),
  api('JSON string', '"report"'),
  api('JSON null', 'null'),
  api('truncated JSON', '{"kind":"abuse",'),
  api('trailing garbage', `${json(valid)}x`),
  api('empty body', ''),
  api('missing kind', { language: 'en', description: 'x' }),
  api('unknown kind', { ...valid, kind: 'gossip' }),
  api('missing language', { kind: 'abuse', description: 'x' }),
  api('unsupported language', { ...valid, language: 'fr' }),
  api('abuse without description', { kind: 'abuse', language: 'en' }),
  api('online material without URLs', { kind: 'online_material', language: 'en' }),
  api('URLs not an array', { kind: 'online_material', language: 'en', urls: 'https://example.com' }),
  api('URL is a number', { kind: 'online_material', language: 'en', urls: [42] }),
  api('javascript: URL', { kind: 'online_material', language: 'en', urls: ['javascript:alert(1)'] }),
  api('data: URL', { kind: 'online_material', language: 'en', urls: ['data:text/html,hi'] }),
  api('ftp URL', { kind: 'online_material', language: 'en', urls: ['ftp://example.com/a'] }),
  api('21 distinct URLs', { kind: 'online_material', language: 'en', urls: Array.from({ length: 21 }, (_, i) => `https://e.example/${i}`) }),
  api('URL over 2048 characters', { kind: 'online_material', language: 'en', urls: [`https://example.com/${'a'.repeat(2100)}`] }),
  api('description too long', { ...valid, description: 'x'.repeat(10_001) }),
  api('description with NUL', { ...valid, description: 'a\u0000b' }),
  api('description with escape character', { ...valid, description: 'a\u001b[31mb' }),
  api('description with C1 control', { ...valid, description: 'a\u0085b' }),
  api('description is a number', { ...valid, description: 7 }),
  api('site too long', { ...valid, site: 's'.repeat(201) }),
  api('date in the future', { ...valid, occurredOn: '2999-01-01' }),
  api('impossible date', { ...valid, occurredOn: '2024-02-30' }),
  api('date in another format', { ...valid, occurredOn: '01/02/2024' }),
  api('unknown province', { ...valid, province: 'karachi' }),
  api('unknown age band', { ...valid, childAgeBand: '16-18' }),
  api('unknown sex', { ...valid, childSex: 'x' }),
  api('unknown relationship', { ...valid, abuserRelationship: 'uncle' }),
  api('unknown place', { ...valid, place: 'moon' }),
  api('unknown police status', { ...valid, policeStatus: 'maybe' }),
  api('inDangerNow as a string', { ...valid, inDangerNow: 'yes' }),
  api('unknown top-level field', { ...valid, ip: '203.0.113.9' }),
  api('prototype pollution attempt', '{"kind":"abuse","language":"en","description":"x","__proto__":{"admin":true}}'),
  api('unknown contact field', { ...valid, contact: { consent: true, phone: '03001234567', twitter: '@x' } }),
  api('contact without consent', { ...valid, contact: { phone: '03001234567' } }),
  api('contact consent without a way to reach', { ...valid, contact: { consent: true } }),
  api('bad phone number', { ...valid, contact: { consent: true, phone: 'call me maybe' } }),
  api('bad email', { ...valid, contact: { consent: true, email: 'not-an-email' } }),
  api('contact not an object', { ...valid, contact: 'me' }),
  { name: 'invalid UTF-8 in JSON', url: '/api/v1/reports', contentType: 'application/json', body: Buffer.concat([Buffer.from('{"kind":"abuse","language":"en","description":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), status: 400 },
  { name: 'body over the size limit', url: '/api/v1/reports', contentType: 'application/json', body: json({ ...valid, description: 'x'.repeat(300_000) }), status: 413 },
  { name: 'XML body', url: '/api/v1/reports', contentType: 'application/xml', body: '<report/>', status: 415 },
  { name: 'text body', url: '/api/v1/reports', contentType: 'text/plain', body: json(valid), status: 415 },
  { name: 'form body to the JSON API', url: '/api/v1/reports', contentType: 'application/x-www-form-urlencoded', body: 'kind=abuse&language=en&description=x', status: 415 },
  { name: 'multipart body', url: '/api/v1/reports', contentType: 'multipart/form-data; boundary=x', body: '--x\r\n\r\n--x--', status: 415 },
  { name: 'bad Idempotency-Key', url: '/api/v1/reports', contentType: 'application/json', body: json(valid), headers: { 'idempotency-key': 'short' }, status: 400 },
  { name: 'GET on the reports endpoint', method: 'GET', url: '/api/v1/reports', status: 404 },
  { name: 'PUT on the reports endpoint', method: 'PUT', url: '/api/v1/reports', contentType: 'application/json', body: json(valid), status: 404 },
  // HTML form
  form('form without kind', 'language=en&description=x'),
  form('form with an unknown field', 'language=en&kind=abuse&description=x&admin=1'),
  form('form with a broken percent escape', 'language=en&kind=abuse&description=%E0%A4%A'),
  form('form with percent-encoded invalid UTF-8', 'language=en&kind=abuse&description=%C3%28'),
  form('form with a NUL character', 'language=en&kind=abuse&description=a%00b'),
  form('form with kind repeated', 'language=en&kind=abuse&kind=online_material&description=x'),
  form('form in Urdu with a bad date', 'language=ur&kind=abuse&description=x&occurredOn=2024-13-01', 400, 'ur'),
  form('form with a __proto__ field', 'language=en&kind=abuse&description=x&__proto__=1'),
  { name: 'form with raw invalid UTF-8', url: '/en/report', contentType: 'application/x-www-form-urlencoded', body: Buffer.concat([Buffer.from('language=en&kind=abuse&description='), Buffer.from([0xff, 0xfe])]), status: 400 },
  { name: 'form posted as JSON', url: '/en/report', contentType: 'application/json', body: json(valid), status: 415 },
  { name: 'form posted as text', url: '/en/report', contentType: 'text/plain', body: 'kind=abuse', status: 415 },
  { name: 'form over the size limit', url: '/en/report', contentType: 'application/x-www-form-urlencoded', body: `language=en&kind=abuse&description=${'x'.repeat(300_000)}`, status: 413 },
  // Follow-up
  { name: 'follow-up without receipt', url: '/api/v1/follow-up', contentType: 'application/json', body: '{}', status: 400 },
  { name: 'follow-up with a short receipt', url: '/api/v1/follow-up', contentType: 'application/json', body: json({ receipt: '1234' }), status: 400 },
  { name: 'follow-up with letters', url: '/api/v1/follow-up', contentType: 'application/json', body: json({ receipt: 'abcd'.repeat(9) }), status: 400 },
  { name: 'follow-up with an extra field', url: '/api/v1/follow-up', contentType: 'application/json', body: json({ receipt: '1'.repeat(36), x: 1 }), status: 400 },
  { name: 'message without body', url: '/api/v1/follow-up/messages', contentType: 'application/json', body: json({ receipt: '1'.repeat(36) }), status: 400 },
  { name: 'follow-up form with an unknown field', url: '/en/follow-up', contentType: 'application/x-www-form-urlencoded', body: 'receipt=1&x=2', status: 400 },
  { name: 'unknown API path', method: 'GET', url: '/api/v1/nothing', status: 404 },
  { name: 'unknown page', method: 'GET', url: '/ur/nothing', status: 404 },
  { name: 'unknown language', method: 'GET', url: '/fr/report', status: 404 },
];

forEachEngine('malformed requests', (engine) => {
  let t: TestApp;
  before(async () => {
    t = await testApp(engine);
  });
  after(() => t.close());

  test(`there are at least 50 cases (${cases.length})`, () => assert.ok(cases.length >= 50));

  for (const c of cases) {
    test(`${c.name} → ${c.status}`, async () => {
      const response = await t.app.inject({
        method: c.method ?? 'POST',
        url: c.url,
        headers: { ...(c.contentType ? { 'content-type': c.contentType } : {}), ...c.headers },
        ...(c.body === undefined ? {} : { payload: c.body }),
      });
      assert.equal(response.statusCode, c.status, response.body.slice(0, 300));
      if (c.url.startsWith('/api/')) {
        const body = response.json() as { errors?: { field: string; message: string }[]; error?: { code: string } };
        assert.ok(body.errors?.every((e) => e.field !== undefined && e.message) || body.error?.code, 'a clear error body');
      } else {
        assert.match(String(response.headers['content-type']), /text\/html/);
      }
    });
  }

  test('nothing was stored by any of them', async () => {
    assert.equal((await t.database.db.select().from(reports)).length, 0);
  });
});
