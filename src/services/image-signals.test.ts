import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { SHARED_VECTORS_DIR, readSharedVectors, sharedVectorsSkipReason } from '../../test/fixtures/pdq/vectors.ts';
import { DIHEDRAL_NAMES, Hash256, pdqHash } from '../pdq/index.ts';
import { HifazatError, type ErrorCode } from '../domain/errors.ts';
import { computeImageSignals, decodeImage } from './image-signals.ts';

/**
 * A benign synthetic picture: soft coloured blobs on a gradient, with enough structure at every
 * scale PDQ looks at for its hash to be stable under lossy encoding (quality 100).
 */
function blobPixels(width: number, height: number): Buffer {
  let state = 2463534242; // xorshift32, so the picture is the same on every run
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const blobs = Array.from({ length: 60 }, () => ({
    x: random(),
    y: random(),
    radius: 0.03 + 0.08 * random(),
    colour: [random(), random(), random()].map((c) => 255 * c - 128),
  }));
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const rgb = [60 + 120 * u, 80 + 100 * v, 140 - 60 * u];
      for (const blob of blobs) {
        const weight = Math.exp(-((u - blob.x) ** 2 + (v - blob.y) ** 2) / blob.radius ** 2);
        for (let c = 0; c < 3; c++) rgb[c]! += weight * blob.colour[c]!;
      }
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, rgb[c]!));
    }
  }
  return data;
}

const pictureCache = new Map<string, Buffer>();

function picture(width = 320, height = 240): Sharp {
  const key = `${width}x${height}`;
  if (!pictureCache.has(key)) pictureCache.set(key, blobPixels(width, height));
  return sharp(pictureCache.get(key), { raw: { width, height, channels: 3 } });
}

async function pdqOfPixels(image: Sharp): Promise<string> {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return pdqHash({ width: info.width, height: info.height, channels: info.channels, data }).hash.toHex();
}

function bitsApart(a: string, b: string): number {
  return Hash256.fromHex(a).distanceTo(Hash256.fromHex(b));
}

