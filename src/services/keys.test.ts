import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Keyring, loadOrCreateDataKey } from './keys.ts';

const keyring = new Keyring(randomBytes(32));

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

test('the data key file is created once, private, and read back; a damaged one is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hifazat-key-'));
  const path = join(dir, 'data.key');
  const created = loadOrCreateDataKey(path, { create: true });
  assert.equal(created.length, 32);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(loadOrCreateDataKey(path, { create: true }), created);
  assert.equal(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').length, 32);
  writeFileSync(path, 'too short');
  assert.throws(() => loadOrCreateDataKey(path, { create: true }), /must hold 32 bytes/);
  assert.throws(() => loadOrCreateDataKey(join(dir, 'missing.key'), { create: false }), /does not exist/);
});
