import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { normaliseUrl } from '../../src/domain/url.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { testApp, testClient, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff } from '../helpers/console.ts';
import { forEachEngine, type Engine } from '../helpers/database.ts';

/**
 * Searching by link reads no narrative: every statement the database receives while the console
 * answers a link search is captured (at the driver: pg's Client.query, PGlite's query and exec), and
 * the Keyring's decrypt is watched. No statement selects an encrypted column (a narrative, a site, a
 * contact, a typed district, a link's ciphertext, a message, a note), nothing is decrypted, and the
 * link is never a parameter in any form: only its keyed hash is.
 */

interface Statement {
  text: string;
  params: unknown[];
}

/** Captures every statement sent to the database until `stop`. */
function captureStatements(engine: Engine): { statements: Statement[]; stop(): void } {
  const statements: Statement[] = [];
  const patch = (owner: object, name: string, toStatement: (args: unknown[]) => Statement) => {
    const original = (owner as Record<string, (...args: unknown[]) => unknown>)[name]!;
    (owner as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      statements.push(toStatement(args));
      return original.apply(this, args);
    };
    return () => void ((owner as Record<string, unknown>)[name] = original);
  };
  let restore: (() => void)[];
  if (engine === 'postgres') {
    restore = [
      patch(pg.Client.prototype, 'query', ([config, values]) =>
        typeof config === 'string'
          ? { text: config, params: (values as unknown[]) ?? [] }
          : {
              text: (config as { text: string }).text,
              params: (config as { values?: unknown[] }).values ?? (values as unknown[]) ?? [],
            },
      ),
    ];
  } else {
    let owner: object = PGlite.prototype;
    while (!Object.hasOwn(owner, 'query')) owner = Object.getPrototypeOf(owner) as object;
    restore = [
      patch(owner, 'query', ([text, params]) => ({ text: text as string, params: (params as unknown[]) ?? [] })),
      patch(owner, 'exec', ([text]) => ({ text: text as string, params: [] })),
    ];
  }
  return { statements, stop: () => restore.forEach((r) => r()) };
}

/**
 * What reporters and staff wrote about a case, encrypted: a report's narrative and site, its contact
 * details and typed district, a link's ciphertext, a message, a note, a referral's notes. (The
 * session's own read of the signed-in account is not about a case and is left out.)
 */
const caseContent =
  /"(reports|matching_report)"\."(sensitive|contact|district_typed)"|"(report_urls"\.)?"url"|"(body|notes)"|\b(sensitive|district_typed)\b/i;

forEachEngine('a link search reads no narrative', (engine) => {
  let t: TestApp;
  let browser: Browser;
  const link = 'https://secret-place.example.net/abuse/page?id=7';

  before(async () => {
    t = await testApp(engine);
    const input = reportInputSchema(pakistanToday()).parse({
      kind: 'online_material',
      language: 'en',
      description: 'What the reporter wrote about the child.',
      province: 'punjab',
      urls: [link],
      contact: { consent: true, phone: '03001234567' },
    });
    await t.services.reports.submit(input, { source: 'api', client: testClient });
    const supervisor = await enrolStaff(t, 'supervisor');
    browser = new Browser(t);
    await browser.signIn(supervisor);
  });
  after(() => t.close());

  test('the statements select no encrypted column, nothing is decrypted, and only the keyed hash is sent', async () => {
    const decrypted: string[] = [];
    const decrypt = t.keyring.decrypt.bind(t.keyring);
    t.keyring.decrypt = (sealed: Buffer, context: string) => {
      decrypted.push(context);
      return decrypt(sealed, context);
    };
    // The form's token is read first, so that only the search is captured.
    const csrf = (await browser.csrfToken('/console/en/'))!;
    const capture = captureStatements(engine);
    let found;
    try {
      found = await browser.post(
        '/console/en/find-link',
        { link: ' hxxps://SECRET-place.example[.]net/abuse/page?id=7 ', _csrf: csrf },
        { csrf: false },
      );
    } finally {
      capture.stop();
      t.keyring.decrypt = decrypt;
    }
    assert.equal(found.statusCode, 200);
    assert.match(found.body, /HZ-\d{4}-\d{6}/, 'the case is found');
    assert.ok(capture.statements.length > 0, 'statements were captured');
    const selects = capture.statements.filter((s) => /\bselect\b/i.test(s.text));
    assert.ok(selects.length > 0);
    for (const s of selects) assert.doesNotMatch(s.text, caseContent, s.text);
    assert.deepEqual(decrypted, [], 'nothing decrypted');

    const keyedHash = t.keyring.mac('url-lookup', (normaliseUrl(link) as { url: string }).url);
    const asBytes = (p: unknown) =>
      p instanceof Uint8Array ? Buffer.from(p) : typeof p === 'string' && p.startsWith('\\x') ? Buffer.from(p.slice(2), 'hex') : null;
    assert.ok(
      capture.statements.some((s) => s.params.some((p) => asBytes(p)?.equals(keyedHash))),
      'the keyed hash is a parameter',
    );
    const everyParam = JSON.stringify(capture.statements.map((s) => s.params)).toLowerCase();
    for (const piece of ['secret-place', 'example', 'abuse/page']) assert.ok(!everyParam.includes(piece), piece);
    for (const s of capture.statements) assert.ok(!s.text.toLowerCase().includes('secret-place'));
  });
});
