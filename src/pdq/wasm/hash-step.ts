// PDQ's hash step (§2.2–§2.6) in AssemblyScript, compiled to WebAssembly (`npm run
// build:pdq-wasm` writes ../hash-step-wasm.ts): float32 arithmetic is native there, where
// JavaScript pays a rounding (Math.fround) for every operation. The caller (../hasher.ts) writes
// the tables and, a row at a time, the source rows the pre-resize picks into memory at the
// offsets below, and reads back the 16x16 DCT block; every operation keeps the reference's
// float32 order, four lanes of SIMD doing four columns' independent sums at once. Not part of the TypeScript
// program (tsconfig.json excludes this folder): its types (f32, usize) are AssemblyScript's.

// Memory layout, in bytes. The first 64 KiB are left to the compiler. SIMD writes of a row may
// run up to 12 bytes past its end, into the next row (written after it) or into the gap after
// the buffer.
// The caller writes the luminance tables and the DCT matrix (WebAssembly has no cos).
export const LUMA_TABLES: usize = 0x10000; // f32, 3x256: red, green, blue weights times 0..255
const SOURCE_COLUMNS: usize = 0x11000; // i32, 512: byte offset in a source row of each pre-resized column
const LUMA: usize = 0x100000; // f32, 512x512
const TEMP: usize = 0x201000; // f32, 512x512
const GRID_CELLS: usize = 0x302000; // f32, 64x64
export const DCT: usize = 0x306000; // f32, 16x16 out
export const DCT_MATRIX: usize = 0x307000; // f32, 16x64
const PARTIAL: usize = 0x308000; // f32, 16x64
const COLUMN_SUMS: usize = 0x309000; // f32, 512
const EVERY_POSITION: usize = 0x30a000; // i32, 512: 0, 1, 2, …
const COLUMN_SLOT: usize = 0x30b000; // i32, 512
const ROW_SLOT: usize = 0x30c000; // i32, 512
const COLUMN_SLOT_OF_CELL: usize = 0x30d000; // i32, 64
const ROW_SLOT_OF_CELL: usize = 0x30d100; // i32, 64
/** One source row at a time, as `luminanceRow` reads it; the caller grows the memory when a row needs more. */
export const SOURCE_ROW: usize = 0x310000;

const GRID: i32 = 64;
const DCT_SIZE: i32 = 16;

// Once, at instantiation: the first two passes store every position where it was computed.
for (let i = 0; i < 512; i++) store<i32>(EVERY_POSITION + ((<usize>i) << 2), i);

/**
 * Prepares the pre-resize of a `sourceWidth`-pixel-wide image with `channels` bytes per pixel
 * to `width` columns: nearest neighbour with corner alignment, column x taking source column
 * floor(x·sourceWidth/width).
 */
export function startImage(sourceWidth: i32, channels: i32, width: i32): void {
  for (let x = 0; x < width; x++) {
    store<i32>(SOURCE_COLUMNS + ((<usize>x) << 2), <i32>((<i64>x * <i64>sourceWidth) / <i64>width) * channels);
  }
}

/**
 * §2.2 Row y of the luminance, from the source row at SOURCE_ROW: the grey value itself when
 * `grey`, else the float32 sum of the weighted red, green and blue in that order.
 */
export function luminanceRow(y: i32, width: i32, grey: bool): void {
  const out = LUMA + ((<usize>(y * width)) << 2);
  if (grey) {
    for (let x = 0; x < width; x++) {
      const p = SOURCE_ROW + <usize>load<i32>(SOURCE_COLUMNS + ((<usize>x) << 2));
      store<f32>(out + ((<usize>x) << 2), <f32>load<u8>(p));
    }
    return;
  }
  for (let x = 0; x < width; x++) {
    const p = SOURCE_ROW + <usize>load<i32>(SOURCE_COLUMNS + ((<usize>x) << 2));
    const red = load<f32>(LUMA_TABLES + ((<usize>load<u8>(p)) << 2));
    const green = load<f32>(LUMA_TABLES + 1024 + ((<usize>load<u8>(p + 1)) << 2));
    const blue = load<f32>(LUMA_TABLES + 2048 + ((<usize>load<u8>(p + 2)) << 2));
    store<f32>(out + ((<usize>x) << 2), red + green + blue);
  }
}

