import { westernDigits } from './text.ts';

/**
 * The receipt is the reporter's only key to a report: 19 random decimal digits (63.1 bits) plus
 * one Damm check digit, shown as five groups of four like a phone number, so that a person can
 * copy it by hand, read it over the phone and type it on any keypad in Urdu or English. Online
 * guessing is what the length must withstand, and the per-client throttles bound it; the database
 * holds only a keyed hash under the data key, whose holder can read the reports anyway (ADR 0007).
 * Receipts issued before were 35 random digits and a check digit; they still parse, and find their
 * report because the keyed hash is of the digits alone. The check digit catches every single-digit
 * typo and adjacent swap before it costs the person one of their throttled attempts.
 */
export const receiptRandomDigits = 19;
/** log2(10^19) ≈ 63.1: the figure ADR 0007 reasons with. */
export const receiptEntropyBits = receiptRandomDigits * Math.log2(10);
/** Digits of a receipt as the reporter types it: the random ones and the check digit. */
export const receiptLength = receiptRandomDigits + 1;
/** Digits of a receipt issued before ADR 0007 (35 random digits and the check digit). */
export const legacyReceiptLength = 36;

/** The digits a receipt's last group has, which the receipt page may ask the person to type back. */
const groupLength = 4;

// Damm's totally anti-symmetric quasigroup of order 10.
const dammTable = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
] as const;

export function dammCheckDigit(digits: string): number {
  let interim = 0;
  for (const ch of digits) interim = dammTable[interim]![ch.charCodeAt(0) - 48]!;
  return interim;
}

/** Uniform random decimal digits from the platform CSPRNG, by rejection sampling. */
function randomDigits(count: number): string {
  let out = '';
  const buffer = new Uint8Array(64);
  while (out.length < count) {
    crypto.getRandomValues(buffer);
    for (const byte of buffer) {
      if (byte < 250 && out.length < count) out += String(byte % 10);
    }
  }
  return out;
}

/** The canonical form: 20 digits, no separators. */
export function newReceipt(): string {
  const body = randomDigits(receiptRandomDigits);
  return body + String(dammCheckDigit(body));
}

/** Groups of four digits: five for a receipt, nine for one issued before ADR 0007. */
export function formatReceipt(canonical: string): string {
  return canonical.replace(/(\d{4})(?=\d)/g, '$1 ');
}

export type ReceiptParse = { receipt: string } | { problem: 'receipt_format' | 'receipt_mistyped' };

/**
 * A receipt as people type it (spaces, dashes, Urdu or Arabic-Indic digits) → its canonical digits.
 * Both lengths are accepted: a 20-digit receipt, or a 36-digit one issued before ADR 0007.
 */
export function parseReceipt(input: string): ReceiptParse {
  const digits = westernDigits(input).replace(/[\s\-–.]/g, '');
  if (!/^\d+$/.test(digits) || (digits.length !== receiptLength && digits.length !== legacyReceiptLength)) {
    return { problem: 'receipt_format' };
  }
  return dammCheckDigit(digits) === 0 ? { receipt: digits } : { problem: 'receipt_mistyped' };
}

/** The last group of four digits as shown (the check digit is its last digit). */
export function receiptLastGroup(canonical: string): string {
  return canonical.slice(-groupLength);
}

/** Whether `typed` (in any digits, spaces anywhere) is the receipt's last group: the person kept the code. */
export function confirmsLastGroup(canonical: string, typed: string): boolean {
  return westernDigits(typed).replace(/\s/g, '') === receiptLastGroup(canonical);
}
