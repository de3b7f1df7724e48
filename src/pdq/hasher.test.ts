import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { FIXTURE_DIR } from '../../test/fixtures/pdq/vectors.ts';
import { DIHEDRAL_NAMES, Hash256, pdqHash, pdqHashWithDihedrals, type DihedralName, type PixelImage } from './index.ts';

const ZERO_HEX = '0'.repeat(64);

/** Deterministic pseudo-random bytes (xorshift32), so that failures reproduce. */
function noiseBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** A smooth, asymmetric RGB picture: blobs and gradients a hash can see, from any rotation. */
function picture(width: number, height: number, channels: 3 | 4 = 3): PixelImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const p = (y * width + x) * channels;
      data[p] = 255 * u * (1 - v * 0.5);
      data[p + 1] = 127.5 + 127.5 * Math.sin(7 * u + 3 * v * v);
      data[p + 2] = 255 * Math.exp(-((u - 0.3) ** 2 + (v - 0.7) ** 2) * 8);
      if (channels === 4) data[p + 3] = 255;
    }
  }
  return { width, height, channels, data };
}

function grey(image: PixelImage): PixelImage {
  const pixels = image.width * image.height;
  const data = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) data[i] = image.data[i * image.channels]!;
  return { width: image.width, height: image.height, channels: 1, data };
}

/** Maps every destination pixel (x, y) to a source pixel. */
function remap(image: PixelImage, width: number, height: number, source: (x: number, y: number) => [number, number]): PixelImage {
  const { channels } = image;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = source(x, y);
      const from = (sy * image.width + sx) * channels;
      const to = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) data[to + c] = image.data[from + c]!;
    }
  }
  return { width, height, channels, data };
}

/** The bundled 256x256 photo of a bridge (a conformance fixture). */
async function bundledPhoto(): Promise<PixelImage> {
  const png = join(FIXTURE_DIR, 'bridge-mods__square-256x256.png');
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

function hex(image: PixelImage): string {
  return pdqHash(image).hash.toHex();
}

describe('pdqHash input checks', () => {
  it('refuses bad dimensions, channel counts and buffer sizes', () => {
    const data = new Uint8Array(12);
    assert.throws(() => pdqHash({ width: 0, height: 4, channels: 3, data }), RangeError);
    assert.throws(() => pdqHash({ width: 2.5, height: 4, channels: 3, data }), RangeError);
    assert.throws(() => pdqHash({ width: 2, height: 2, channels: 5 as 3, data: new Uint8Array(20) }), RangeError);
    assert.throws(() => pdqHash({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) }), RangeError);
    assert.throws(() => pdqHash({ width: 2, height: 2, channels: 3, data: new Uint8Array(13) }), RangeError);
  });
});

describe('pdqHash minimum size', () => {
  it('gives a zero hash and quality 0 under 5 pixels a side, for every variant', () => {
    for (const [width, height] of [
      [4, 100],
      [100, 4],
      [1, 1],
    ] as const) {
      const image = picture(width, height);
      assert.deepEqual({ hash: hex(image), quality: pdqHash(image).quality }, { hash: ZERO_HEX, quality: 0 });
      const { hashes, quality } = pdqHashWithDihedrals(image);
      assert.equal(quality, 0);
      for (const name of DIHEDRAL_NAMES) assert.equal(hashes[name].toHex(), ZERO_HEX);
    }
  });

  it('hashes 5x5', () => {
    assert.notEqual(hex({ width: 5, height: 5, channels: 3, data: noiseBytes(75, 1) }), ZERO_HEX);
  });

  it('checks the size after the pre-resize: 600x3 is stretched to 512x512 and hashed', () => {
    const image = picture(600, 3);
    const stretched = remap(image, 512, 512, (x, y) => [Math.floor((x * 600) / 512), Math.floor((y * 3) / 512)]);
    assert.notEqual(hex(image), ZERO_HEX);
    assert.equal(hex(image), hex(stretched));
  });
});

describe('pdqHash pre-resize', () => {
  it('takes source pixel floor(x·W/512), floor(y·H/512) for sides over 512', () => {
    for (const [width, height] of [
      [1024, 768],
      [513, 900],
      [1600, 1004],
    ] as const) {
      const image = { width, height, channels: 3 as const, data: noiseBytes(width * height * 3, width) };
      const expected = remap(image, 512, 512, (x, y) => [Math.floor((x * width) / 512), Math.floor((y * height) / 512)]);
      assert.equal(hex(image), hex(expected), `${width}x${height}`);
    }
  });

  it('ignores the pixels the nearest-neighbour squash skips', () => {
    const base = picture(1024, 1024);
    const scribbled = { ...base, data: base.data.slice() };
    const noise = noiseBytes(base.data.length, 7);
    for (let y = 0; y < 1024; y++) {
      for (let x = 0; x < 1024; x++) {
        if (x % 2 === 1 || y % 2 === 1) scribbled.data.set(noise.subarray(0, 3), (y * 1024 + x) * 3);
      }
    }
    assert.equal(hex(scribbled), hex(base));
  });

  it('leaves 512 alone but squashes 513', () => {
    const squash = (image: PixelImage): PixelImage =>
      remap(image, 512, 512, (x, y) => [Math.floor((x * image.width) / 512), Math.floor((y * image.height) / 512)]);
    const at512 = { width: 512, height: 300, channels: 3 as const, data: noiseBytes(512 * 300 * 3, 11) };
    const at513 = { width: 513, height: 300, channels: 3 as const, data: noiseBytes(513 * 300 * 3, 12) };
    assert.notEqual(hex(at512), hex(squash(at512)));
    assert.equal(hex(at513), hex(squash(at513)));
  });
});

