import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { passwordMaxLength, passwordMinLength } from '../domain/staff.ts';

/**
 * argon2id with 64 MiB and three passes: above OWASP's minimum (19 MiB, t=2) while a sign-in
 * stays well under a quarter of a second on a 2-core server (see docs/ARCHITECTURE.md).
 */
// Algorithm is a const enum, which isolated modules cannot read: 2 is its Argon2id.
const argon2id = 2 as Algorithm;
const argon2Options = { algorithm: argon2id, memoryCost: 65_536, timeCost: 3, parallelism: 1 };

/** The 49,000 most common passwords (zxcvbn's list), plus what anyone would try against Hifazat. */
const commonPasswords = new Set<string>([
  ...(dictionary['passwords-common'] as string[]),
  'hifazathifazat',
  'pakistan123456',
  'pakistanzindabad',
  'islamabad12345',
  'karachi123456',
  'lahore12345678',
]);

export type PasswordProblem = 'password_too_short' | 'password_too_long' | 'password_common';

/** NIST SP 800-63B rules: a minimum length, no composition rules, not a known common password. */
export function passwordProblem(password: string, email: string): PasswordProblem | undefined {
  const length = [...password].length;
  if (length < passwordMinLength) return 'password_too_short';
  if (length > passwordMaxLength) return 'password_too_long';
  const folded = password.toLowerCase();
  const localPart = email.toLowerCase().split('@')[0] ?? '';
  if (
    commonPasswords.has(folded) ||
    commonPasswords.has(folded.replace(/\d+$/, '')) ||
    (localPart.length >= 4 && folded.includes(localPart))
  ) {
    return 'password_common';
  }
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Options);
}

// Verified against when the account does not exist, so that timing does not tell which emails are staff.
let decoy: Promise<string> | undefined;

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    decoy ??= hashPassword('decoy password that matches nothing');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
