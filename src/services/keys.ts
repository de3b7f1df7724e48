import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { keyPurposes, type KeyPurpose } from '../domain/encryption-contexts.ts';
import { HifazatError } from '../domain/errors.ts';
import { pakistanToday } from '../domain/pakistan-time.ts';

const dataKeyBytes = 32;

/** The purposes of the keyed hashes (every subkey but the field encryption's). */
export type LookupPurpose = Exclude<KeyPurpose, 'field-encryption'>;
const lookupPurposes = keyPurposes.filter((purpose): purpose is LookupPurpose => purpose !== 'field-encryption');

/** The id of the key a one-line key file holds, and of every version-1 ciphertext. */
export const originalKeyId = 1;
/** Key ids are two bytes in a ciphertext. */
const maxKeyId = 0xffff;

/**
 * The keys of one installation, as its key file holds them.
 *
 * Field encryption rotates: each ciphertext names the key it was sealed with, the newest key seals,
 * and older ones stay only to read what is not yet re-encrypted (`hifazat key rotate`). The
 * keyed hashes do not rotate: they are kept derived from the original key for good, because none
 * can be recomputed under a new key without its plaintext (receipt codes and recovery codes are
 * never stored, the audit chain must not be rewritten, the URL and client hashes are looked up by
 * value). So a rotation protects the encrypted fields; whoever holds an old key file can still
 * compute the keyed hashes (test a guessed receipt, URL or client address against a copy of the
 * database, or forge an audit chain that verifies), as they always could with that key.
 */
export interface DataKeys {
  /** Field-encryption keys by id: the highest seals, the others only open. */
  fieldKeys: ReadonlyMap<number, Buffer>;
  /** The keyed hashes' subkeys, derived from the original key once and kept after it is retired. */
  lookupKeys: ReadonlyMap<LookupPurpose, Buffer>;
}

/** Every use of a key gets its own subkey (HKDF), so that no two purposes share a key. */
function subkey(key: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `hifazat/${purpose}/v1`, 32));
}

/** The keys of an installation that has only its original key (a one-line key file, or a test's key). */
function originalKeys(key: Buffer): DataKeys {
  return {
    fieldKeys: new Map([[originalKeyId, key]]),
    lookupKeys: new Map(lookupPurposes.map((purpose) => [purpose, subkey(key, purpose)])),
  };
}

export function currentKeyIdOf(keys: DataKeys): number {
  return Math.max(...keys.fieldKeys.keys());
}

/**
 * Reads the data keys, or creates the original key (mode 0600) on first start. There is no
 * default key: a fresh installation gets its own, and losing the file makes the encrypted fields
 * unreadable, so it must be backed up apart from the database. A key file that other users may
 * read (wherever HIFAZAT_KEY_FILE puts it) is made private first; if this process cannot do
 * that, it refuses the key rather than use one others can read.
 */
export function loadOrCreateDataKey(path: string, options: { create: boolean }): DataKeys {
  if (!existsSync(path)) {
    if (!options.create) throw new HifazatError('config_invalid', `Key file ${path} does not exist.`);
    const key = randomBytes(dataKeyBytes);
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, key.toString('base64') + '\n');
    closeSync(fd);
    chmodSync(path, 0o600);
    return originalKeys(key);
  }
  makePrivate(path);
  return parseKeyFile(path, readFileSync(path, 'utf8'));
}

const fileHeader = 'hifazat-keys 2';

/**
 * Two formats. The first, written at installation: one line, the original key in base64. The
 * second, written only by a rotation: a header line, then `lookup PURPOSE BASE64` for each keyed
 * hash's subkey and `key ID BASE64` for each field-encryption key (the highest id seals).
 */
