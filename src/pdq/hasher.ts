/**
 * PDQ perceptual hash (Meta's ThreatExchange algorithm), bit-exact with the C++ reference
 * `pdq-photo-hasher`. The step numbers (§2.x) refer to ALGORITHM.md in the shared conformance vectors.
 *
 * Every arithmetic step is rounded to float32 exactly where the reference rounds, by Math.fround or
 * by storing into a Float32Array: a double +, −, × or ÷ of two float32 values, rounded once to
 * float32, equals the float32 operation. Tables and small buffers hold float32 values in
 * Float64Arrays, which is exact and saves a conversion on every read.
 *
 * Pure TypeScript with no platform imports, so the same code runs in Node and in a browser.
 * Scratch buffers are module-level and reused; the functions are synchronous, so calls cannot
 * interleave.
 */
import { Hash256 } from './hash256.ts';

/**
 * Decoded 8-bit pixels, row-major and interleaved. Alpha (channel 2 of 2, or 4 of 4) is ignored. In
 * a browser, pass a canvas ImageData as `new Uint8Array(imageData.data.buffer)` with 4 channels.
 */
export interface PixelImage {
  readonly width: number;
  readonly height: number;
  /** 1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array;
}

export interface PdqResult {
  readonly hash: Hash256;
  /** 0–100; matching systems discard hashes below 50. */
  readonly quality: number;
}

/** Reference names of the eight dihedral variants, in the reference's output order. */
export const DIHEDRAL_NAMES = [
  'orig',
  'rot90',
  'rot180',
  'rot270',
  'flipx',
  'flipy',
  'flipplus1',
  'flipminus1',
] as const;
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

export interface PdqDihedralResult {
  /** Shared by all eight variants. */
  readonly quality: number;
  /** `hashes.orig` is the ordinary PDQ hash. */
  readonly hashes: Readonly<Record<DihedralName, Hash256>>;
}

/** Larger images are squashed to exactly this many pixels a side before hashing (§2.1). */
export const PRE_RESIZE_SIDE = 512;
/** Below this many pixels a side (after the pre-resize) the hash is all zeros with quality 0. */
export const MIN_HASHABLE_SIDE = 5;

const GRID = 64; // decimated luminance is GRID x GRID
const DCT_SIZE = 16; // low-frequency block kept, DC excluded
const COEFFICIENTS = DCT_SIZE * DCT_SIZE;

export function pdqHash(image: PixelImage): PdqResult {
  const coefficients = computeCoefficients(image);
  if (coefficients === null) return { hash: Hash256.zero(), quality: 0 };
  return { hash: thresholdAtMedian(coefficients.dct), quality: coefficients.quality };
}

export function pdqHashWithDihedrals(image: PixelImage): PdqDihedralResult {
  const coefficients = computeCoefficients(image);
  const hashes = {} as Record<DihedralName, Hash256>;
  for (const name of DIHEDRAL_NAMES) {
    hashes[name] =
      coefficients === null ? Hash256.zero() : thresholdAtMedian(DIHEDRAL_TRANSFORMS[name](coefficients.dct));
  }
  return { quality: coefficients?.quality ?? 0, hashes };
}

interface Coefficients {
  /** DCT block B, 16x16 row-major: B[u][v] with u the vertical and v the horizontal frequency. */
  readonly dct: Float32Array;
  readonly quality: number;
}

/** Steps §2.1–§2.6, or null when the image is below the minimum size. */
function computeCoefficients(image: PixelImage): Coefficients | null {
  validate(image);
  const { width, height } = preResizedSize(image.width, image.height);
  if (width < MIN_HASHABLE_SIDE || height < MIN_HASHABLE_SIDE) return null;

  const scratch = scratchBuffers();
  writeLuminance(image, width, height, scratch.luma);
  const grid = scratch.grid;
  if (width === GRID && height === GRID) {
    // The reference skips blur and decimation for an exact 64x64 input.
    grid.set(scratch.luma.subarray(0, GRID * GRID));
  } else {
    blurAndDecimate(scratch, width, height);
  }
  return { dct: dct16(grid), quality: quality(grid) };
}

