import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dammCheckDigit, formatReceipt, newReceipt, parseReceipt, receiptEntropyBits } from './receipt.ts';

test('a receipt carries at least 112 bits of entropy', () => {
  assert.ok(receiptEntropyBits >= 112, `only ${receiptEntropyBits} bits`);
});

test('a new receipt is 36 digits whose check digit validates', () => {
  const receipt = newReceipt();
  assert.match(receipt, /^\d{36}$/);
  assert.deepEqual(parseReceipt(receipt), { receipt });
});

test('receipts are shown as nine groups of four digits', () => {
  assert.equal(formatReceipt('123456789012345678901234567890123456'), '1234 5678 9012 3456 7890 1234 5678 9012 3456');
});

test('spaces, dashes and Urdu digits are accepted as typed', () => {
  const receipt = newReceipt();
  const urdu = receipt.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
  assert.deepEqual(parseReceipt(formatReceipt(urdu)), { receipt });
  assert.deepEqual(parseReceipt(` ${formatReceipt(receipt).replace(/ /g, '-')} `), { receipt });
});

test('wrong length or letters are a format problem', () => {
  assert.deepEqual(parseReceipt('1234'), { problem: 'receipt_format' });
  assert.deepEqual(parseReceipt('x'.repeat(36)), { problem: 'receipt_format' });
  assert.deepEqual(parseReceipt(''), { problem: 'receipt_format' });
});

test('every single-digit typo and adjacent swap is caught by the check digit', () => {
  fc.assert(
    fc.property(fc.nat(34), fc.integer({ min: 1, max: 9 }), fc.nat(34), (position, delta, swapAt) => {
      const receipt = newReceipt();
      const digits = [...receipt];
      digits[position] = String((Number(digits[position]) + delta) % 10);
      assert.deepEqual(parseReceipt(digits.join('')), { problem: 'receipt_mistyped' });
      const swapped = [...receipt];
      if (swapped[swapAt] !== swapped[swapAt + 1]) {
        [swapped[swapAt], swapped[swapAt + 1]] = [swapped[swapAt + 1]!, swapped[swapAt]!];
        assert.deepEqual(parseReceipt(swapped.join('')), { problem: 'receipt_mistyped' });
      }
    }),
  );
});

test('digits are uniformly distributed (no modulo bias)', () => {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 2000; i++) for (const d of newReceipt().slice(0, 35)) counts[Number(d)]!++;
  const expected = (2000 * 35) / 10;
  // Chi-square with 9 degrees of freedom; 27.9 is the 0.1% critical value.
  const chi = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
  assert.ok(chi < 27.9, `chi-square ${chi.toFixed(1)} for ${counts.join(',')}`);
});

test('the Damm check digit of a known sequence', () => {
  // Worked example from the algorithm's description: 572 → check digit 4.
  assert.equal(dammCheckDigit('572'), 4);
});
