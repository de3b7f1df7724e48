import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { addDataKey, Keyring, keyIdOf, loadOrCreateDataKey, lockKeyFileForRotation, retireOldDataKeys } from './keys.ts';

const keyring = new Keyring(randomBytes(32));
const context = 'reports/00000000-0000-4000-8000-000000000001/sensitive';

function keyFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'hifazat-key-')), 'data.key');
  loadOrCreateDataKey(path, { create: true });
  return path;
}

test('fields round-trip through authenticated encryption, with a fresh IV each time', () => {
  const text = 'ہمسایہ بچی کو تنگ کرتا ہے — mixed text';
  const a = keyring.encrypt(text, 'reports/1/sensitive');
  const b = keyring.encrypt(text, 'reports/1/sensitive');
  assert.notDeepEqual(a, b);
  assert.equal(keyring.decrypt(a, 'reports/1/sensitive'), text);
  assert.ok(!a.includes(Buffer.from('mixed text')));
});

test('a ciphertext moved to another row or column, or altered, does not decrypt', () => {
  const sealed = keyring.encrypt('secret', 'reports/1/contact');
  assert.throws(() => keyring.decrypt(sealed, 'reports/2/contact'));
  assert.throws(() => keyring.decrypt(sealed, 'reports/1/sensitive'));
  const altered = Buffer.from(sealed);
  altered[20]! ^= 1;
  assert.throws(() => keyring.decrypt(altered, 'reports/1/contact'));
  assert.throws(() => new Keyring(randomBytes(32)).decrypt(sealed, 'reports/1/contact'), 'another installation’s key');
});

test('keyed hashes differ by purpose and by key', () => {
  assert.notDeepEqual(keyring.mac('receipt-lookup', 'x'), keyring.mac('url-lookup', 'x'));
  assert.deepEqual(keyring.mac('receipt-lookup', 'x'), keyring.mac('receipt-lookup', 'x'));
  assert.notDeepEqual(new Keyring(randomBytes(32)).mac('receipt-lookup', 'x'), keyring.mac('receipt-lookup', 'x'));
});

// Made by the Keyring before key ids existed, from the key of 32 bytes 7: what every installation stored then.
const fixedKey = Buffer.alloc(32, 7);
const version1Ciphertext = Buffer.from('AT/emuEub9dAInO0J5oeDSBrwW7YAyJoc6nH02RLnUeI3h81fk4Vv6ZgEQMg/K2V', 'base64');

test('version-1 ciphertexts and keyed hashes stored before key ids are read as the original key’s', () => {
  const original = new Keyring(fixedKey);
  assert.equal(keyIdOf(version1Ciphertext), 1);
  assert.equal(original.decrypt(version1Ciphertext, context), 'ہمسایہ — v1');
  assert.equal(original.mac('receipt-lookup', 'x').toString('hex'), '97b416361b4d84b123a48cf5438e2aa9754d2586af9d979f8f5ef16dad2b7aec');
  assert.equal(original.mac('audit-chain', 'x').toString('hex'), 'd9c45cd2671368a3394ea890e0fff2f462f90cc65e018d04fd3f53de6c9cffae');
  // New values are version 2, naming key 1.
  const sealed = original.encrypt('new', context);
  assert.deepEqual([...sealed.subarray(0, 3)], [2, 0, 1]);
  assert.equal(keyIdOf(sealed), 1);
  assert.equal(original.decrypt(sealed, context), 'new');
});