function validate(image: PixelImage): void {
  const { width, height, channels, data } = image;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image dimensions must be positive integers, got ${width}x${height}`);
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new RangeError(`channels must be 1, 2, 3 or 4, got ${String(channels)}`);
  }
  if (data.length !== width * height * channels) {
    const expected = width * height * channels;
    throw new RangeError(`expected ${expected} bytes for ${width}x${height}x${channels}, got ${data.length}`);
  }
}

function preResizedSize(width: number, height: number): { width: number; height: number } {
  return width > PRE_RESIZE_SIDE || height > PRE_RESIZE_SIDE
    ? { width: PRE_RESIZE_SIDE, height: PRE_RESIZE_SIDE }
    : { width, height };
}

// §2.2 BT.601 weights; a product of an 8-bit value and a float32 is one float32 rounding.
const LUMA_RED = lumaTable(0.299);
const LUMA_GREEN = lumaTable(0.587);
const LUMA_BLUE = lumaTable(0.114);

function lumaTable(weight: number): Float64Array {
  const table = new Float64Array(256);
  const w = Math.fround(weight);
  for (let value = 0; value < 256; value++) table[value] = Math.fround(w * value);
  return table;
}

/**
 * Writes the float32 luminance of the (pre-resized) image into `out`.
 *
 * The pre-resize is nearest neighbour with corner alignment to exactly 512x512, not keeping the
 * aspect ratio: destination column x takes source column floor(x·W/512), row y likewise.
 */
function writeLuminance(image: PixelImage, width: number, height: number, out: Float32Array): void {
  const { data, channels } = image;
  const sourceColumnOffsets = new Int32Array(width);
  for (let x = 0; x < width; x++) sourceColumnOffsets[x] = Math.floor((x * image.width) / width) * channels;
  const sourceRowStride = image.width * channels;
  const grey = channels <= 2 || isGreyContent(image);
  // Locals: a module constant read in a hot loop costs a check on every read.
  const red = LUMA_RED;
  const green = LUMA_GREEN;
  const blue = LUMA_BLUE;

  for (let y = 0; y < height; y++) {
    const rowStart = Math.floor((y * image.height) / height) * sourceRowStride;
    const outRow = y * width;
    if (grey) {
      for (let x = 0; x < width; x++) out[outRow + x] = data[rowStart + sourceColumnOffsets[x]!]!;
    } else {
      for (let x = 0; x < width; x++) {
        const p = rowStart + sourceColumnOffsets[x]!;
        out[outRow + x] = Math.fround(red[data[p]!]! + green[data[p + 1]!]!) + blue[data[p + 2]!]!;
      }
    }
  }
}

/**
 * The reference reads images through ImageMagick, which writes a one-channel PNM when every pixel has
 * R = G = B, judged on the whole image before the pre-resize. The one-channel path then takes the grey
 * value as luminance, which for some values differs from the float32 RGB formula.
 */
function isGreyContent(image: PixelImage): boolean {
  const { data, channels } = image;
  for (let p = 0; p < data.length; p += channels) {
    const red = data[p];
    if (data[p + 1] !== red || data[p + 2] !== red) return false;
  }
  return true;
}

/**
 * §2.3–§2.4 The Jarosz tent filter, a box filter run twice in each direction in the order
 * horizontal, vertical, horizontal, vertical, then sampling at the centres of a 64x64 grid of cells.
 *
 * Only the sampled outputs of the last two passes are ever read, so the third pass stores just the
 * sampled columns, packed side by side, and the fourth runs down just those and stores just the
 * sampled rows. Every pass still runs its running sums over every sample, as the result depends on
 * them.
 */
function blurAndDecimate(scratch: Scratch, width: number, height: number): void {
  const { luma, temp, grid } = scratch;
  const windowX = Math.ceil(width / 128);
  const windowY = Math.ceil(height / 128);
  const columns = gridSampling(width);
  const rows = gridSampling(height);

  boxRows(luma, temp, width, height, windowX, EVERY_POSITION.subarray(0, width), width);
  boxColumns(temp, luma, width, height, windowY, EVERY_POSITION.subarray(0, height));
  boxRows(luma, temp, width, height, windowX, columns.slotOf, columns.slotCount);
  boxColumns(temp, luma, columns.slotCount, height, windowY, rows.slotOf);

  for (let i = 0; i < GRID; i++) {
    const rowStart = rows.slotOfCell[i]! * columns.slotCount;
    for (let j = 0; j < GRID; j++) grid[i * GRID + j] = luma[rowStart + columns.slotOfCell[j]!]!;
  }
}

const EVERY_POSITION = Int32Array.from({ length: PRE_RESIZE_SIDE }, (_, i) => i);

/** Where the 64 grid cells sample one side of the image: position floor((i + 0.5)·length/64). */
interface GridSampling {
  /** Per position along the side: its index among the distinct sampled positions, or −1. */
  readonly slotOf: Int32Array;
  /** Number of distinct sampled positions: 64, or fewer on sides under 64, where cells share. */
  readonly slotCount: number;
  /** Per cell: the slot of the position it samples. */
  readonly slotOfCell: Int32Array;
}

function gridSampling(length: number): GridSampling {
  const slotOf = new Int32Array(length).fill(-1);
  const slotOfCell = new Int32Array(GRID);
  let slotCount = 0;
  for (let i = 0; i < GRID; i++) {
    const position = Math.floor(((i + 0.5) * length) / GRID);
    if (slotOf[position] === -1) slotOf[position] = slotCount++;
    slotOfCell[i] = slotOf[position]!;
  }
  return { slotOf, slotCount, slotOfCell };
}

/*
 * One box pass along a line of n samples with window w: output o is the mean of inputs
 * o−(w−a) … o+a−1 clipped to the line, a = floor((w+2)/2). The reference evaluates it with a float32
 * running sum that is never recomputed: inputs 0 … a−2 are added first, then each step adds the
 * entering input and, once the window is full, subtracts the leaving one, in that order.
 *
 * Output o is stored at index `storeAt[o]` along the line (nowhere when −1), and a pass stops after
 * the last position it stores.
 */

function addSample(sum: number, entering: number): number {
  return Math.fround(sum + entering);
}

function slideWindow(sum: number, entering: number, leaving: number): number {
  return Math.fround(Math.fround(sum + entering) - leaving);
}

function dropSample(sum: number, leaving: number): number {
  return Math.fround(sum - leaving);
}

function lastStored(storeAt: Int32Array): number {
  let last = storeAt.length - 1;
  while (last >= 0 && storeAt[last]! < 0) last--;
  return last;
}

/**
 * The pass along every row, into rows `outputWidth` wide. A running sum is a chain of dependent
 * operations, so four rows are run side by side to overlap their latencies; past the bottom the last
 * row is repeated, which just recomputes the same outputs.
 */
function boxRows(
  input: Float32Array,
  output: Float32Array,
  width: number,
  height: number,
  window: number,
  storeAt: Int32Array,
  outputWidth: number,
): void {
  const lead = (window + 2) >> 1;
  const lag = window - lead + 1; // from an output to the input leaving its window
  const end = lastStored(storeAt) + 1;
  for (let top = 0; top < height; top += 4) {
    const row0 = top;
    const row1 = Math.min(top + 1, height - 1);
    const row2 = Math.min(top + 2, height - 1);
    const row3 = Math.min(top + 3, height - 1);
    const in0 = row0 * width;
    const in1 = row1 * width;
    const in2 = row2 * width;
    const in3 = row3 * width;
    const out0 = row0 * outputWidth;
    const out1 = row1 * outputWidth;
    const out2 = row2 * outputWidth;
    const out3 = row3 * outputWidth;
    let sum0 = 0;
    let sum1 = 0;
    let sum2 = 0;
    let sum3 = 0;
    let count = 0;
    for (let x = 0; x < lead - 1; x++, count++) {
      sum0 = addSample(sum0, input[in0 + x]!);
      sum1 = addSample(sum1, input[in1 + x]!);
      sum2 = addSample(sum2, input[in2 + x]!);
      sum3 = addSample(sum3, input[in3 + x]!);
    }
    let o = 0;
    for (; o <= window - lead && o < end; o++) {
      const entering = o + lead - 1;
      count++;
      sum0 = addSample(sum0, input[in0 + entering]!);
      sum1 = addSample(sum1, input[in1 + entering]!);
      sum2 = addSample(sum2, input[in2 + entering]!);
      sum3 = addSample(sum3, input[in3 + entering]!);
      const column = storeAt[o]!;
      if (column >= 0) {
        output[out0 + column] = sum0 / count;
        output[out1 + column] = sum1 / count;
        output[out2 + column] = sum2 / count;
        output[out3 + column] = sum3 / count;
      }
    }
    for (; o <= width - lead && o < end; o++) {
      const entering = o + lead - 1;
      const leaving = o - lag;
      sum0 = slideWindow(sum0, input[in0 + entering]!, input[in0 + leaving]!);
      sum1 = slideWindow(sum1, input[in1 + entering]!, input[in1 + leaving]!);
      sum2 = slideWindow(sum2, input[in2 + entering]!, input[in2 + leaving]!);
      sum3 = slideWindow(sum3, input[in3 + entering]!, input[in3 + leaving]!);
      const column = storeAt[o]!;
      if (column >= 0) {
        output[out0 + column] = sum0 / window;
        output[out1 + column] = sum1 / window;
        output[out2 + column] = sum2 / window;
        output[out3 + column] = sum3 / window;
      }
    }
    for (; o < end; o++) {
      const leaving = o - lag;
      count--;
      sum0 = dropSample(sum0, input[in0 + leaving]!);
      sum1 = dropSample(sum1, input[in1 + leaving]!);
      sum2 = dropSample(sum2, input[in2 + leaving]!);
      sum3 = dropSample(sum3, input[in3 + leaving]!);
      const column = storeAt[o]!;
      if (column >= 0) {
        output[out0 + column] = sum0 / count;
        output[out1 + column] = sum1 / count;
        output[out2 + column] = sum2 / count;
        output[out3 + column] = sum3 / count;
      }
    }
  }
}

const columnSums = new Float64Array(PRE_RESIZE_SIDE);

/**
 * The pass down every column, a row at a time with one running sum per column, so that memory is
 * read in order and the columns' chains overlap. Output row o goes to row `storeAt[o]`.
 */
function boxColumns(
  input: Float32Array,
  output: Float32Array,
  width: number,
  height: number,
  window: number,
  storeAt: Int32Array,
): void {
  const lead = (window + 2) >> 1;
  const lag = window - lead + 1;
  const end = lastStored(storeAt) + 1;
  const sums = columnSums;
  sums.fill(0, 0, width);
  let count = 0;
  for (let y = 0; y < lead - 1; y++, count++) {
    const entering = y * width;
    for (let x = 0; x < width; x++) sums[x] = addSample(sums[x]!, input[entering + x]!);
  }
  let o = 0;
  for (; o <= window - lead && o < end; o++) {
    const entering = (o + lead - 1) * width;
    const out = storeAt[o]! * width;
    count++;
    for (let x = 0; x < width; x++) {
      const sum = addSample(sums[x]!, input[entering + x]!);
      sums[x] = sum;
      if (out >= 0) output[out + x] = sum / count;
    }
  }
  for (; o <= height - lead && o < end; o++) {
    const entering = (o + lead - 1) * width;
    const leaving = (o - lag) * width;
    const out = storeAt[o]! * width;
    for (let x = 0; x < width; x++) {
      const sum = slideWindow(sums[x]!, input[entering + x]!, input[leaving + x]!);
      sums[x] = sum;
      if (out >= 0) output[out + x] = sum / window;
    }
  }
  for (; o < end; o++) {
    const leaving = (o - lag) * width;
    const out = storeAt[o]! * width;
    count--;
    for (let x = 0; x < width; x++) {
      const sum = dropSample(sums[x]!, input[leaving + x]!);
      sums[x] = sum;
      if (out >= 0) output[out + x] = sum / count;
    }
  }
}

/** §2.5 Sum of truncated scaled gradients over all neighbour pairs, divided by 90, capped at 100. */
function quality(grid: Float64Array): number {
  let gradientSum = 0;
  for (let i = 0; i < GRID; i++) {
    for (let j = 0; j < GRID; j++) {
      const here = grid[i * GRID + j]!;
      if (i + 1 < GRID) gradientSum += scaledGradient(here, grid[(i + 1) * GRID + j]!);
      if (j + 1 < GRID) gradientSum += scaledGradient(here, grid[i * GRID + j + 1]!);
    }
  }
  return Math.min(100, Math.floor(gradientSum / 90));
}

function scaledGradient(u: number, v: number): number {
  return Math.abs(Math.trunc(Math.fround(Math.fround(Math.fround(u - v) * 100) / 255)));
}

/** §2.6 D[k][n] = fl(fl(√(2/64)) · cos((π/2/64)·(k+1)·(2n+1))), row k being frequency k + 1. */
const DCT_MATRIX = ((): Float64Array => {
  const matrix = new Float64Array(DCT_SIZE * GRID);
  const scale = Math.fround(Math.sqrt(2 / GRID));
  for (let k = 0; k < DCT_SIZE; k++) {
    for (let n = 0; n < GRID; n++) {
      matrix[k * GRID + n] = Math.fround(scale * Math.cos((Math.PI / 2 / GRID) * (k + 1) * (2 * n + 1)));
    }
  }
  return matrix;
})();

/**
 * B = D·A·Dᵀ with every product and partial sum rounded to float32, each sum taken over n = 0 … 63
 * in order. T = D·A runs k, n, c so that memory is read in order; every T[k][c] still adds its
 * terms in n order.
 */
function dct16(grid: Float64Array): Float32Array {
  const matrix = DCT_MATRIX;
  const partial = new Float64Array(DCT_SIZE * GRID); // T = D·A
  for (let k = 0; k < DCT_SIZE; k++) {
    const tRow = k * GRID;
    for (let n = 0; n < GRID; n++) {
      const d = matrix[k * GRID + n]!;
      const aRow = n * GRID;
      for (let c = 0; c < GRID; c++) {
        partial[tRow + c] = Math.fround(partial[tRow + c]! + Math.fround(d * grid[aRow + c]!));
      }
    }
  }
  const dct = new Float32Array(COEFFICIENTS);
  for (let k = 0; k < DCT_SIZE; k++) {
    const tRow = k * GRID;
    for (let l = 0; l < DCT_SIZE; l++) {
      const dRow = l * GRID;
      let sum = 0;
      for (let n = 0; n < GRID; n++) sum = Math.fround(sum + Math.fround(partial[tRow + n]! * matrix[dRow + n]!));
      dct[k * DCT_SIZE + l] = sum;
    }
  }
  return dct;
}

const sortScratch = new Float32Array(COEFFICIENTS);

/** §2.7 Bit k = 16u + v is set iff B[u][v] is strictly greater than the 128th smallest value. */
function thresholdAtMedian(dct: Float32Array): Hash256 {
  sortScratch.set(dct);
  sortScratch.sort();
  const median = sortScratch[COEFFICIENTS / 2 - 1]!;
  const bits = new Uint8Array(COEFFICIENTS);
  for (let k = 0; k < COEFFICIENTS; k++) bits[k] = dct[k]! > median ? 1 : 0;
  return Hash256.fromBits(bits);
}

/**
 * §2.8 Each variant maps B[u][v] to B′[v][u] (when transposing) or B′[u][v], negated when
 * `negate(u, v)` holds. Negation is exact, so the variants equal hashing the transformed image
 * up to the asymmetries of the pipeline.
 */
function dihedralTransform(
  transpose: boolean,
  negate: (u: number, v: number) => boolean,
): (dct: Float32Array) => Float32Array {
  return (dct) => {
    const out = new Float32Array(COEFFICIENTS);
    for (let u = 0; u < DCT_SIZE; u++) {
      for (let v = 0; v < DCT_SIZE; v++) {
        const value = dct[u * DCT_SIZE + v]!;
        out[transpose ? v * DCT_SIZE + u : u * DCT_SIZE + v] = negate(u, v) ? -value : value;
      }
    }
    return out;
  };
}

const isEven = (n: number): boolean => (n & 1) === 0;

const DIHEDRAL_TRANSFORMS: Readonly<Record<DihedralName, (dct: Float32Array) => Float32Array>> = {
  orig: (dct) => dct,
  rot90: dihedralTransform(true, (_u, v) => isEven(v)),
  rot180: dihedralTransform(false, (u, v) => !isEven(u + v)),
  rot270: dihedralTransform(true, (u) => isEven(u)),
  flipx: dihedralTransform(false, (u) => isEven(u)),
  flipy: dihedralTransform(false, (_u, v) => isEven(v)),
  flipplus1: dihedralTransform(true, () => false),
  flipminus1: dihedralTransform(true, (u, v) => !isEven(u + v)),
};

interface Scratch {
  readonly luma: Float32Array;
  readonly temp: Float32Array;
  readonly grid: Float64Array;
}

let sharedScratch: Scratch | null = null;

/** Buffers for the largest image the hasher sees after the pre-resize (512x512), made once. */
function scratchBuffers(): Scratch {
  sharedScratch ??= {
    luma: new Float32Array(PRE_RESIZE_SIDE * PRE_RESIZE_SIDE),
    temp: new Float32Array(PRE_RESIZE_SIDE * PRE_RESIZE_SIDE),
    grid: new Float64Array(GRID * GRID),
  };
  return sharedScratch;
}
