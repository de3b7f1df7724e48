import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { loadConfig } from '../../src/config.ts';
import { openStorage } from '../../src/main.ts';
import { loadOrCreateDataKey } from '../../src/services/keys.ts';
import { scratchDatabase } from '../helpers/postgres.ts';
import { eq, sql } from 'drizzle-orm';
import { reports } from '../../src/store/schema.ts';
import { testApp, type TestApp, testClient } from '../helpers/app.ts';
import { forEachEngine } from '../helpers/database.ts';
import { createStaff } from '../helpers/staff.ts';
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
  // Not on the district list: kept only encrypted (migration 0010).
  district: 'SECRET-DISTRICT Chak 42 گاؤں',
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
        province: 'punjab',
        district: secrets.district,
        contact: { name: secrets.name, phone: secrets.phone, email: secrets.email, consent: true },
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    receipt = created.json().receipt;
    const [row] = await t.database.db
      .select({ id: reports.id })
      .from(reports)
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    await t.services.followUp.addStaffMessage(row!.id, secrets.staffMessage);
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
      for (const probe of [value, value.replace(/\s/g, '').slice(0, 12)]) {
        assert.ok(!dump.includes(probe), `${what} found in plain text in the database dump (${probe})`);
      }
    }
    // After the exact values, so that a failure names the secret found.
    assert.ok(!dump.includes('SECRET'), 'a SECRET marker found in plain text in the database dump');
  });

  test('the decrypted report is still what was sent', async () => {
    const view = await t.services.followUp.view(receipt, testClient);
    assert.deepEqual(
      view.messages.map((m) => m.body),
      [secrets.staffMessage, secrets.reporterMessage],
    );
    const [row] = await t.database.db
      .select({ id: reports.id })
      .from(reports)
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    const report = await t.services.cases.viewReport(await createStaff(t.database, 'analyst'), row!.id);
    assert.equal(report.district, secrets.district, 'staff read the typed district');
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
    // In no address: no link or form action on the page carries it (the check form posts it in its body).
    assert.ok(!new RegExp(`(href|action)="/[^"]*${shown}`).test(response.body), 'receipt in a link');
  });
});

/** Every entry under `dir` (itself included) with its permission bits, symbolic links not followed. */
function modesUnder(dir: string): Map<string, { mode: number; directory: boolean }> {
  const found = new Map<string, { mode: number; directory: boolean }>();
  const visit = (path: string) => {
    const stat = lstatSync(path);
    found.set(path, { mode: stat.mode & 0o7777, directory: stat.isDirectory() });
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return found;
}

function assertPrivate(dir: string, when: string): Map<string, { mode: number; directory: boolean }> {
  const modes = modesUnder(dir);
  const open = [...modes].filter(([, { mode, directory }]) => mode !== (directory ? 0o700 : 0o600));
  assert.deepEqual(
    open.map(([path, { mode }]) => `${path.slice(dir.length) || '/'} ${mode.toString(8)}`),
    [],
    `${when}: not 0700/0600`,
  );
  return modes;
}

forEachEngine('the data directory', (engine) => {
  test('a DATA_DIR made 0755 beforehand becomes 0700, and everything in it 0600, at start, after work and after stop', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hifazat-data-dir-'));
    const dataDir = join(root, 'data');
    // What an operator might leave: a world-readable directory, a file and a subdirectory in it.
    mkdirSync(join(dataDir, 'notes'), { recursive: true });
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'notes'), 0o755);
    writeFileSync(join(dataDir, 'README.txt'), 'left by the operator\n');
    chmodSync(join(dataDir, 'README.txt'), 0o644);
    writeFileSync(join(dataDir, 'notes', 'todo.txt'), 'x\n');
    chmodSync(join(dataDir, 'notes', 'todo.txt'), 0o666);
    const scratch =
      engine === 'postgres'
        ? await scratchDatabase(
            process.env.TEST_DATABASE_URL!,
            process.env.HIFAZAT_TEST_PG_TEMPLATE ?? 'hifazat_test_adhoc',
            process.env.HIFAZAT_TEST_PG_TEMPLATE,
          )
        : undefined;
    const config = loadConfig({ DATA_DIR: dataDir, ...(scratch ? { DATABASE_URL: scratch.url } : {}) });
    try {
      // A fresh PGlite (its own initdb, in the directory as the operator left it).
      let storage = await openStorage(config);
      const atStart = assertPrivate(dataDir, 'at start');
      assert.ok(atStart.has(join(dataDir, 'data.key')), 'the key file');
      if (engine === 'pglite') {
        assert.ok(atStart.has(join(dataDir, 'control.secret')), 'the control channel’s secret');
        const pgliteFiles = [...atStart.keys()].filter((path) => path.startsWith(join(dataDir, 'pglite')));
        assert.ok(pgliteFiles.length > 100, `files PGlite wrote (${pgliteFiles.length})`);
      }

      // Files created later, while it runs: new tables and indexes, WAL, a checkpoint.
      await storage.database.db.execute(sql`CREATE TABLE mode_probe (x text)`);
      await storage.database.db.execute(sql`INSERT INTO mode_probe SELECT repeat('x', 500) FROM generate_series(1, 5000)`);
      await storage.database.db.execute(sql`CREATE INDEX ON mode_probe (x)`);
      await storage.database.db.execute(sql`CHECKPOINT`);
      // And anything else the process writes there, with no mode of its own (the umask).
      writeFileSync(join(dataDir, 'export.csv'), 'a,b\n');
      mkdirSync(join(dataDir, 'exports'));
      const later = assertPrivate(dataDir, 'after work');
      if (engine === 'pglite')
        assert.ok(
          [...later.keys()].some((path) => !atStart.has(path)),
          'the work created files',
        );
      await storage.close();
      assertPrivate(dataDir, 'after stop');

      // A second start (PGlite rewrites its relation-cache files, with a mode of its own).
      storage = await openStorage(config);
      assertPrivate(dataDir, 'at the second start');
      await storage.close();
    } finally {
      await scratch?.drop();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

test('a key file kept elsewhere (HIFAZAT_KEY_FILE) that others can read is made private when read', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hifazat-key-'));
  try {
    const keyFile = join(root, 'hifazat.key');
    const key = loadOrCreateDataKey(keyFile, { create: true });
    chmodSync(keyFile, 0o644);
    assert.deepEqual(loadOrCreateDataKey(keyFile, { create: false }), key);
    assert.equal(lstatSync(keyFile).mode & 0o777, 0o600);
    chmodSync(keyFile, 0o440);
    loadOrCreateDataKey(keyFile, { create: false });
    assert.equal(lstatSync(keyFile).mode & 0o777, 0o400, "the owner's own permissions stay");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