function parseKeyFile(path: string, text: string): DataKeys {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const invalid = (why: string) => new HifazatError('config_invalid', `Key file ${path} ${why}.`);
  const decode = (base64: string | undefined) => {
    const key = Buffer.from(base64 ?? '', 'base64');
    if (key.length !== dataKeyBytes) throw invalid(`must hold ${dataKeyBytes} bytes in base64 for each key`);
    return key;
  };
  if (lines.length === 1 && lines[0] !== fileHeader) return originalKeys(decode(lines[0]));
  if (lines[0] !== fileHeader) throw invalid(`must hold ${dataKeyBytes} bytes in base64, or start with "${fileHeader}"`);
  const fieldKeys = new Map<number, Buffer>();
  const lookupKeys = new Map<LookupPurpose, Buffer>();
  for (const line of lines.slice(1)) {
    const [kind, name, value, ...rest] = line.split(/\s+/);
    if (rest.length) throw invalid(`has a line with more than three words`);
    if (kind === 'key' && /^\d{1,5}$/.test(name ?? '') && Number(name) >= 1 && Number(name) <= maxKeyId) {
      if (fieldKeys.has(Number(name))) throw invalid(`names key ${name} twice`);
      fieldKeys.set(Number(name), decode(value));
    } else if (kind === 'lookup' && lookupPurposes.includes(name as LookupPurpose)) {
      if (lookupKeys.has(name as LookupPurpose)) throw invalid(`names the ${name} subkey twice`);
      lookupKeys.set(name as LookupPurpose, decode(value));
    } else {
      throw invalid(`has a line that is neither "key ID BASE64" (ID from 1 to ${maxKeyId}) nor "lookup PURPOSE BASE64"`);
    }
  }
  if (!fieldKeys.size) throw invalid('holds no key');
  const missing = lookupPurposes.filter((purpose) => !lookupKeys.has(purpose));
  if (missing.length) throw invalid(`lacks the subkeys ${missing.join(', ')}`);
  return { fieldKeys, lookupKeys };
}

function formatKeyFile(keys: DataKeys): string {
  return [
    fileHeader,
    '# Hifazat data keys: keep this file private and backed up apart from the database.',
    '# "key ID": field encryption; the highest ID encrypts, lower ones are only read until `hifazat key rotate` finishes.',
    '# "lookup PURPOSE": the keyed hashes (receipts, URLs, audit chain, ...), derived from the original key and kept for good.',
    ...[...keys.lookupKeys].map(([purpose, key]) => `lookup ${purpose} ${key.toString('base64')}`),
    ...[...keys.fieldKeys].sort(([a], [b]) => a - b).map(([id, key]) => `key ${id} ${key.toString('base64')}`),
    '',
  ].join('\n');
}

/** Takes the group's and others' permissions away (the owner's stay: a 0400 key stays 0400). */
function makePrivate(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  try {
    chmodSync(path, mode & 0o700);
  } catch (error) {
    throw new HifazatError(
      'config_invalid',
      `Key file ${path} is readable by other users (mode ${mode.toString(8)}) and this process cannot change that (${(error as NodeJS.ErrnoException).code}). Make it belong to the user that runs Hifazat, with mode 0600 or 0400.`,
    );
  }
}

/**
 * Replaces the key file at once: the new text goes to a private temporary file beside it (same
 * owner and mode as the file it replaces, so a key file given to the service's user stays theirs
 * and a 0400 one stays 0400), which is flushed and renamed over it. A process reading the key file
 * meanwhile sees the old file or the new one, never half of one; a crash leaves the old one.
 */
