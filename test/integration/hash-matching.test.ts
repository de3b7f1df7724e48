import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { Hash256 } from '../../src/pdq/hash256.ts';
import { ApiKeys, apiKeyScopeCacheMs, HashBanks, MatchIndex } from '../../src/services/hash-banks.ts';
import { createServices } from '../../src/services/index.ts';
import { hashBankEntries } from '../../src/store/schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { forEachEngine, testDatabase } from '../helpers/database.ts';
import type { Database } from '../../src/store/database.ts';

/** A benign test picture: smooth colour gradients with a few shapes, different per seed. */
async function picture(seed: number, size = 256): Promise<Buffer> {
  const pixels = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const ring = Math.hypot(x - size * ((seed % 5) / 5 + 0.1), y - size / 2) < size / (3 + (seed % 3)) ? 90 : 0;
      pixels[i] = (x * (seed + 1) + ring) % 256;
      pixels[i + 1] = (y * 2 + seed * 40) % 256;
      pixels[i + 2] = ((x + y) * (seed % 4 + 1)) % 256;
    }
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

/** Flips `bits` bits of a 64-hex-digit hash. */
function nearby(hex: string, bits: number): string {
  const digits = [...hex];
  for (let b = 0; b < bits; b++) digits[b * 3] = (Number.parseInt(digits[b * 3]!, 16) ^ 1).toString(16);
  return digits.join('');
}