test('the data key file is created once, private, and read back; a damaged one is refused', () => {
  const path = keyFile();
  const created = loadOrCreateDataKey(path, { create: true });
  assert.equal(created.fieldKeys.get(1)!.length, 32);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(loadOrCreateDataKey(path, { create: true }), created);
  assert.equal(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').length, 32, 'one line, until a rotation');
  writeFileSync(path, 'too short');
  assert.throws(() => loadOrCreateDataKey(path, { create: true }), /must hold 32 bytes/);
  writeFileSync(path, 'hifazat-keys 2\nkey 1 ' + randomBytes(32).toString('base64') + '\n');
  assert.throws(() => loadOrCreateDataKey(path, { create: true }), /lacks the subkeys receipt-lookup/);
  assert.throws(() => loadOrCreateDataKey(path + '.missing', { create: false }), /does not exist/);
});

test('a new key seals from then on; the older one still opens; keyed hashes stay the original key’s', () => {
  const path = keyFile();
  chmodSync(path, 0o400);
  const before = Keyring.fromFile(path, { create: false });
  const oldSealed = before.encrypt('old', context);
  const receiptHash = before.mac('receipt-lookup', '123');

  assert.equal(addDataKey(path), 2);
  assert.equal(statSync(path).mode & 0o777, 0o400, 'the file replaced keeps its mode');
  assert.deepEqual(
    readdirSync(join(path, '..')).filter((f) => f.endsWith('.tmp')),
    [],
  );
  assert.match(readFileSync(path, 'utf8'), /^hifazat-keys 2\n/);
  const after = Keyring.fromFile(path, { create: false });
  assert.equal(after.currentKeyId, 2);
  assert.deepEqual(after.keyIds, [1, 2]);
  const newSealed = after.encrypt('new', context);
  assert.deepEqual([...newSealed.subarray(0, 3)], [2, 0, 2]);
  assert.equal(after.decrypt(oldSealed, context), 'old');
  assert.equal(after.decrypt(newSealed, context), 'new');
  assert.deepEqual(after.mac('receipt-lookup', '123'), receiptHash);
});

test('a process meeting an unknown key id reads the key file again; it looks for a new current key every interval', () => {
  const path = keyFile();
  let now = 0;
  const running = Keyring.fromFile(path, { create: false, checkIntervalMs: 3000, now: () => now });
  addDataKey(path);
  const other = Keyring.fromFile(path, { create: false });
  const sealed = other.encrypt('from the other process', context);

  assert.equal(running.currentKeyId, 1, 'within the interval the file is not looked at');
  assert.equal(running.decrypt(sealed, context), 'from the other process', 'an unknown id reloads at once');
  assert.equal(running.currentKeyId, 2);

  const third = addDataKey(path);
  now += 2999;
  assert.equal(running.currentKeyId, 2);
  now += 1;
  assert.equal(running.currentKeyId, third, 'after the interval, a stat finds the new file');
  assert.equal(keyIdOf(running.encrypt('x', context)), third);
});

test('a tampered key id does not decrypt, whether the key exists or not', () => {
  const path = keyFile();
  addDataKey(path);
  const both = Keyring.fromFile(path, { create: false });
  const sealed = both.encrypt('secret', context);
  const toOld = Buffer.from(sealed);
  toOld.writeUInt16BE(1, 1);
  assert.throws(() => both.decrypt(toOld, context), /Unsupported state or unable to authenticate data/);
  const toUnknown = Buffer.from(sealed);
  toUnknown.writeUInt16BE(9, 1);
  assert.throws(() => both.decrypt(toUnknown, context), /encrypted under data key 9, which the key file does not hold/);
  // Stripped to version 1 (the original key's format), the same bytes do not authenticate either.
  const asVersion1 = Buffer.concat([Buffer.of(1), sealed.subarray(3)]);
  assert.throws(() => both.decrypt(asVersion1, context));
  assert.throws(() => both.decrypt(Buffer.concat([Buffer.of(3), sealed.subarray(1)]), context), /Unknown ciphertext format/);
});

test('retiring keeps only the current key, and the file as it was beside it; the old key’s values no longer open', () => {
  const path = keyFile();
  const original = Keyring.fromFile(path, { create: false });
  const oldSealed = original.encrypt('old', context);
  const receiptHash = original.mac('receipt-lookup', '123');
  addDataKey(path);
  const beforeRetiring = readFileSync(path, 'utf8');

  const retired = retireOldDataKeys(path, new Date('2026-12-07T20:00:00Z'));
  assert.equal(retired, `${path}.retired-2026-12-08`, 'named by the date in Pakistan');
  assert.equal(readFileSync(retired, 'utf8'), beforeRetiring);
  assert.equal(statSync(retired).mode & 0o777, 0o600);
  assert.deepEqual([...loadOrCreateDataKey(path, { create: false }).fieldKeys.keys()], [2]);

  const current = Keyring.fromFile(path, { create: false });
  assert.throws(() => current.decrypt(oldSealed, context), /encrypted under data key 1, which the key file does not hold/);
  assert.deepEqual(current.mac('receipt-lookup', '123'), receiptHash, 'receipts are still found');
  assert.equal(new Keyring(loadOrCreateDataKey(retired, { create: false })).decrypt(oldSealed, context), 'old');

  addDataKey(path);
  assert.equal(retireOldDataKeys(path, new Date('2026-12-07T20:00:00Z')), `${path}.retired-2026-12-08-2`, 'a second one the same day');
});

test('one rotation at a time per key file; a lock left by a dead process is taken over', () => {
  const path = keyFile();
  const release = lockKeyFileForRotation(path);
  assert.throws(() => lockKeyFileForRotation(path), /A key rotation is already running/);
  release();
  assert.equal(existsSync(`${path}.rotating`), false);
  writeFileSync(`${path}.rotating`, `${hostname()} 999999999`);
  lockKeyFileForRotation(path)();
});
