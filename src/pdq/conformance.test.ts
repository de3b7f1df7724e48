/**
 * Bit-exact conformance with Meta's C++ reference hasher on the exact pixels it hashed (lossless
 * PNGs), which takes every JPEG decoder out of the comparison. See ALGORITHM.md in the vectors.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import {
  FIXTURE_DIR,
  SHARED_VECTORS_DIR,
  readBundledVectors,
  readSharedVectors,
  sharedVectorsSkipReason,
  type VectorRow,
} from '../../test/fixtures/pdq/vectors.ts';
import { DIHEDRAL_NAMES, pdqHash, pdqHashWithDihedrals, type PixelImage } from './index.ts';

async function readPng(path: string): Promise<PixelImage> {
  const { data, info } = await sharp(path, { ignoreIcc: true }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

function assertMatchesReference(image: PixelImage, row: VectorRow): void {
  const { hashes, quality } = pdqHashWithDihedrals(image);
  assert.equal(hashes.orig.toHex(), row.hash, 'hash');
  assert.equal(quality, row.quality, 'quality');
  for (const name of DIHEDRAL_NAMES) assert.equal(hashes[name].toHex(), row.dihedral[name], `dihedral ${name}`);
  const plain = pdqHash(image);
  assert.equal(plain.hash.toHex(), row.hash, 'pdqHash agrees with pdqHashWithDihedrals');
  assert.equal(plain.quality, row.quality);
}

describe('PDQ conformance on the bundled core PNGs', () => {
  const rows = readBundledVectors();
  it('has vectors to check', () => assert.ok(rows.length >= 5));
  for (const row of rows) {
    it(`${basename(row.corePng)} (${row.file})`, async () => {
      assertMatchesReference(await readPng(join(FIXTURE_DIR, basename(row.corePng))), row);
    });
  }
});

describe('PDQ conformance on the shared core PNGs', { skip: sharedVectorsSkipReason }, () => {
  if (sharedVectorsSkipReason) return;
  const coreDir = join(SHARED_VECTORS_DIR, 'core');
  const rowsByPng = new Map(
    readSharedVectors()
      .filter((row) => row.corePng)
      .map((row) => [basename(row.corePng), row]),
  );
  const pngs = readdirSync(coreDir).filter((name) => name.endsWith('.png'));
  it('has an expected row for every core PNG', () => {
    assert.ok(pngs.length > 0, `no PNGs in ${coreDir}`);
    assert.deepEqual(
      pngs.filter((name) => !rowsByPng.has(name)),
      [],
    );
  });
  for (const name of pngs) {
    const row = rowsByPng.get(name);
    it(name, { skip: row ? false : 'no expected row' }, async () => {
      assertMatchesReference(await readPng(join(coreDir, name)), row!);
    });
  }
});