forEachEngine('hash banks and the matching API', (engine) => {
  let t: TestApp;
  let key: string;
  let otherKey: string;
  let image: Buffer;
  let pdq: string;

  before(async () => {
    t = await testApp(engine);
    image = await picture(1);
    pdq = (await t.app.inject({ method: 'POST', url: '/api/v1/hash', headers: { 'content-type': 'image/png', authorization: `Bearer ${(key = (await t.services.apiKeys.create('platform', ['test', 'verified'])).secret)}` }, payload: image })).json().pdq;
    otherKey = (await t.services.apiKeys.create('other', ['self-reported'])).secret;
  });
  after(() => t.close());

  const api = (url: string, payload: unknown, secret: string | null = key, type = 'application/json') =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': type, ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
      payload: payload as string,
    });

  test('hashing an image gives PDQ, quality, MD5 and SHA-256; non-images and truncated files are refused', async () => {
    assert.match(pdq, /^[0-9a-f]{64}$/);
    const response = await api('/api/v1/hash?dihedral=true', image, key, 'image/png');
    const body = response.json();
    assert.equal(body.quality >= 50, true);
    assert.match(body.md5, /^[0-9a-f]{32}$/);
    assert.match(body.sha256, /^[0-9a-f]{64}$/);
    assert.equal(Object.keys(body.pdqDihedral).length, 8);
    assert.equal((await api('/api/v1/hash', Buffer.from('not an image at all'), key, 'image/png')).statusCode, 422);
    assert.equal((await api('/api/v1/hash', image.subarray(0, image.length / 2), key, 'image/png')).statusCode, 422);
    assert.equal((await api('/api/v1/hash', image, null, 'image/png')).statusCode, 401);
    assert.equal((await api('/api/v1/hash', image, 'hz_wrong', 'image/png')).statusCode, 401);
  });

  test('bank files in three layouts import with precise problems, and export round-trips', async () => {
    const csv = [
      'signal_type,signal,quality,label,source',
      `pdq,${pdq},100,test picture 1,unit test`,
      `md5,${'a'.repeat(32)},,an md5,unit test`,
      'pdq,nothex,100,bad,unit test',
      `pdq,${'b'.repeat(64)},,no quality,unit test`,
      `sha256,${'c'.repeat(64)},,"a label, with a comma",unit test`,
    ].join('\n');
    const result = await t.services.banks.import('test', csv);
    assert.equal(result.layout, 'hifazat');
    assert.equal(result.added, 3);
    assert.deepEqual(result.problems.map((p) => p.line), [4, 5]);
    const again = await t.services.banks.import('test', csv);
    assert.equal(again.added, 0);
    assert.equal(again.alreadyPresent, 3);

    const te = await t.services.banks.import('verified', `pdq ${'d'.repeat(64)}\nmd5 ${'e'.repeat(32)}\nsha256 short\n`, 'threatexchange file');
    assert.equal(te.layout, 'threatexchange');
    assert.equal(te.added, 2);
    assert.deepEqual(te.problems, [{ line: 3, problem: 'not a valid sha256 signal' }]);
    const tool = await t.services.banks.import('verified', `${'f'.repeat(64)},87,photo.jpg\n`);
    assert.equal(tool.layout, 'pdq-tool');
    assert.equal(tool.added, 1);

    const exported = await t.services.banks.export('test');
    assert.ok(exported.startsWith('signal_type,signal,quality,label,source\r\n'));
    assert.ok(exported.includes('"a label, with a comma"'));
    const roundTrip = await t.services.banks.import('self-reported', exported);
    assert.equal(roundTrip.added, 3);
    assert.deepEqual(roundTrip.problems, []);
  });

  test('matching by hash, near-duplicate, image and dihedral variant, within the key’s banks only', async () => {
    const exact = (await api('/api/v1/match', { pdq })).json();
    assert.equal(exact.matches.length, 1);
    assert.equal(exact.matches[0].bank, 'test');
    assert.equal(exact.matches[0].label, 'test picture 1');
    assert.equal(exact.matches[0].distance, 0);

    const near = (await api('/api/v1/match', { pdq: nearby(pdq, 12) })).json();
    assert.equal(near.matches[0]?.distance, 12);
    assert.equal((await api('/api/v1/match', { pdq: nearby(pdq, 12), distance: 10 })).json().matches.length, 0);

    const byImage = (await api('/api/v1/match', image, key, 'image/png')).json();
    assert.equal(byImage.signals.pdq, pdq);
    assert.equal(byImage.matches.some((m: { label: string }) => m.label === 'test picture 1'), true);

    // A photograph (the PDQ test bridge, BSD-licensed, in test/fixtures) and its rotation.
    const bridge = await readFile(new URL('../fixtures/pdq/bridge-mods__square-256x256.png', import.meta.url));
    const bridgePdq = (await api('/api/v1/hash', bridge, key, 'image/png')).json().pdq as string;
    await t.services.banks.add('verified', { signal: { type: 'pdq', value: bridgePdq }, quality: 100, label: 'bridge', source: null });
    const rotated = await sharp(bridge).rotate(90).png().toBuffer();
    const rotatedPdq = (await api('/api/v1/hash', rotated, key, 'image/png')).json().pdq as string;
    assert.equal((await api('/api/v1/match', { pdq: rotatedPdq })).json().matches.length, 0, 'the rotated hash alone is far from the original');
    const byRotated = (await api('/api/v1/match', rotated, key, 'image/png')).json();
    const found = byRotated.matches.find((m: { label: string }) => m.label === 'bridge');
    assert.ok(found && found.distance <= 31, 'a rotated copy matches through its dihedral variants');

    assert.equal((await api('/api/v1/match', { md5: 'A'.repeat(32) })).json().matches[0]?.signalType, 'md5');
    // The other key reaches only 'self-reported', where the round trip put the same hashes.
    const other = (await api('/api/v1/match', { pdq }, otherKey)).json();
    assert.deepEqual(other.matches.map((m: { bank: string }) => m.bank), ['self-reported']);
    assert.equal((await api('/api/v1/match', {})).statusCode, 400);
    assert.equal((await api('/api/v1/match', { pdq: 'xyz' })).statusCode, 400);
  });

  test('bulk matching takes up to 1,000 hashes', async () => {
    const queries = Array.from({ length: 1000 }, (_, i) => (i === 500 ? { pdq } : { md5: i.toString(16).padStart(32, '0') }));
    const response = await api('/api/v1/match/bulk', { queries });
    assert.equal(response.statusCode, 200);
    const results = response.json().results as { index: number; matches: unknown[] }[];
    assert.equal(results.length, 1000);
    assert.deepEqual(results.filter((r) => r.matches.length > 0).map((r) => r.index), [500]);
    assert.equal((await api('/api/v1/match/bulk', { queries: [...queries, { pdq }] })).statusCode, 400);
  });

  test('a confirmed false positive disables the entry; an unconfirmed one is only recorded', async () => {
    const [match] = (await api('/api/v1/match', { pdq })).json().matches;
    const unconfirmed = await api('/api/v1/match/feedback', { entryId: match.entryId, verdict: 'false_positive' });
    assert.equal(unconfirmed.statusCode, 201);
    assert.equal(unconfirmed.json().entryDisabled, false);
    assert.equal((await api('/api/v1/match', { pdq })).json().matches.length, 1);
    const confirmed = await api('/api/v1/match/feedback', { entryId: match.entryId, verdict: 'false_positive', confirmed: true });
    assert.equal(confirmed.json().entryDisabled, true);
    assert.equal((await api('/api/v1/match', { pdq })).json().matches.length, 0, 'no longer matched');
    assert.ok(!(await t.services.banks.export('test')).includes(pdq), 'and not exported');
    assert.equal((await api('/api/v1/match/feedback', { entryId: match.entryId, verdict: 'true_positive' }, otherKey)).statusCode, 404, 'a key cannot touch banks it does not reach');
  });

  test('entries added through another instance reach this one’s index', async () => {
    const elsewhere = createServices(t.database, t.keyring);
    const fresh = await picture(7);
    const freshPdq = (await api('/api/v1/hash', fresh, key, 'image/png')).json().pdq;
    await elsewhere.banks.add('verified', { signal: { type: 'pdq', value: freshPdq }, quality: 100, label: 'added elsewhere', source: null });
    assert.equal((await api('/api/v1/match', { pdq: freshPdq })).json().matches.length, 0, 'not yet synchronised');
    await t.services.matchIndex.refresh();
    assert.equal((await api('/api/v1/match', { pdq: freshPdq })).json().matches[0]?.label, 'added elsewhere');
  });

  test('a key’s scope is kept for a few seconds: revoked in another process it stops working within them, revoked here at once', async () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const clock = () => new Date(now);
    const here = new ApiKeys(t.database, t.services.banks, clock);
    const otherProcess = new ApiKeys(t.database, t.services.banks, clock);
    const testBank = await t.services.banks.byName('test');

    const revokedElsewhere = await here.create('revoked elsewhere', ['test']);
    assert.deepEqual((await here.authenticate(revokedElsewhere.secret))?.bankIds, [testBank.id]);
    await otherProcess.revoke(revokedElsewhere.id);
    assert.equal(await otherProcess.authenticate(revokedElsewhere.secret), undefined);
    now += apiKeyScopeCacheMs - 1;
    assert.equal((await here.authenticate(revokedElsewhere.secret))?.id, revokedElsewhere.id, 'still in this process’s memory');
    now += 1;
    assert.equal(await here.authenticate(revokedElsewhere.secret), undefined, 'refused once the scope is due to be checked again');

    const revokedHere = await here.create('revoked here', ['test']);
    assert.ok(await here.authenticate(revokedHere.secret));
    await here.revoke(revokedHere.id);
    assert.equal(await here.authenticate(revokedHere.secret), undefined);

    const kept = await here.create('kept', ['test']);
    assert.ok(await here.authenticate(kept.secret));
    const wrong = `${kept.secret.slice(0, -2)}${kept.secret.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal(await here.authenticate(wrong), undefined, 'a wrong key is refused, also next to a cached one');
    assert.equal(await here.authenticate(undefined), undefined);
  });

  test('matches are described from memory, and a changed entry is described afresh after the refresh that sees it', async () => {
    const hex = 'ab'.repeat(32);
    const id = (await t.services.banks.add('test', { signal: { type: 'pdq', value: hex }, quality: 90, label: 'before', source: null }))!;
    const describe = async () => (await t.services.matchIndex.describe([id])).get(id);
    assert.deepEqual(await describe(), { id, bank: 'test', label: 'before', signal: hex, signalType: 'pdq', quality: 90 });
    // Nothing in Hifazat relabels an entry; one changed with SQL must bump changed_at, as every change does.
    await t.database.db.update(hashBankEntries).set({ label: 'after', changedAt: sql`clock_timestamp()` }).where(eq(hashBankEntries.id, id));
    assert.equal((await describe())?.label, 'before', 'kept in memory until the index sees the change');
    await t.services.matchIndex.refresh();
    assert.equal((await describe())?.label, 'after');
    assert.equal((await api('/api/v1/match', { pdq: hex })).json().matches[0]?.label, 'after');
  });
});

forEachEngine('loading the match index', (engine) => {
  /**
   * Inserts 60,000 entries (more than a page of 50,000) in one SQL statement, so that they change
   * within the same second; every 7th disabled, every 10th below the quality that is indexed.
   * Returns the rows, those an index must hold, and a check that `index` finds near-duplicates
   * of entries from both pages exactly as a brute-force scan does.
   */
  async function insertBulk(database: Database, bankId: string) {
    await database.db.execute(sql`
      INSERT INTO hash_bank_entries (bank_id, signal_type, signal, quality, disabled_at)
      SELECT ${bankId}, 'pdq', md5(i::text) || md5((-i)::text), CASE WHEN i % 10 = 0 THEN 40 ELSE 100 END, CASE WHEN i % 7 = 0 THEN now() END
      FROM generate_series(1, 60000) AS i`);
    const rows = await database.db
      .select({ id: hashBankEntries.id, signal: hashBankEntries.signal, quality: hashBankEntries.quality, disabledAt: hashBankEntries.disabledAt })
      .from(hashBankEntries);
    const indexed = rows.filter((row) => row.disabledAt === null && row.quality! >= 50).map((row) => ({ entryId: row.id, hash: Hash256.fromHex(row.signal) }));
    const findsAsBruteForce = async (index: MatchIndex) => {
      assert.equal(index.size, indexed.length);
      for (let q = 0; q < 200; q++) {
        const query = nearby(rows[(q * 331) % rows.length]!.signal, q % 22);
        const queryHash = Hash256.fromHex(query);
        const expected = indexed.filter((e) => e.hash.distanceTo(queryHash) <= 31).map((e) => ({ entryId: e.entryId, distance: e.hash.distanceTo(queryHash) }));
        assert.deepEqual(await index.match({ pdq: [query] }, { bankIds: [bankId] }), expected);
      }
    };
    return findsAsBruteForce;
  }

  test('more entries than a page of 50,000 load, and are found as a brute-force scan finds them', async () => {
    const database = await testDatabase(engine);
    try {
      const banks = new HashBanks(database);
      const findsAsBruteForce = await insertBulk(database, await banks.create('bulk'));
      const index = new MatchIndex(banks);
      await index.ensureLoaded();
      await findsAsBruteForce(index);
    } finally {
      await database.close();
    }
  });

  test('one refresh catches up with more than a page of entries changed within the same second (an import in another process)', async () => {
    const database = await testDatabase(engine);
    try {
      const banks = new HashBanks(database);
      const bankId = await banks.create('bulk');
      const index = new MatchIndex(banks);
      await index.ensureLoaded();
      const findsAsBruteForce = await insertBulk(database, bankId);
      await index.refresh();
      await findsAsBruteForce(index);
      await index.refresh();
      await findsAsBruteForce(index);
    } finally {
      await database.close();
    }
  });
});

test('hifazat hash, bank import/export, match and apikey from the command line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hifazat-signals-'));
  try {
    const images = join(dir, 'images');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(images);
    writeFileSync(join(images, 'a.png'), await picture(2));
    writeFileSync(join(images, 'b.png'), await picture(3));
    writeFileSync(join(images, 'notes.txt'), 'not an image');
    const bin = new URL('../../bin/hifazat.mjs', import.meta.url).pathname;
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' }, encoding: 'utf8' });

    const hashed = run('hash', images);
    assert.equal(hashed.status, 1, 'a non-image makes the exit code non-zero');
    const lines = hashed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; pdq: string; quality: number });
    assert.deepEqual(lines.map((l) => l.file.split('/').pop()), ['a.png', 'b.png']);
    assert.match(hashed.stderr, /notes\.txt: .+/);

    const csv = join(dir, 'bank.csv');
    writeFileSync(csv, `signal_type,signal,quality,label,source\n${lines.map((l) => `pdq,${l.pdq},${l.quality},${l.file.split('/').pop()},cli test`).join('\n')}\npdq,zz,1,bad,x\n`);
    const imported = run('bank', 'import', 'test', csv);
    assert.equal(imported.status, 1, 'a refused line makes the exit code non-zero');
    assert.match(imported.stdout, /2 added/);
    assert.match(imported.stderr, /bank\.csv:4: /);
    assert.match(run('bank', 'list').stdout, /^test\t2 entries/m);
    assert.equal(run('bank', 'export', 'test').stdout.trim().split('\n').length, 3);
    const matched = run('match', '--bank', 'test', join(images, 'b.png'), lines[0]!.pdq);
    assert.equal(matched.status, 0, matched.stderr);
    const results = matched.stdout.trim().split('\n').map((l) => JSON.parse(l) as { matches: { label: string; distance: number }[] });
    assert.equal(results[0]!.matches[0]!.label, 'b.png');
    assert.equal(results[1]!.matches[0]!.label, 'a.png');
    const created = run('apikey', 'create', '--name', 'a platform', '--banks', 'test');
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /^hz_[A-Za-z0-9_-]{43}$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
