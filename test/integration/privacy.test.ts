import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import { reports } from '../../src/store/schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { forEachEngine } from '../helpers/database.ts';
import { formEncode, formHeaders, receiptFromPage } from '../helpers/forms.ts';

const secrets = {
  description: 'SECRET-NARRATIVE ہمسایہ بچی کو روز تنگ کرتا ہے',
  url: 'https://secret-host.example/secret-path',
  site: 'SECRET-SITE-NAME',
  name: 'SECRET-NAME Ayesha',
  phone: '0300 7654321',
  email: 'secret.person@example.org',
  reporterMessage: 'SECRET-REPLY the video is still up',
  staffMessage: 'SECRET-QUESTION which group was it',
};

forEachEngine('privacy', (engine) => {
  let t: TestApp & { database: { url?: string } };
  let receipt: string;

  before(async () => {
    t = await testApp(engine);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      remoteAddress: '203.0.113.77',
      headers: { 'user-agent': 'MarkerAgent/9.9', 'x-forwarded-for': '198.51.100.23' },
      payload: {
        kind: 'online_material',
        language: 'ur',
        urls: [secrets.url],
        site: secrets.site,
        description: secrets.description,
        contact: { name: secrets.name, phone: secrets.phone, email: secrets.email, consent: true },
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    receipt = created.json().receipt;
    const [row] = await t.database.db.select({ id: reports.id }).from(reports).where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    await t.services.reports.addStaffMessage(row!.id, secrets.staffMessage);
    const reply = await t.app.inject({
      method: 'POST',
      url: '/en/follow-up/reply',
      remoteAddress: '203.0.113.77',
      headers: { ...formHeaders, 'user-agent': 'MarkerAgent/9.9' },
      payload: formEncode({ receipt, body: secrets.reporterMessage }),
    });
    assert.equal(reply.statusCode, 200);
  });
  after(() => t.close());

  test('a dump of the database holds no narrative, link, contact detail, message or receipt in plain text', async () => {
    let dump: string;
    if (engine === 'pglite') {
      // The raw data directory, WAL included: what a stolen disk would show.
      const tarball = Buffer.from(await (await t.database.dumpDataDir!()).arrayBuffer());
      dump = gunzipSync(tarball).toString('latin1') + gunzipSync(tarball).toString('utf8');
    } else {
      dump = execFileSync('pg_dump', ['--data-only', t.database.url!], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.ok(dump.includes('COPY public.reports'), 'the dump has the reports table');
    }
    // Control: text stored in the clear (the district list) is visible in this dump.
    assert.ok(dump.includes('Toba Tek Singh'), 'the dump shows plain text at all');
    for (const [what, value] of Object.entries({ ...secrets, receipt })) {
      for (const probe of [value, value.replace(/\s/g, '').slice(0, 12), 'SECRET']) {
        assert.ok(!dump.includes(probe), `${what} found in plain text in the database dump (${probe})`);
      }
    }
  });

  test('the decrypted report is still what was sent', async () => {
    const view = await t.services.reports.followUp(receipt);
    assert.deepEqual(view.messages.map((m) => m.body), [secrets.staffMessage, secrets.reporterMessage]);
  });

  test('logs carry no IP address, user agent, receipt or body', () => {
    const logs = t.logs.join('');
    assert.ok(logs.length > 0, 'requests were logged');
    for (const value of ['203.0.113.77', '198.51.100.23', 'MarkerAgent', receipt, 'SECRET', 'user-agent', 'remoteAddress', secrets.phone]) {
      assert.ok(!logs.includes(value), `logs contain ${value}`);
    }
  });

  test('pages set a strict CSP with no third-party source, no referrer, no caching and no cookie', async () => {
    for (const [method, url, payload] of [
      ['GET', '/ur/report', undefined],
      ['GET', '/en/', undefined],
      ['POST', '/en/report', formEncode({ language: 'en', kind: 'abuse', description: 'privacy header check' })],
      ['POST', '/en/follow-up', formEncode({ receipt })],
    ] as const) {
      const response = await t.app.inject({ method, url, ...(payload ? { payload, headers: formHeaders } : {}) });
      assert.ok(response.statusCode < 400, `${method} ${url}: ${response.statusCode}`);
      const csp = String(response.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.ok(!/https?:|\*/.test(csp), `CSP names another origin: ${csp}`);
      assert.equal(response.headers['referrer-policy'], 'no-referrer');
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.equal(response.headers['set-cookie'], undefined, `${url} sets a cookie`);
      assert.ok(!/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//.test(response.body), `${url} loads something from another host`);
    }
  });

  test('the receipt page offers a neutral note to save, and never puts the receipt in a URL', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/ur/report',
      headers: formHeaders,
      payload: formEncode({ language: 'ur', kind: 'abuse', description: 'رسید کی جانچ' }),
    });
    const shown = receiptFromPage(response.body);
    const note = /download="note.txt" href="data:text\/plain;charset=utf-8,([^"]+)"/.exec(response.body);
    assert.ok(note, 'a note to save');
    const text = decodeURIComponent(note[1]!);
    assert.ok(text.includes(shown.replace(/(\d{4})(?=\d)/g, '$1 ')));
    assert.ok(!/حفاظت|Hifazat|abuse|زیادتی|child|بچ/.test(text), `the note says what the site is: ${text}`);
    assert.ok(!/href="\/[^"]*\d{36}/.test(response.body), 'receipt in a link');
  });
});
