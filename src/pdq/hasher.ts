/**
 * PDQ perceptual hash (Meta's ThreatExchange algorithm), bit-exact with the C++ reference
 * `pdq-photo-hasher`. The step numbers (§2.x) refer to ALGORITHM.md in the shared conformance vectors.
 *
 * The float32 work (luminance, blur, decimation, quality, DCT) runs in WebAssembly, where float32
 * arithmetic is native (`./wasm/hash-step.ts`, AssemblyScript, compiled into `./hash-step-wasm.ts`
 * by `npm run build:pdq-wasm`); this module hands it the source rows the pre-resize picks,
 * thresholds the DCT block and forms the dihedral variants.
 *
 * No platform imports, so the same code runs in Node and in a browser. The WebAssembly memory is
 * module-level and reused; the functions are synchronous, so calls cannot interleave.
 */
import { Hash256 } from './hash256.ts';
import { hashStepWasm } from './hash-step-wasm.ts';

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
export const DIHEDRAL_NAMES = ['orig', 'rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flipplus1', 'flipminus1'] as const;
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
    hashes[name] = coefficients === null ? Hash256.zero() : thresholdAtMedian(DIHEDRAL_TRANSFORMS[name](coefficients.dct));
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
  const step = hashStep();
  const grey = image.channels <= 2 || isGreyContent(image);
  step.luminance(image, width, height, grey);
  const quality = step.blurDecimateAndTransform(width, height);
  return { dct: step.dct().slice(), quality };
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
  return width > PRE_RESIZE_SIDE || height > PRE_RESIZE_SIDE ? { width: PRE_RESIZE_SIDE, height: PRE_RESIZE_SIDE } : { width, height };
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

// §2.2 BT.601 weights; a product of an 8-bit value and a float32 is one float32 rounding.
function lumaTable(weight: number): Float32Array {
  const w = Math.fround(weight);
  return Float32Array.from({ length: 256 }, (_, value) => w * value);
}

/** §2.6 D[k][n] = fl(fl(√(2/64)) · cos((π/2/64)·(k+1)·(2n+1))), row k being frequency k + 1. */
function dctMatrix(): Float32Array {
  const matrix = new Float32Array(DCT_SIZE * GRID);
  const scale = Math.fround(Math.sqrt(2 / GRID));
  for (let k = 0; k < DCT_SIZE; k++) {
    for (let n = 0; n < GRID; n++) matrix[k * GRID + n] = scale * Math.cos((Math.PI / 2 / GRID) * (k + 1) * (2 * n + 1));
  }
  return matrix;
}

interface HashStep {
  /**
   * §2.1–§2.2 The luminance of the image pre-resized to `width` x `height`: nearest neighbour
   * with corner alignment to exactly 512x512 when larger, not keeping the aspect ratio (column x
   * takes source column floor(x·W/512), row y likewise).
   */
  readonly luminance: (image: PixelImage, width: number, height: number, grey: boolean) => void;
  /** §2.3–§2.6 on that luminance: leaves the 16x16 DCT block in `dct()` and returns the quality. */
  readonly blurDecimateAndTransform: (width: number, height: number) => number;
  readonly dct: () => Float32Array;
}

let sharedHashStep: HashStep | null = null;

/** The WebAssembly hash step, instantiated once (about 3 MiB of memory) with its tables written in. */
function hashStep(): HashStep {
  if (sharedHashStep) return sharedHashStep;
  const bytes = Uint8Array.from(atob(hashStepWasm), (c) => c.charCodeAt(0));
  const wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as {
    memory: WebAssembly.Memory;
    startImage: (sourceWidth: number, channels: number, width: number) => void;
    luminanceRow: (y: number, width: number, grey: number) => void;
    hashStep: (width: number, height: number) => number;
    SOURCE_ROW: WebAssembly.Global;
    DCT: WebAssembly.Global;
    DCT_MATRIX: WebAssembly.Global;
    LUMA_TABLES: WebAssembly.Global;
  };
  const at = (global: WebAssembly.Global) => global.value as number;
  const sourceRow = at(wasm.SOURCE_ROW);
  new Float32Array(wasm.memory.buffer, at(wasm.DCT_MATRIX), DCT_SIZE * GRID).set(dctMatrix());
  const tables = new Float32Array(wasm.memory.buffer, at(wasm.LUMA_TABLES), 3 * 256);
  [0.299, 0.587, 0.114].forEach((weight, i) => tables.set(lumaTable(weight), i * 256));
  sharedHashStep = {
    luminance(image, width, height, grey) {
      const stride = image.width * image.channels;
      const missing = sourceRow + stride - wasm.memory.buffer.byteLength;
      if (missing > 0) wasm.memory.grow(Math.ceil(missing / 65_536));
      // The buffer only changes when the memory grows, so this view holds for the whole image.
      const row = new Uint8Array(wasm.memory.buffer, sourceRow, stride);
      wasm.startImage(image.width, image.channels, width);
      for (let y = 0; y < height; y++) {
        const start = Math.floor((y * image.height) / height) * stride;
        row.set(image.data.subarray(start, start + stride));
        wasm.luminanceRow(y, width, grey ? 1 : 0);
      }
    },
    blurDecimateAndTransform: (width, height) => wasm.hashStep(width, height),
    dct: () => new Float32Array(wasm.memory.buffer, at(wasm.DCT), COEFFICIENTS),
  };
  return sharedHashStep;
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
function dihedralTransform(transpose: boolean, negate: (u: number, v: number) => boolean): (dct: Float32Array) => Float32Array {
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