/**
 * Blur, decimation, quality and DCT of the `width` x `height` luminance (each 5 … 512) that
 * `luminanceRow` wrote. Leaves the DCT block at DCT and returns the quality.
 */
export function hashStep(width: i32, height: i32): i32 {
  if (width == GRID && height == GRID) {
    // The reference skips blur and decimation for an exact 64x64 input.
    memory.copy(GRID_CELLS, LUMA, (<usize>(GRID * GRID)) << 2);
  } else {
    blurAndDecimate(width, height);
  }
  dct16();
  return quality();
}

/**
 * §2.3–§2.4 The Jarosz tent filter: a box filter run horizontally, vertically, horizontally,
 * vertically, then sampled at the centres of a 64x64 grid of cells. The last two passes store
 * only the sampled columns (packed side by side) and rows; their running sums still see every
 * sample.
 */
function blurAndDecimate(width: i32, height: i32): void {
  const windowX = (width + 127) / 128;
  const windowY = (height + 127) / 128;
  const columns = gridSampling(width, COLUMN_SLOT, COLUMN_SLOT_OF_CELL);
  gridSampling(height, ROW_SLOT, ROW_SLOT_OF_CELL);

  boxRows(LUMA, TEMP, width, height, windowX, EVERY_POSITION, width);
  boxColumns(TEMP, LUMA, width, height, windowY, EVERY_POSITION);
  boxRows(LUMA, TEMP, width, height, windowX, COLUMN_SLOT, columns);
  boxColumns(TEMP, LUMA, columns, height, windowY, ROW_SLOT);

  for (let i = 0; i < GRID; i++) {
    const rowStart = load<i32>(ROW_SLOT_OF_CELL + ((<usize>i) << 2)) * columns;
    for (let j = 0; j < GRID; j++) {
      const from = rowStart + load<i32>(COLUMN_SLOT_OF_CELL + ((<usize>j) << 2));
      store<f32>(GRID_CELLS + ((<usize>(i * GRID + j)) << 2), load<f32>(LUMA + ((<usize>from) << 2)));
    }
  }
}

/**
 * Cell i samples position floor((i + 0.5)·length/64). Writes, per position, its index among the
 * distinct sampled positions (or −1) at `slotOf`, and per cell its position's slot at
 * `slotOfCell`; returns the number of distinct positions (64, or fewer on sides under 64).
 */
function gridSampling(length: i32, slotOf: usize, slotOfCell: usize): i32 {
  for (let p = 0; p < length; p++) store<i32>(slotOf + ((<usize>p) << 2), -1);
  let slots = 0;
  for (let i = 0; i < GRID; i++) {
    const position = <i32>Math.floor(((<f64>i + 0.5) * <f64>length) / <f64>GRID);
    const at = slotOf + ((<usize>position) << 2);
    if (load<i32>(at) == -1) store<i32>(at, slots++);
    store<i32>(slotOfCell + ((<usize>i) << 2), load<i32>(at));
  }
  return slots;
}

function lastStored(storeAt: usize, length: i32): i32 {
  let last = length - 1;
  while (last >= 0 && load<i32>(storeAt + ((<usize>last) << 2)) < 0) last--;
  return last;
}

/*
 * One box pass along a line of n samples with window w: output o is the mean of inputs
 * o−(w−a) … o+a−1 clipped to the line, a = floor((w+2)/2), by a float32 running sum that is
 * never recomputed: inputs 0 … a−2 first, then each step adds the entering input and, once the
 * window is full, subtracts the leaving one, in that order. Output o is stored at index
 * `storeAt[o]` along the line (nowhere when −1); a pass stops after the last position it stores.
 */

/**
 * The pass along every row, into rows `outputWidth` wide. A running sum is a chain of dependent
 * operations, so four rows are run side by side to overlap their latencies; past the bottom the
 * last row is repeated, which just recomputes the same outputs.
 */
