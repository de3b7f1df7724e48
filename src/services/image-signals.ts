/**
 * Image signals for matching: PDQ perceptual hash (+ quality), MD5 and SHA-256 of the bytes.
 *
 * Decoding goes through sharp (libvips) and is set up to give the pixels Meta's reference hasher
 * sees, because hash lists are produced with it: the EXIF orientation is not applied, alpha is
 * ignored (transparent pixels keep their stored colour), no colour management is done, CMYK is
 * converted ImageMagick's way, and animated or multi-page images use their first frame.
 *
 * Two deliberate differences. 16-bit images are scaled to 8 bits properly, where the reference
 * keeps the low byte of each sample (a bug that makes its hash of such an image meaningless). And
 * where the reference CLI prints an all-zero hash for a file it cannot read, and hashes whatever
 * part of a truncated file decoded, anything that does not decode cleanly is refused here with a
 * HifazatError: image_unreadable, image_truncated or image_too_large.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { HifazatError } from '../domain/errors.ts';
import { DIHEDRAL_NAMES, pdqHash, pdqHashWithDihedrals, type DihedralName, type PixelImage } from '../pdq/index.ts';

// Images sent to be matched may be abuse material: libvips must not keep decoded pixels in
// its operation cache after an image is hashed.
sharp.cache(false);

/** 100 megapixels, about 300 MB of decoded RGB: above any camera in common use, far below a bomb. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/**
 * Images decoded and hashed at once by a server process: each may take up to 300 MB of decoded
 * pixels and a core (libvips's threads, then the PDQ hash on the event loop), so a few large
 * images sent together must not take the machine's memory.
 */
export const CONCURRENT_DECODES = 2;
/**
 * Images admitted beyond those being decoded, to wait for a decoder. An admitted image's bytes
 * (up to the 50 MB body limit) are held until it is hashed, so this bounds them too; an image
 * arriving when all places are taken is refused before its body is read (429, Retry-After).
 */
export const WAITING_DECODES = 6;

/** A place for one image among those a `DecodeSlots` admits. */
export interface DecodeTicket {
  /** Waits for a decoder (at most `concurrent` run at once), runs `work`, then gives the place up. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Gives the place up unused (a refused or abandoned request); idempotent, a no-op once `run` began. */
  release(): void;
}

/**
 * Bounds the decoding of images in a process: at most `concurrent` at once, and at most `waiting`
 * more admitted to wait for them (first come, first served). Admission is taken before the image
 * is read, so that a refusal costs nothing.
 */
export class DecodeSlots {
  #admitted = 0;
  #running = 0;
  readonly #queue: (() => void)[] = [];

  constructor(
    readonly concurrent: number,
    readonly waiting: number,
  ) {
    if (!Number.isSafeInteger(concurrent) || concurrent < 1 || !Number.isSafeInteger(waiting) || waiting < 0) {
      throw new RangeError(`DecodeSlots(${concurrent}, ${waiting})`);
    }
  }

  /** Images admitted and not yet done (decoding, waiting, or still being received). */
  get admitted(): number {
    return this.#admitted;
  }

  /** Images being decoded now. */
  get running(): number {
    return this.#running;
  }

  /** A place for one more image, or undefined when `concurrent + waiting` are taken. */
  admit(): DecodeTicket | undefined {
    if (this.#admitted >= this.concurrent + this.waiting) return undefined;
    this.#admitted++;
    let started = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.#admitted--;
    };
    return {
      run: async <T>(work: () => Promise<T>): Promise<T> => {
        if (started || done) throw new Error('a decode ticket runs once');
        started = true;
        await this.#acquire();
        try {
          return await work();
        } finally {
          this.#handOver();
          finish();
        }
      },
      release: () => {
        if (!started) finish();
      },
    };
  }

  #acquire(): Promise<void> {
    if (this.#running < this.concurrent) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  /** The decoder passes to the next in line, if any. */
  #handOver(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#running--;
  }
}

/** This process's decoders, shared by every request that sends an image. */
export const imageDecoding = new DecodeSlots(CONCURRENT_DECODES, WAITING_DECODES);

export interface DecodeOptions {
  /** Largest width × height accepted (first frame). Checked from the header, before decoding. */
  readonly maxPixels?: number;
}

export interface ImageSignalOptions extends DecodeOptions {
  /** Also return the PDQ hashes of the eight rotations and mirror images. */
  readonly dihedral?: boolean;
}

export interface DecodedImage extends PixelImage {
  /** Decoder that read the image, as sharp names it: 'jpeg', 'png', 'webp', 'gif', 'tiff', … */
  readonly format: string;
}