function replaceKeyFile(path: string, keys: DataKeys): void {
  const before = statSync(path);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, formatKeyFile(keys));
    if (before.uid !== process.getuid?.() || before.gid !== process.getgid?.()) {
      try {
        fchownSync(fd, before.uid, before.gid);
      } catch (error) {
        throw new HifazatError(
          'config_invalid',
          `Key file ${path} belongs to another user (${before.uid}:${before.gid}) and this process cannot give the new key file to them (${(error as NodeJS.ErrnoException).code}). Run the command as the user that owns the key file.`,
        );
      }
    }
    fchmodSync(fd, before.mode & 0o700);
    fsyncSync(fd);
    closeSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temporary);
    throw error;
  }
  renameSync(temporary, path);
  const directory = openSync(dirname(path), 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

/**
 * Adds a new field-encryption key to the key file (a one-line file becomes the second format,
 * with the original key's lookup subkeys written out) and returns its id: from now on it seals.
 */
export function addDataKey(path: string): number {
  const keys = loadOrCreateDataKey(path, { create: false });
  const id = currentKeyIdOf(keys) + 1;
  if (id > maxKeyId) throw new HifazatError('config_invalid', `Key file ${path} has used every key id.`);
  replaceKeyFile(path, { ...keys, fieldKeys: new Map([...keys.fieldKeys, [id, randomBytes(dataKeyBytes)]]) });
  return id;
}

/**
 * Removes every field-encryption key but the current one from the key file, once nothing is
 * sealed with them. The file as it was stays beside it as `<keyfile>.retired-<date>` (a hard
 * link to it, or a copy where links are not possible): the only key to the old keys' data in
 * backups taken before the rotation. Returns its path.
 */
export function retireOldDataKeys(path: string, now: Date = new Date()): string {
  const keys = loadOrCreateDataKey(path, { create: false });
  const current = currentKeyIdOf(keys);
  let retired = `${path}.retired-${pakistanToday(now)}`;
  for (let n = 2; existsSync(retired); n++) retired = `${path}.retired-${pakistanToday(now)}-${n}`;
  try {
    linkSync(path, retired);
  } catch {
    copyFileSync(path, retired, constants.COPYFILE_EXCL);
    chmodSync(retired, 0o600);
  }
  replaceKeyFile(path, { ...keys, fieldKeys: new Map([[current, keys.fieldKeys.get(current)!]]) });
  return retired;
}

/**
 * One rotation at a time per key file: a file created exclusively beside it, holding the host and
 * PID of the rotation. One left by a process of this host that no longer runs is taken over.
 */
export function lockKeyFileForRotation(path: string): () => void {
  const lock = `${path}.rotating`;
  const owner = `${hostname()} ${process.pid}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, owner);
      closeSync(fd);
      return () => {
        if (existsSync(lock) && readFileSync(lock, 'utf8') === owner) unlinkSync(lock);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const [host, pid] = readFileSync(lock, 'utf8').split(' ');
      if (host !== hostname() || isRunning(Number(pid))) {
        throw new HifazatError(
          'invalid_state',
          `A key rotation is already running (${lock}: host ${host}, process ${pid}). If it is not, delete that file and run the command again.`,
        );
      }
      unlinkSync(lock);
    }
  }
  throw new HifazatError('invalid_state', `Could not take ${lock}.`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Version 1: [1][iv][body][tag], sealed with the original key. Version 2: [2][key id, 2 bytes][iv][body][tag]. */
const version1 = 1;
const version2 = 2;
const ivBytes = 12;
const tagBytes = 16;
const version2HeaderBytes = 3;

/** The id of the key a ciphertext was sealed with (store/key-rotation.ts reads it the same way in SQL). */
export function keyIdOf(sealed: Buffer): number {
  if (sealed[0] === version1) return originalKeyId;
  if (sealed[0] === version2 && sealed.length >= version2HeaderBytes) return sealed.readUInt16BE(1);
  throw new HifazatError('internal', 'Unknown ciphertext format.');
}

/** How often a Keyring reading a key file looks (one stat) for a new current key. */
export const keyFileCheckIntervalMs = 3_000;

/** What identifies one version of the key file: the rename that replaces it gives a new inode. */
const fingerprintOf = (stats: Stats) => `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;

/**
 * Authenticated encryption of sensitive fields (AES-256-GCM) and keyed lookups (HMAC-SHA256).
 * The associated data binds a ciphertext to its row and column, so a value copied into
 * another row or column fails to decrypt instead of being shown in the wrong place; in version 2
 * it binds the key id too.
 *
 * A Keyring made from the key file follows it while the process runs, so that a rotation started
 * elsewhere (`hifazat key rotate`, another process) reaches it: a ciphertext under a key id it does
 * not know makes it read the file again at once, and it looks for a new current key at least
 * every `checkIntervalMs` (one stat) before it encrypts, so new values go under the new key.
 */
export class Keyring {
  #fieldKeys = new Map<number, Buffer>();
  #lookupKeys: ReadonlyMap<LookupPurpose, Buffer> = new Map();
  #current = originalKeyId;
  readonly #file: { path: string; fingerprint: string; checkedAt: number } | undefined;
  readonly #now: () => number;
  /** How often, at most, the key file is looked at for a new current key (one stat). */
  readonly checkIntervalMs: number;

  /** A key (a test's, or an installation's original key) or the keys of a key file; with `file` (fromFile), following it. */
  constructor(
    keys: Buffer | DataKeys,
    file?: { path: string; fingerprint: string },
    options: { checkIntervalMs?: number; now?: () => number } = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.checkIntervalMs = options.checkIntervalMs ?? keyFileCheckIntervalMs;
    this.#use(Buffer.isBuffer(keys) ? originalKeys(keys) : keys);
    this.#file = file && { ...file, checkedAt: this.#now() };
  }

  /** The Keyring of a key file (created on first start if `create`), following the file while it runs. */
  static fromFile(path: string, options: { create: boolean; checkIntervalMs?: number; now?: () => number }): Keyring {
    if (options.create) loadOrCreateDataKey(path, options);
    // The file's identity before its content: a replacement in between is seen at the next check.
    const fingerprint = fingerprintOf(statSync(path));
    return new Keyring(loadOrCreateDataKey(path, { create: false }), { path, fingerprint }, options);
  }

  #use(keys: DataKeys): void {
    this.#fieldKeys = new Map([...keys.fieldKeys].map(([id, key]) => [id, subkey(key, 'field-encryption')]));
    this.#lookupKeys = keys.lookupKeys;
    this.#current = currentKeyIdOf(keys);
  }

  /** Reads the key file again now (after a rotation changed it, or on meeting an unknown key id). */
  reload(): void {
    if (!this.#file) return;
    const fingerprint = fingerprintOf(statSync(this.#file.path));
    this.#use(loadOrCreateDataKey(this.#file.path, { create: false }));
    this.#file.fingerprint = fingerprint;
    this.#file.checkedAt = this.#now();
  }

  /**
   * Reads the key file again if it changed, at most once per interval. A file that cannot be read
   * meanwhile (an operator replacing it by hand) leaves the keys as they were until a later check.
   */
  #follow(): void {
    if (!this.#file || this.#now() - this.#file.checkedAt < this.checkIntervalMs) return;
    this.#file.checkedAt = this.#now();
    try {
      if (fingerprintOf(statSync(this.#file.path)) !== this.#file.fingerprint) this.reload();
    } catch {
      // Kept as they were: see above.
    }
  }

  /** The key file this Keyring follows (undefined for fixed keys). */
  get file(): string | undefined {
    return this.#file?.path;
  }

  /** The id of the key that seals new values. */
  get currentKeyId(): number {
    this.#follow();
    return this.#current;
  }

  /** The ids of every key this Keyring can open, oldest first. */
  get keyIds(): number[] {
    return [...this.#fieldKeys.keys()].sort((a, b) => a - b);
  }

  encrypt(plaintext: string, context: string): Buffer {
    const id = this.currentKeyId;
    const header = Buffer.alloc(version2HeaderBytes);
    header[0] = version2;
    header.writeUInt16BE(id, 1);
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.#fieldKeys.get(id)!, iv);
    cipher.setAAD(Buffer.concat([header, Buffer.from(context)]));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([header, iv, body, cipher.getAuthTag()]);
  }

  decrypt(sealed: Buffer, context: string): string {
    const headerBytes = sealed[0] === version1 ? 1 : version2HeaderBytes;
    if (sealed.length < headerBytes + ivBytes + tagBytes) throw new HifazatError('internal', 'Unknown ciphertext format.');
    const id = keyIdOf(sealed);
    // A key retired elsewhere is dropped here too within the interval; one not known yet is looked for at once.
    this.#follow();
    if (!this.#fieldKeys.has(id)) this.reload();
    const key = this.#fieldKeys.get(id);
    if (!key) {
      throw new HifazatError(
        'internal',
        `This value is encrypted under data key ${id}, which the key file does not hold (retired by a key rotation, or another installation's).`,
      );
    }
    const header = sealed.subarray(0, headerBytes);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(headerBytes, headerBytes + ivBytes));
    // Version 1 bound only the context; version 2 binds its header (the key id) too.
    decipher.setAAD(sealed[0] === version1 ? Buffer.from(context) : Buffer.concat([header, Buffer.from(context)]));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    return Buffer.concat([decipher.update(sealed.subarray(headerBytes + ivBytes, sealed.length - tagBytes)), decipher.final()]).toString(
      'utf8',
    );
  }

  /** A keyed hash: always under the original key's subkeys (see DataKeys), whatever key seals. */
  mac(purpose: LookupPurpose, value: string): Buffer {
    return createHmac('sha256', this.#lookupKeys.get(purpose)!).update(value).digest();
  }
}