function boxRows(input: usize, output: usize, width: i32, height: i32, window: i32, storeAt: usize, outputWidth: i32): void {
  const lead = (window + 2) >> 1;
  const lag = window - lead + 1;
  const end = lastStored(storeAt, width) + 1;
  const divisor = <f32>window;
  const inStride = (<usize>width) << 2;
  const outStride = (<usize>outputWidth) << 2;
  for (let top = 0; top < height; top += 4) {
    const in0 = input + <usize>top * inStride;
    const in1 = input + <usize>min(top + 1, height - 1) * inStride;
    const in2 = input + <usize>min(top + 2, height - 1) * inStride;
    const in3 = input + <usize>min(top + 3, height - 1) * inStride;
    const out0 = output + <usize>top * outStride;
    const out1 = output + <usize>min(top + 1, height - 1) * outStride;
    const out2 = output + <usize>min(top + 2, height - 1) * outStride;
    const out3 = output + <usize>min(top + 3, height - 1) * outStride;
    let sum0: f32 = 0;
    let sum1: f32 = 0;
    let sum2: f32 = 0;
    let sum3: f32 = 0;
    let count = 0;
    for (let x = 0; x < lead - 1; x++) {
      const at = (<usize>x) << 2;
      sum0 += load<f32>(in0 + at);
      sum1 += load<f32>(in1 + at);
      sum2 += load<f32>(in2 + at);
      sum3 += load<f32>(in3 + at);
      count++;
    }
    let o = 0;
    for (; o <= window - lead && o < end; o++) {
      const at = (<usize>(o + lead - 1)) << 2;
      sum0 += load<f32>(in0 + at);
      sum1 += load<f32>(in1 + at);
      sum2 += load<f32>(in2 + at);
      sum3 += load<f32>(in3 + at);
      count++;
      const column = load<i32>(storeAt + ((<usize>o) << 2));
      if (column >= 0) {
        const n = <f32>count;
        const to = (<usize>column) << 2;
        store<f32>(out0 + to, sum0 / n);
        store<f32>(out1 + to, sum1 / n);
        store<f32>(out2 + to, sum2 / n);
        store<f32>(out3 + to, sum3 / n);
      }
    }
    for (; o <= width - lead && o < end; o++) {
      const entering = (<usize>(o + lead - 1)) << 2;
      const leaving = (<usize>(o - lag)) << 2;
      sum0 = sum0 + load<f32>(in0 + entering) - load<f32>(in0 + leaving);
      sum1 = sum1 + load<f32>(in1 + entering) - load<f32>(in1 + leaving);
      sum2 = sum2 + load<f32>(in2 + entering) - load<f32>(in2 + leaving);
      sum3 = sum3 + load<f32>(in3 + entering) - load<f32>(in3 + leaving);
      const column = load<i32>(storeAt + ((<usize>o) << 2));
      if (column >= 0) {
        const to = (<usize>column) << 2;
        store<f32>(out0 + to, sum0 / divisor);
        store<f32>(out1 + to, sum1 / divisor);
        store<f32>(out2 + to, sum2 / divisor);
        store<f32>(out3 + to, sum3 / divisor);
      }
    }
    for (; o < end; o++) {
      const leaving = (<usize>(o - lag)) << 2;
      sum0 -= load<f32>(in0 + leaving);
      sum1 -= load<f32>(in1 + leaving);
      sum2 -= load<f32>(in2 + leaving);
      sum3 -= load<f32>(in3 + leaving);
      count--;
      const column = load<i32>(storeAt + ((<usize>o) << 2));
      if (column >= 0) {
        const n = <f32>count;
        const to = (<usize>column) << 2;
        store<f32>(out0 + to, sum0 / n);
        store<f32>(out1 + to, sum1 / n);
        store<f32>(out2 + to, sum2 / n);
        store<f32>(out3 + to, sum3 / n);
      }
    }
  }
}

/**
 * The pass down every column, a row at a time with one running sum per column, four columns to
 * a SIMD operation. Output row o goes to row `storeAt[o]`. Rows are padded to a multiple of four
 * columns; the padding's sums are computed and never read.
 */