export interface ImageSignals {
  /** PDQ hash, 64 lowercase hex digits in the reference layout. */
  readonly pdq: string;
  /** PDQ quality 0–100; matching discards hashes below 50. */
  readonly quality: number;
  readonly md5: string;
  readonly sha256: string;
  readonly format: string;
  readonly width: number;
  readonly height: number;
  /** Present when requested: PDQ of each dihedral variant, `orig` being `pdq`. */
  readonly pdqDihedral?: Readonly<Record<DihedralName, string>>;
}

export async function computeImageSignals(input: Uint8Array, options: ImageSignalOptions = {}): Promise<ImageSignals> {
  const image = await decodeImage(input, options);
  const digests = {
    md5: createHash('md5').update(input).digest('hex'),
    sha256: createHash('sha256').update(input).digest('hex'),
    format: image.format,
    width: image.width,
    height: image.height,
  };
  if (!options.dihedral) {
    const { hash, quality } = pdqHash(image);
    return { pdq: hash.toHex(), quality, ...digests };
  }
  const { hashes, quality } = pdqHashWithDihedrals(image);
  const pdqDihedral = {} as Record<DihedralName, string>;
  for (const name of DIHEDRAL_NAMES) pdqDihedral[name] = hashes[name].toHex();
  return { pdq: pdqDihedral.orig, quality, ...digests, pdqDihedral };
}

/** Decodes to 8-bit pixels as the reference hasher reads them (see the module comment). */
export async function decodeImage(input: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) {
    throw new RangeError(`maxPixels must be a positive integer, got ${maxPixels}`);
  }
  if (input.length === 0) throw new HifazatError('image_unreadable', 'the file is empty');

  // Reads the header only; the limit is checked below, with a clearer message than sharp's.
  const metadata = await sharp(input, { limitInputPixels: false })
    .metadata()
    .catch((error: unknown) => {
      throw decodeFailure(error);
    });
  // Refuse by the header's dimensions, before any pixel is decoded.
  if (metadata.width * metadata.height > maxPixels) {
    throw new HifazatError('image_too_large', `the image is ${metadata.width}x${metadata.height} pixels, over the limit of ${maxPixels}`);
  }

  const decoder = sharp(input, {
    // Truncation and decoder errors abort; mere warnings (common in camera files) do not.
    failOn: 'error',
    limitInputPixels: maxPixels,
    autoOrient: false,
    ignoreIcc: true,
    pages: 1,
  });
  const space = metadata.space ?? '';
  if (space === 'cmyk') decoder.pipelineColourspace('cmyk').toColourspace('cmyk');
  // Keeps grey images at one channel instead of expanding them to RGB.
  else if (GREY_SPACES.has(space)) decoder.toColourspace('b-w');

  const { data, info } = await decoder
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw decodeFailure(error);
    });
  const decoded = { format: metadata.format, width: info.width, height: info.height };
  if (space === 'cmyk') return { ...decoded, channels: 3, data: cmykToRgb(data, info.channels) };
  return { ...decoded, channels: info.channels, data };
}

const GREY_SPACES = new Set(['b-w', 'grey16']);

/**
 * ImageMagick's CMYK to RGB conversion, which the reference gets: no colour profile, each of R, G, B
 * = round((255 − C)·(255 − K)/255) with C, M, Y as the matching ink (this equals its 16-bit
 * arithmetic for every 8-bit input). sharp would instead convert through an ICC profile, which moves
 * the PDQ hash by about 10 bits.
 */
function cmykToRgb(cmyk: Uint8Array, channels: number): Uint8Array {
  const pixels = cmyk.length / channels;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0, p = 0; i < pixels; i++, p += channels) {
    const white = 255 - cmyk[p + 3]!;
    rgb[3 * i] = Math.round(((255 - cmyk[p]!) * white) / 255);
    rgb[3 * i + 1] = Math.round(((255 - cmyk[p + 1]!) * white) / 255);
    rgb[3 * i + 2] = Math.round(((255 - cmyk[p + 2]!) * white) / 255);
  }
  return rgb;
}

// libvips reports truncation per decoder: JPEG "premature end of JPEG image", PNG "libpng read
// error", GIF "Unexpected end of GIF source data", HEIF/AVIF "Unexpected end of file".
const TRUNCATION_MESSAGE = /premature end|unexpected end|end of file|truncated|libpng read error/i;

function decodeFailure(error: unknown): HifazatError {
  const detail = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(detail)) {
    return new HifazatError('image_too_large', 'the image has more pixels than allowed', { cause: error });
  }
  if (TRUNCATION_MESSAGE.test(detail)) {
    return new HifazatError('image_truncated', `the image file is incomplete (${detail})`, { cause: error });
  }
  return new HifazatError('image_unreadable', `the file could not be decoded as an image (${detail})`, {
    cause: error,
  });
}