async function assertRefused(input: Uint8Array, code: ErrorCode, options = {}): Promise<void> {
  await assert.rejects(computeImageSignals(input, options), (error: unknown) => {
    assert.ok(error instanceof HifazatError, `expected a HifazatError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

/** Rewrites the width and height in a PNG's IHDR chunk (and its CRC). */
function withClaimedSize(png: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(png);
  assert.equal(patched.toString('latin1', 12, 16), 'IHDR');
  patched.writeUInt32BE(width, 16);
  patched.writeUInt32BE(height, 20);
  patched.writeUInt32BE(crc32(patched.subarray(12, 29)), 29);
  return patched;
}

describe('computeImageSignals', () => {
  it('returns the PDQ hash of the pixels, its quality and the digests of the bytes', async () => {
    const png = await picture().png().toBuffer();
    const signals = await computeImageSignals(png);
    assert.equal(signals.pdq, await pdqOfPixels(picture()));
    assert.match(signals.pdq, /^[0-9a-f]{64}$/);
    assert.ok(signals.quality >= 50, `quality ${signals.quality}`);
    assert.equal(signals.md5, createHash('md5').update(png).digest('hex'));
    assert.equal(signals.sha256, createHash('sha256').update(png).digest('hex'));
    assert.deepEqual([signals.format, signals.width, signals.height], ['png', 320, 240]);
    assert.equal(signals.pdqDihedral, undefined);
  });

  it('reads the common formats: lossless ones to the same hash, lossy ones to a matching one', async () => {
    const reference = await pdqOfPixels(picture());
    const lossless = { png: picture().png(), tiff: picture().tiff({ compression: 'lzw' }) };
    for (const [format, encoder] of Object.entries(lossless)) {
      const signals = await computeImageSignals(await encoder.toBuffer());
      assert.equal(signals.format, format);
      assert.equal(signals.pdq, reference, format);
    }
    const lossy = { jpeg: picture().jpeg(), webp: picture().webp(), gif: picture().gif(), heif: picture().avif() };
    for (const [format, encoder] of Object.entries(lossy)) {
      const signals = await computeImageSignals(await encoder.toBuffer());
      assert.equal(signals.format, format);
      // Meta's match threshold; GIF's palette dithering costs the most (18 bits here).
      assert.ok(bitsApart(signals.pdq, reference) <= 31, `${format}: ${bitsApart(signals.pdq, reference)} bits`);
    }
  });

  it('returns the eight dihedral hashes on request', async () => {
    const jpeg = await picture().jpeg().toBuffer();
    const signals = await computeImageSignals(jpeg, { dihedral: true });
    assert.deepEqual(Object.keys(signals.pdqDihedral ?? {}), [...DIHEDRAL_NAMES]);
    assert.equal(signals.pdqDihedral?.orig, signals.pdq);
    assert.equal(new Set(Object.values(signals.pdqDihedral ?? {})).size, 8);
    assert.equal((await computeImageSignals(jpeg)).pdq, signals.pdq);
  });

  it('ignores the EXIF orientation, as the reference does', async () => {
    const upright = await picture().jpeg().toBuffer();
    const tagged = await picture().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    assert.equal((await sharp(tagged).metadata()).orientation, 6);
    assert.equal((await computeImageSignals(tagged)).pdq, (await computeImageSignals(upright)).pdq);
  });

  it('ignores alpha: transparent pixels hash by their stored colour', async () => {
    const { width, height } = { width: 200, height: 150 };
    const rgb = blobPixels(width, height);
    const rgba = Buffer.alloc(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      rgb.copy(rgba, i * 4, i * 3, i * 3 + 3);
      rgba[i * 4 + 3] = i % 3 === 0 ? 0 : 128;
    }
    const png = await sharp(rgba, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer();
    const decoded = await decodeImage(png);
    assert.equal(decoded.channels, 4);
    const opaque = sharp(rgb, { raw: { width, height, channels: 3 } });
    assert.equal((await computeImageSignals(png)).pdq, await pdqOfPixels(opaque));
  });

  it('keeps grey images at one channel', async () => {
    const grey = picture().toColourspace('b-w');
    const png = await grey.clone().png().toBuffer();
    const decoded = await decodeImage(png);
    assert.equal(decoded.channels, 1);
    assert.equal((await computeImageSignals(png)).pdq, await pdqOfPixels(grey));
  });

  it('converts CMYK as ImageMagick does, without colour management', async () => {
    const cmykJpeg = await picture().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    const cmykTiff = await picture().toColourspace('cmyk').tiff({ compression: 'lzw' }).toBuffer();
    for (const encoded of [cmykJpeg, cmykTiff]) {
      assert.equal((await sharp(encoded).metadata()).space, 'cmyk');
      const cmyk = await sharp(encoded).pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer();
      const expected = Buffer.alloc((cmyk.length / 4) * 3);
      for (let i = 0; i < cmyk.length / 4; i++) {
        const white = 255 - cmyk[i * 4 + 3]!;
        for (let c = 0; c < 3; c++) expected[i * 3 + c] = Math.round(((255 - cmyk[i * 4 + c]!) * white) / 255);
      }
      const decoded = await decodeImage(encoded);
      assert.equal(decoded.channels, 3);
      assert.ok(expected.equals(decoded.data), 'RGB = (255 − ink)·(255 − K)/255, rounded');
    }
  });

  it('hashes the first frame of an animated GIF', async () => {
    const frames = await Promise.all([picture(160, 120).png().toBuffer(), picture(160, 120).rotate(180).png().toBuffer()]);
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    assert.equal((await sharp(gif).metadata()).pages, 2);
    const signals = await computeImageSignals(gif);
    assert.deepEqual([signals.width, signals.height], [160, 120]);
    assert.equal(signals.pdq, await pdqOfPixels(sharp(gif, { page: 0 })));
    assert.ok(bitsApart(signals.pdq, await pdqOfPixels(sharp(gif, { page: 1 }))) >= 64);
  });
});

describe('computeImageSignals refusals', () => {
  it('refuses bytes that are not an image', async () => {
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
    await assertRefused(random, 'image_unreadable');
    await assertRefused(Buffer.from('%PDF-1.7 not really'), 'image_unreadable');
    await assertRefused(new Uint8Array(0), 'image_unreadable');
  });

  it('refuses a truncated JPEG instead of hashing what decoded', async () => {
    const jpeg = await picture().jpeg().toBuffer();
    for (const keep of [0.5, 0.9, 0.99]) {
      await assertRefused(jpeg.subarray(0, Math.floor(jpeg.length * keep)), 'image_truncated');
    }
  });

  it('refuses a truncated PNG or GIF', async () => {
    const png = await picture().png().toBuffer();
    await assertRefused(png.subarray(0, Math.floor(png.length * 0.7)), 'image_truncated');
    const gif = await picture().gif().toBuffer();
    await assertRefused(gif.subarray(0, Math.floor(gif.length * 0.7)), 'image_truncated');
  });

  it('refuses an image over the pixel limit', async () => {
    const png = await picture().png().toBuffer();
    await assertRefused(png, 'image_too_large', { maxPixels: 320 * 240 - 1 });
    assert.equal((await computeImageSignals(png, { maxPixels: 320 * 240 })).width, 320);
  });

  it('refuses a small file claiming huge dimensions before decoding it', async () => {
    const bomb = withClaimedSize(await picture(64, 64).png().toBuffer(), 100_000, 100_000);
    assert.ok(bomb.length < 50_000);
    assert.equal((await sharp(bomb, { limitInputPixels: false }).metadata()).width, 100_000);
    await assertRefused(bomb, 'image_too_large');
  });

  it('checks the limit it is given', async () => {
    await assert.rejects(computeImageSignals(Buffer.alloc(10), { maxPixels: 0 }), RangeError);
  });
});

// Every file with quality >= 50 must be within 2 bits of the reference. CMYK JPEGs are included, not
// skipped: decodeImage converts CMYK the way ImageMagick does, and matches the reference exactly
// (sharp's own ICC-based conversion was 10 bits off on modes/CMYK.jpg).
describe('PDQ through the sharp decoder on the shared vector images', { skip: sharedVectorsSkipReason }, () => {
  if (sharedVectorsSkipReason) return;
  for (const row of readSharedVectors()) {
    // Below quality 50 a hash is noise-like and matching systems discard it; such images are
    // checked bit-exactly from their decoded pixels in src/pdq/conformance.test.ts instead.
    const lowQuality = row.quality < 50 ? `quality ${row.quality} < 50` : false;
    it(row.file, { skip: lowQuality }, async () => {
      const bytes = readFileSync(join(SHARED_VECTORS_DIR, row.duplicateOf || row.file));
      const signals = await computeImageSignals(bytes, { dihedral: true });
      assert.equal(signals.sha256, row.sha256, 'the file is the one the vectors describe');
      assert.ok(bitsApart(signals.pdq, row.hash) <= 2, `${bitsApart(signals.pdq, row.hash)} bits from the reference`);
      for (const name of DIHEDRAL_NAMES) {
        const distance = bitsApart(signals.pdqDihedral![name], row.dihedral[name]);
        assert.ok(distance <= 2, `${name}: ${distance} bits from the reference`);
      }
      assert.ok(Math.abs(signals.quality - row.quality) <= 2, `quality ${signals.quality}, reference ${row.quality}`);
    });
  }
});