describe('pdqHash channels', () => {
  it('hashes grey RGB content like the one-channel image', () => {
    const image = grey(picture(300, 200));
    const tripled = Uint8Array.from({ length: image.data.length * 3 }, (_, i) => image.data[Math.floor(i / 3)]!);
    const asRgb: PixelImage = { ...image, channels: 3, data: tripled };
    assert.deepEqual(pdqHash(asRgb), pdqHash(image));
  });

  it('ignores alpha, even fully transparent pixels', () => {
    const rgb = picture(200, 150, 3);
    const rgba = picture(200, 150, 4);
    const transparent = { ...rgba, data: rgba.data.slice() };
    const alphaNoise = noiseBytes(200 * 150, 3);
    for (let i = 0; i < 200 * 150; i++) transparent.data[i * 4 + 3] = i % 2 === 0 ? 0 : alphaNoise[i]!;
    assert.deepEqual(pdqHash(rgba), pdqHash(rgb));
    assert.deepEqual(pdqHash(transparent), pdqHash(rgb));

    const greyImage = grey(rgb);
    const withAlpha = new Uint8Array(greyImage.data.length * 2);
    greyImage.data.forEach((value, i) => (withAlpha[2 * i] = value));
    const greyAlpha: PixelImage = { ...greyImage, channels: 2, data: withAlpha };
    assert.deepEqual(pdqHash(greyAlpha), pdqHash(greyImage));
  });

  it('accepts any Uint8Array view', () => {
    const image = picture(100, 80);
    const padded = new Uint8Array(image.data.length + 16);
    padded.set(image.data, 8);
    assert.equal(hex({ ...image, data: padded.subarray(8, 8 + image.data.length) }), hex(image));
  });
});

describe('pdqHash quality', () => {
  it('is 0 for a flat image and 100 for a detailed one', () => {
    const flat = new Uint8Array(200 * 200).fill(90);
    assert.equal(pdqHash({ width: 200, height: 200, channels: 1, data: flat }).quality, 0);
    assert.equal(pdqHash({ width: 200, height: 200, channels: 3, data: noiseBytes(200 * 200 * 3, 5) }).quality, 100);
  });
});

describe('pdqHash state', () => {
  it('gives the same answer whatever was hashed before', () => {
    const first = picture(640, 480);
    const before = pdqHashWithDihedrals(first);
    pdqHash(picture(37, 61));
    pdqHash({ width: 300, height: 100, channels: 1, data: noiseBytes(30000, 9) });
    assert.deepEqual(pdqHashWithDihedrals(first), before);
  });
});

describe('pdqHashWithDihedrals', () => {
  // Geometric meaning of each variant (ALGORITHM.md §2.8), as a map from destination pixel to source pixel.
  const side = 256;
  const last = side - 1;
  const transforms: Record<DihedralName, (x: number, y: number) => [number, number]> = {
    orig: (x, y) => [x, y],
    rot90: (x, y) => [last - y, x], // counter-clockwise
    rot180: (x, y) => [last - x, last - y],
    rot270: (x, y) => [y, last - x], // clockwise
    flipx: (x, y) => [x, last - y], // top to bottom
    flipy: (x, y) => [last - x, y], // left to right
    flipplus1: (x, y) => [y, x], // transpose
    flipminus1: (x, y) => [last - y, last - x], // anti-transpose
  };

  it('has the ordinary hash as orig and shares its quality', () => {
    const image = picture(side, side);
    const { hashes, quality } = pdqHashWithDihedrals(image);
    assert.deepEqual({ hash: hashes.orig, quality }, pdqHash(image));
  });

  it('is close to hashing the transformed photo, and no other variant is', async () => {
    const photo = await bundledPhoto();
    const { hashes } = pdqHashWithDihedrals(photo);
    for (const name of DIHEDRAL_NAMES) {
      const transformed = pdqHash(remap(photo, side, side, transforms[name])).hash;
      const distances = Object.fromEntries(DIHEDRAL_NAMES.map((other) => [other, transformed.distanceTo(hashes[other])]));
      // Not exact: the box windows and the sampling grid are not symmetric (§2.8), and with a
      // 256-pixel side a box of 2 shifts the picture half a pixel. Unrelated hashes are ~128 apart.
      const [nearest, ...others] = DIHEDRAL_NAMES.slice().sort((a, b) => distances[a]! - distances[b]!);
      assert.equal(nearest, name, JSON.stringify(distances));
      assert.ok(distances[name]! <= 40, `${name}: ${JSON.stringify(distances)}`);
      assert.ok(
        others.every((other) => distances[other]! >= 80),
        `${name}: ${JSON.stringify(distances)}`,
      );
    }
  });

  it('gives each variant its own median: about half the bits set', () => {
    const { hashes } = pdqHashWithDihedrals(picture(side, side));
    for (const name of DIHEDRAL_NAMES) {
      const ones = hashes[name].bitCount();
      assert.ok(ones <= 128 && ones >= 120, `${name}: ${ones} bits set`);
    }
  });

  it('returns distinct Hash256 objects', () => {
    const { hashes } = pdqHashWithDihedrals(picture(64, 64));
    assert.equal(new Set(Object.values(hashes)).size, 8);
    assert.ok(Object.values(hashes).every((hash) => hash instanceof Hash256));
  });
});
