/**
 * A 256-bit PDQ hash.
 *
 * Bit k has weight 2^k in the 256-bit integer whose hex form (64 lowercase digits, most significant
 * first) is the reference hasher's output. PDQ sets bit 16·u + v from DCT coefficient (u, v), so the
 * first hex digit holds bits 255–252: row 15, columns 15–12.
 *
 * Stored as eight 32-bit words, word i holding bits 32·i … 32·i + 31, so that Hamming distance is
 * eight XORs and eight popcounts.
 */
export class Hash256 {
  static readonly BITS = 256;
  static readonly HEX_LENGTH = 64;
  static readonly BYTE_LENGTH = 32;
  static readonly #WORD_COUNT = 8;

  readonly #words: Uint32Array;

  private constructor(words: Uint32Array) {
    this.#words = words;
  }

  static zero(): Hash256 {
    return new Hash256(new Uint32Array(Hash256.#WORD_COUNT));
  }

  /** Builds a hash from a 256-entry bit array, entry k being bit k. */
  static fromBits(bits: ArrayLike<boolean | number>): Hash256 {
    if (bits.length !== Hash256.BITS) {
      throw new RangeError(`expected ${Hash256.BITS} bits, got ${bits.length}`);
    }
    const words = new Uint32Array(Hash256.#WORD_COUNT);
    for (let k = 0; k < Hash256.BITS; k++) {
      if (bits[k]) words[k >>> 5]! |= 1 << (k & 31);
    }
    return new Hash256(words);
  }

  /** Parses the reference's 64-digit hex form (either case). */
  static fromHex(hex: string): Hash256 {
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new SyntaxError('a PDQ hash must be exactly 64 hexadecimal digits');
    }
    const words = new Uint32Array(Hash256.#WORD_COUNT);
    for (let i = 0; i < Hash256.#WORD_COUNT; i++) {
      // The string starts with the most significant word.
      words[Hash256.#WORD_COUNT - 1 - i] = Number.parseInt(hex.slice(8 * i, 8 * i + 8), 16);
    }
    return new Hash256(words);
  }

  /** Parses the byte form used by FAISS and pytx: byte 0 holds bits 255–248. */
  static fromBytes(bytes: Uint8Array): Hash256 {
    if (bytes.length !== Hash256.BYTE_LENGTH) {
      throw new RangeError(`expected ${Hash256.BYTE_LENGTH} bytes, got ${bytes.length}`);
    }
    const words = new Uint32Array(Hash256.#WORD_COUNT);
    for (let i = 0; i < Hash256.#WORD_COUNT; i++) {
      const b = 4 * (Hash256.#WORD_COUNT - 1 - i);
      words[i] = ((bytes[b]! << 24) | (bytes[b + 1]! << 16) | (bytes[b + 2]! << 8) | bytes[b + 3]!) >>> 0;
    }
    return new Hash256(words);
  }

  toHex(): string {
    let hex = '';
    for (let i = Hash256.#WORD_COUNT - 1; i >= 0; i--) {
      hex += this.#words[i]!.toString(16).padStart(8, '0');
    }
    return hex;
  }

  toBytes(): Uint8Array {
    const bytes = new Uint8Array(Hash256.BYTE_LENGTH);
    for (let i = 0; i < Hash256.#WORD_COUNT; i++) {
      const word = this.#words[i]!;
      const b = 4 * (Hash256.#WORD_COUNT - 1 - i);
      bytes[b] = word >>> 24;
      bytes[b + 1] = word >>> 16;
      bytes[b + 2] = word >>> 8;
      bytes[b + 3] = word;
    }
    return bytes;
  }

  /** A copy of the eight words, word i holding bits 32·i … 32·i + 31. */
  toWords(): Uint32Array {
    return this.#words.slice();
  }

  bit(k: number): boolean {
    if (!Number.isInteger(k) || k < 0 || k >= Hash256.BITS) {
      throw new RangeError(`bit index must be an integer in 0…255, got ${k}`);
    }
    return ((this.#words[k >>> 5]! >>> (k & 31)) & 1) === 1;
  }

  bitCount(): number {
    let count = 0;
    for (let i = 0; i < Hash256.#WORD_COUNT; i++) count += popcount32(this.#words[i]!);
    return count;
  }

  distanceTo(other: Hash256): number {
    const a = this.#words;
    const b = other.#words;
    let distance = 0;
    for (let i = 0; i < Hash256.#WORD_COUNT; i++) distance += popcount32(a[i]! ^ b[i]!);
    return distance;
  }

  equals(other: Hash256): boolean {
    return this.distanceTo(other) === 0;
  }

  toString(): string {
    return this.toHex();
  }

  toJSON(): string {
    return this.toHex();
  }
}

/** Number of 1 bits in the low 32 bits of x (SWAR: sum bits in pairs, nibbles, then bytes). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function hammingDistance(a: Hash256, b: Hash256): number {
  return a.distanceTo(b);
}
