import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readBundledVectors } from '../../test/fixtures/pdq/vectors.ts';
import { Hash256, hammingDistance, popcount32 } from './hash256.ts';

const ZERO_HEX = '0'.repeat(64);

function hexWithBits(...bits: number[]): string {
  let value = 0n;
  for (const bit of bits) value |= 1n << BigInt(bit);
  return value.toString(16).padStart(64, '0');
}

/** Independent oracle: Hamming distance of two hex strings through BigInt. */
function bigIntDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  for (; x > 0n; x >>= 1n) count += Number(x & 1n);
  return count;
}

const hexHash = fc.stringMatching(/^[0-9a-f]{64}$/);

describe('Hash256 layout', () => {
  it('puts bit k at weight 2^k of the 256-bit hex integer', () => {
    for (const bit of [0, 1, 15, 16, 31, 32, 100, 128, 240, 255]) {
      const bits = new Array<boolean>(256).fill(false);
      bits[bit] = true;
      assert.equal(Hash256.fromBits(bits).toHex(), hexWithBits(bit), `bit ${bit}`);
    }
  });

  it('writes row 15 (bits 255–240) first, row 0 (bits 15–0) last', () => {
    const bits = new Array<boolean>(256).fill(false);
    bits[16 * 15 + 15] = true; // row 15, column 15: the top bit of the first digit
    bits[16 * 0 + 0] = true; // row 0, column 0: the low bit of the last digit
    assert.equal(Hash256.fromBits(bits).toHex(), `8${'0'.repeat(62)}1`);
  });

  it('reads bits back in the reference order (known answer from the reference)', () => {
    // small.jpg's reference hash starts 0007: row 15 has exactly columns 0, 1 and 2 set.
    const hash = Hash256.fromHex('0007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff');
    const row15 = Array.from({ length: 16 }, (_, column) => hash.bit(16 * 15 + column));
    assert.deepEqual(row15, [true, true, true, ...new Array<boolean>(13).fill(false)]);
    assert.equal(hash.bit(0), true);
    assert.equal(hash.bitCount(), 128); // thresholding at the median sets half the bits
  });

  it('has the FAISS/pytx byte form: byte 0 holds bits 255–248', () => {
    const bytes = Hash256.fromHex(hexWithBits(255, 248, 7, 0)).toBytes();
    assert.equal(bytes[0], 0x81);
    assert.equal(bytes[31], 0x81);
    assert.deepEqual(Array.from(bytes.subarray(1, 31)), new Array<number>(30).fill(0));
  });

  it('round-trips hex and bytes of the reference hashes', () => {
    for (const row of readBundledVectors()) {
      for (const hex of [row.hash, ...Object.values(row.dihedral)]) {
        const hash = Hash256.fromHex(hex);
        assert.equal(hash.toHex(), hex);
        assert.equal(Hash256.fromBytes(hash.toBytes()).toHex(), hex);
        assert.equal(Buffer.from(hash.toBytes()).toString('hex'), hex);
      }
    }
  });

  it('accepts upper case and always writes lower case', () => {
    assert.equal(Hash256.fromHex('ABCDEF'.padEnd(64, '0')).toHex(), 'abcdef'.padEnd(64, '0'));
  });

  it('refuses malformed input', () => {
    for (const bad of ['', 'abc', '0'.repeat(63), '0'.repeat(65), `g${'0'.repeat(63)}`, ` ${'0'.repeat(63)}`]) {
      assert.throws(() => Hash256.fromHex(bad), SyntaxError, JSON.stringify(bad));
    }
    assert.throws(() => Hash256.fromBytes(new Uint8Array(31)), RangeError);
    assert.throws(() => Hash256.fromBits(new Array<boolean>(255).fill(false)), RangeError);
    assert.throws(() => Hash256.zero().bit(256), RangeError);
  });

  it('serialises to its hex form', () => {
    const hex = readBundledVectors()[0]!.hash;
    assert.equal(JSON.stringify({ pdq: Hash256.fromHex(hex) }), `{"pdq":"${hex}"}`);
    assert.equal(String(Hash256.fromHex(hex)), hex);
    assert.equal(Hash256.zero().toHex(), ZERO_HEX);
  });

  it('hands out copies of its words', () => {
    const hash = Hash256.fromHex('f'.repeat(64));
    hash.toWords().fill(0);
    assert.equal(hash.bitCount(), 256);
  });
});

describe('popcount32', () => {
  it('counts edge values', () => {
    assert.equal(popcount32(0), 0);
    assert.equal(popcount32(0xffffffff), 32);
    assert.equal(popcount32(0x80000000), 1);
    assert.equal(popcount32(-1), 32);
    assert.equal(popcount32(0x55555555), 16);
  });

  it('agrees with a bit-by-bit count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        let count = 0;
        for (let bit = 0; bit < 32; bit++) count += (x >>> bit) & 1;
        return popcount32(x) === count;
      }),
    );
  });
});

describe('Hamming distance', () => {
  it('matches an independent count on the reference dihedral hashes', () => {
    for (const row of readBundledVectors()) {
      const hashes = Object.values(row.dihedral);
      for (const a of hashes) {
        for (const b of hashes) {
          assert.equal(hammingDistance(Hash256.fromHex(a), Hash256.fromHex(b)), bigIntDistance(a, b));
        }
      }
    }
  });

  it('matches an independent count on random hashes', () => {
    fc.assert(
      fc.property(hexHash, hexHash, (a, b) => {
        return Hash256.fromHex(a).distanceTo(Hash256.fromHex(b)) === bigIntDistance(a, b);
      }),
    );
  });

  it('is a metric', () => {
    fc.assert(
      fc.property(hexHash, hexHash, hexHash, (ha, hb, hc) => {
        const [a, b, c] = [ha, hb, hc].map((hex) => Hash256.fromHex(hex)) as [Hash256, Hash256, Hash256];
        return (
          a.distanceTo(a) === 0 &&
          a.distanceTo(b) === b.distanceTo(a) &&
          a.distanceTo(c) <= a.distanceTo(b) + b.distanceTo(c) &&
          a.equals(b) === (ha === hb)
        );
      }),
    );
  });

  it('is 256 between a hash and its complement', () => {
    assert.equal(Hash256.zero().distanceTo(Hash256.fromHex('f'.repeat(64))), 256);
  });
});
