import { westernDigits } from './text.ts';

/**
 * The receipt is the reporter's only key to a report: 35 random decimal digits (116.3 bits,
 * above the 112 required) plus one Damm check digit, shown as nine groups of four. Digits
 * can be written down, read over the phone and typed on any keypad in Urdu or English. The
 * check digit catches every single-digit typo and adjacent swap before it costs the person
 * one of their throttled attempts.
 */
export const receiptRandomDigits = 35;
export const receiptEntropyBits = receiptRandomDigits * Math.log2(10);
/** Digits of a receipt as the reporter types it: the random ones and the check digit. */
export const receiptLength = receiptRandomDigits + 1;

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

/** The canonical form: 36 digits, no separators. */
export function newReceipt(): string {
  const body = randomDigits(receiptRandomDigits);
  return body + String(dammCheckDigit(body));
}

export function formatReceipt(canonical: string): string {
  return canonical.replace(/(\d{4})(?=\d)/g, '$1 ');
}

export type ReceiptParse = { receipt: string } | { problem: 'receipt_format' | 'receipt_mistyped' };

/** Accepts spaces, dashes and Urdu digits as people type them. */
export function parseReceipt(input: string): ReceiptParse {
  const digits = westernDigits(input).replace(/[\s\-–.]/g, '');
  if (!/^\d+$/.test(digits) || digits.length !== receiptLength) {
    return { problem: 'receipt_format' };
  }
  return dammCheckDigit(digits) === 0 ? { receipt: digits } : { problem: 'receipt_mistyped' };
}
