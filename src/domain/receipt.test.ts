import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  confirmsLastGroup,
  dammCheckDigit,
  formatReceipt,
  legacyReceiptLength,
  newReceipt,
  parseReceipt,
  receiptEntropyBits,
  receiptLastGroup,
  receiptLength,
  receiptRandomDigits,
} from './receipt.ts';

const withCheckDigit = (body: string) => body + String(dammCheckDigit(body));
const urduDigits = (text: string) => text.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
const arabicIndicDigits = (text: string) => text.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));

test('a new receipt is 20 digits, 19 random and a check digit that validates', () => {
  assert.equal(receiptLength, 20);
  assert.equal(receiptRandomDigits, 19);
  const receipt = newReceipt();
  assert.match(receipt, /^\d{20}$/);
  assert.equal(dammCheckDigit(receipt), 0);
  assert.deepEqual(parseReceipt(receipt), { receipt });
});

test('the entropy is the 63.1 bits ADR 0007 reasons with, and the ADR says so', () => {
  assert.equal(receiptEntropyBits.toFixed(1), '63.1');
  assert.ok(Math.abs(receiptEntropyBits - Math.log2(1e19)) < 1e-9, '10^19 receipts');
  const adr = readFileSync(new URL('../../docs/adr/0007-short-receipts.md', import.meta.url), 'utf8');
  assert.ok(adr.includes(`${receiptEntropyBits.toFixed(1)} bits`), 'ADR 0007 states the entropy');
  assert.ok(adr.includes(`${receiptLength} digits`), 'ADR 0007 states the length');
});

test('a receipt is shown as five groups of four digits, an older one as nine', () => {
  assert.equal(formatReceipt('12345678901234567890'), '1234 5678 9012 3456 7890');
  assert.equal(formatReceipt('123456789012345678901234567890123456'), '1234 5678 9012 3456 7890 1234 5678 9012 3456');
});

test('spaces, dashes, Urdu and Arabic-Indic digits are accepted as typed', () => {
  const receipt = newReceipt();
  assert.deepEqual(parseReceipt(formatReceipt(urduDigits(receipt))), { receipt });
  assert.deepEqual(parseReceipt(arabicIndicDigits(receipt)), { receipt });
  assert.deepEqual(parseReceipt(` ${formatReceipt(receipt).replace(/ /g, '-')} `), { receipt });
});

test('a 36-digit receipt issued before ADR 0007 still parses to its digits', () => {
  assert.equal(legacyReceiptLength, 36);
  const legacy = withCheckDigit('3'.repeat(10) + '1234567890123456789012345');
  assert.equal(legacy.length, 36);
  assert.deepEqual(parseReceipt(legacy), { receipt: legacy });
  assert.deepEqual(parseReceipt(formatReceipt(urduDigits(legacy))), { receipt: legacy });
  const mistyped = legacy.slice(0, 35) + String((Number(legacy[35]) + 1) % 10);
  assert.deepEqual(parseReceipt(mistyped), { problem: 'receipt_mistyped' });
});

test('wrong length or letters are a format problem', () => {
  for (const length of [19, 21, 35, 37]) {
    assert.deepEqual(parseReceipt(withCheckDigit('7'.repeat(length - 1))), { problem: 'receipt_format' }, `${length} digits`);
  }
  assert.deepEqual(parseReceipt('1234'), { problem: 'receipt_format' });
  assert.deepEqual(parseReceipt('x'.repeat(20)), { problem: 'receipt_format' });
  assert.deepEqual(parseReceipt(''), { problem: 'receipt_format' });
});

test('every single-digit typo and adjacent swap of a 20-digit receipt is caught by the check digit', () => {
  const body = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: receiptRandomDigits, maxLength: receiptRandomDigits });
  fc.assert(
    fc.property(body, (digits) => {
      const receipt = withCheckDigit(digits.join(''));
      for (let position = 0; position < receipt.length; position++) {
        for (let delta = 1; delta <= 9; delta++) {
          const typo = [...receipt];
          typo[position] = String((Number(typo[position]) + delta) % 10);
          assert.deepEqual(parseReceipt(typo.join('')), { problem: 'receipt_mistyped' }, `typo at ${position}`);
        }
      }
      for (let at = 0; at + 1 < receipt.length; at++) {
        if (receipt[at] === receipt[at + 1]) continue;
        const swapped = [...receipt];
        [swapped[at], swapped[at + 1]] = [swapped[at + 1]!, swapped[at]!];
        assert.deepEqual(parseReceipt(swapped.join('')), { problem: 'receipt_mistyped' }, `swap at ${at}`);
      }
    }),
  );
});

test('the random digits are uniform, at every position (no modulo bias, no digit stuck)', () => {
  const receipts = 20_000;
  const counts = Array.from({ length: receiptRandomDigits }, () => new Array<number>(10).fill(0));
  for (let i = 0; i < receipts; i++) {
    const receipt = newReceipt();
    for (let position = 0; position < receiptRandomDigits; position++) counts[position]![Number(receipt[position])]!++;
  }
  const chiSquare = (cells: number[], expected: number) => cells.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
  // Loose bounds (chance of a false alarm about one in a million), far below what a bias gives:
  // byte % 10 without rejection gives about 140 over all digits.
  const digitTotals = counts.reduce((totals, row) => totals.map((t, d) => t + row[d]!));
  const overall = chiSquare(digitTotals, (receipts * receiptRandomDigits) / 10);
  assert.ok(overall < 45, `chi-square ${overall.toFixed(1)} (9 degrees of freedom) for ${digitTotals.join(',')}`);
  const byPosition = chiSquare(counts.flat(), receipts / 10);
  assert.ok(byPosition < 280, `chi-square ${byPosition.toFixed(1)} (171 degrees of freedom) over digit and position`);
});

test('typing back the last group confirms the receipt was kept, in any digits, spaces ignored', () => {
  const receipt = '12345678901234567891';
  assert.deepEqual(parseReceipt(receipt), { receipt });
  assert.equal(receiptLastGroup(receipt), '7891');
  assert.equal(confirmsLastGroup(receipt, '7891'), true);
  assert.equal(confirmsLastGroup(receipt, ' ۷۸ ۹۱ '), true);
  assert.equal(confirmsLastGroup(receipt, arabicIndicDigits('7891')), true);
  for (const wrong of ['', '789', '78910', '7892', '1234', '7-891', formatReceipt(receipt)]) {
    assert.equal(confirmsLastGroup(receipt, wrong), false, `"${wrong}" refused`);
  }
});

test('the Damm check digit of a known sequence', () => {
  // Worked example from the algorithm's description: 572 → check digit 4.
  assert.equal(dammCheckDigit('572'), 4);
});