function boxColumns(input: usize, output: usize, width: i32, height: i32, window: i32, storeAt: usize): void {
  const lead = (window + 2) >> 1;
  const lag = window - lead + 1;
  const end = lastStored(storeAt, height) + 1;
  const divisor = f32x4.splat(<f32>window);
  const rowBytes = (<usize>width) << 2;
  const paddedBytes = (rowBytes + 15) & ~15;
  memory.fill(COLUMN_SUMS, 0, paddedBytes);
  let count = 0;
  for (let y = 0; y < lead - 1; y++) {
    const entering = input + <usize>y * rowBytes;
    for (let x: usize = 0; x < paddedBytes; x += 16) {
      v128.store(COLUMN_SUMS + x, f32x4.add(v128.load(COLUMN_SUMS + x), v128.load(entering + x)));
    }
    count++;
  }
  let o = 0;
  for (; o <= window - lead && o < end; o++) {
    const entering = input + <usize>(o + lead - 1) * rowBytes;
    const slot = load<i32>(storeAt + ((<usize>o) << 2));
    count++;
    const n = f32x4.splat(<f32>count);
    for (let x: usize = 0; x < paddedBytes; x += 16) {
      const sum = f32x4.add(v128.load(COLUMN_SUMS + x), v128.load(entering + x));
      v128.store(COLUMN_SUMS + x, sum);
      if (slot >= 0) v128.store(output + <usize>slot * rowBytes + x, f32x4.div(sum, n));
    }
  }
  for (; o <= height - lead && o < end; o++) {
    const entering = input + <usize>(o + lead - 1) * rowBytes;
    const leaving = input + <usize>(o - lag) * rowBytes;
    const slot = load<i32>(storeAt + ((<usize>o) << 2));
    for (let x: usize = 0; x < paddedBytes; x += 16) {
      const sum = f32x4.sub(f32x4.add(v128.load(COLUMN_SUMS + x), v128.load(entering + x)), v128.load(leaving + x));
      v128.store(COLUMN_SUMS + x, sum);
      if (slot >= 0) v128.store(output + <usize>slot * rowBytes + x, f32x4.div(sum, divisor));
    }
  }
  for (; o < end; o++) {
    const leaving = input + <usize>(o - lag) * rowBytes;
    const slot = load<i32>(storeAt + ((<usize>o) << 2));
    count--;
    const n = f32x4.splat(<f32>count);
    for (let x: usize = 0; x < paddedBytes; x += 16) {
      const sum = f32x4.sub(v128.load(COLUMN_SUMS + x), v128.load(leaving + x));
      v128.store(COLUMN_SUMS + x, sum);
      if (slot >= 0) v128.store(output + <usize>slot * rowBytes + x, f32x4.div(sum, n));
    }
  }
}

/** §2.5 Sum of truncated scaled gradients over all neighbour pairs, divided by 90, capped at 100. */
function quality(): i32 {
  let sum = 0;
  for (let i = 0; i < GRID; i++) {
    for (let j = 0; j < GRID; j++) {
      const here = load<f32>(GRID_CELLS + ((<usize>(i * GRID + j)) << 2));
      if (i + 1 < GRID) sum += scaledGradient(here, load<f32>(GRID_CELLS + ((<usize>((i + 1) * GRID + j)) << 2)));
      if (j + 1 < GRID) sum += scaledGradient(here, load<f32>(GRID_CELLS + ((<usize>(i * GRID + j + 1)) << 2)));
    }
  }
  return min(100, sum / 90);
}

function scaledGradient(u: f32, v: f32): i32 {
  const scaled: f32 = ((u - v) * <f32>100) / <f32>255;
  return abs(<i32>scaled);
}

/**
 * §2.6 B = D·A·Dᵀ with every product and partial sum in float32, each sum over n = 0 … 63 in
 * order. T = D·A runs k, n, c so that memory is read in order.
 */
function dct16(): void {
  memory.fill(PARTIAL, 0, (<usize>(DCT_SIZE * GRID)) << 2);
  for (let k = 0; k < DCT_SIZE; k++) {
    const tRow = PARTIAL + ((<usize>(k * GRID)) << 2);
    for (let n = 0; n < GRID; n++) {
      const d = load<f32>(DCT_MATRIX + ((<usize>(k * GRID + n)) << 2));
      const aRow = GRID_CELLS + ((<usize>(n * GRID)) << 2);
      for (let c: usize = 0; c < (<usize>GRID) << 2; c += 4) store<f32>(tRow + c, load<f32>(tRow + c) + d * load<f32>(aRow + c));
    }
  }
  for (let k = 0; k < DCT_SIZE; k++) {
    const tRow = PARTIAL + ((<usize>(k * GRID)) << 2);
    for (let l = 0; l < DCT_SIZE; l++) {
      const dRow = DCT_MATRIX + ((<usize>(l * GRID)) << 2);
      let sum: f32 = 0;
      for (let n: usize = 0; n < (<usize>GRID) << 2; n += 4) sum += load<f32>(tRow + n) * load<f32>(dRow + n);
      store<f32>(DCT + ((<usize>(k * DCT_SIZE + l)) << 2), sum);
    }
  }
}
