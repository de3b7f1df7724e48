import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import type { KeyPurpose } from '../domain/encryption-contexts.ts';
import { HifazatError } from '../domain/errors.ts';

const dataKeyBytes = 32;

/**
 * Reads the 256-bit data key, or creates it (mode 0600) on first start. There is no default
 * key: a fresh installation gets its own, and losing the file makes the encrypted fields
 * unreadable, so it must be backed up apart from the database. A key file that other users may
 * read (wherever HIFAZAT_KEY_FILE puts it) is made private first; if this process cannot do
 * that, it refuses the key rather than use one others can read.
 */
export function loadOrCreateDataKey(path: string, options: { create: boolean }): Buffer {
  if (!existsSync(path)) {
    if (!options.create) throw new HifazatError('config_invalid', `Key file ${path} does not exist.`);
    const key = randomBytes(dataKeyBytes);
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, key.toString('base64') + '\n');
    closeSync(fd);
    chmodSync(path, 0o600);
    return key;
  }
  makePrivate(path);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== dataKeyBytes) {
    throw new HifazatError('config_invalid', `Key file ${path} must hold ${dataKeyBytes} bytes in base64.`);
  }
  return key;
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

const formatVersion = 1;
const ivBytes = 12;
const tagBytes = 16;

/**
 * Authenticated encryption of sensitive fields (AES-256-GCM) and keyed lookups (HMAC-SHA256).
 * The associated data binds a ciphertext to its row and column, so a value copied into
 * another row or column fails to decrypt instead of being shown in the wrong place.
 */
export class Keyring {
  readonly #encryptionKey: Buffer;
  readonly #macKeys = new Map<KeyPurpose, Buffer>();

  constructor(readonly dataKey: Buffer) {
    this.#encryptionKey = this.#subkey('field-encryption');
  }

  /** Every use of the data key gets its own subkey, so that no two purposes share a key. */
  #subkey(purpose: KeyPurpose): Buffer {
    return Buffer.from(hkdfSync('sha256', this.dataKey, Buffer.alloc(0), `hifazat/${purpose}/v1`, 32));
  }

  encrypt(plaintext: string, context: string): Buffer {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.#encryptionKey, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(formatVersion), iv, body, cipher.getAuthTag()]);
  }

  decrypt(sealed: Buffer, context: string): string {
    if (sealed[0] !== formatVersion || sealed.length < 1 + ivBytes + tagBytes) {
      throw new HifazatError('internal', 'Unknown ciphertext format.');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#encryptionKey, sealed.subarray(1, 1 + ivBytes));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    return Buffer.concat([decipher.update(sealed.subarray(1 + ivBytes, sealed.length - tagBytes)), decipher.final()]).toString('utf8');
  }

  mac(purpose: Exclude<KeyPurpose, 'field-encryption'>, value: string): Buffer {
    let key = this.#macKeys.get(purpose);
    if (!key) {
      key = this.#subkey(purpose);
      this.#macKeys.set(purpose, key);
    }
    return createHmac('sha256', key).update(value).digest();
  }
}
