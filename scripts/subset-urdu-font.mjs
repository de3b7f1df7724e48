#!/usr/bin/env node
// Regenerates src/http/assets/fonts/noto-nastaliq-urdu-400.woff2 from @fontsource's Arabic-script
// file, keeping only what Urdu text needs (its letters, marks, punctuation and digits) so that the
// font a phone downloads stays small. Run after upgrading @fontsource/noto-nastaliq-urdu:
//   node scripts/subset-urdu-font.mjs
import { readFile, writeFile } from 'node:fs/promises';
import subsetFont from 'subset-font';

const source = new URL('../node_modules/@fontsource/noto-nastaliq-urdu/files/noto-nastaliq-urdu-arabic-400-normal.woff2', import.meta.url);
const target = new URL('../src/http/assets/fonts/noto-nastaliq-urdu-400.woff2', import.meta.url);

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i)).join('');
const urdu = [
  range(0x0621, 0x063a), // hamza … ghain
  range(0x0640, 0x0655), // tatweel, letters fa … yeh, harakat, superscript/subscript hamza
  '\u0670', // superscript alef
  '\u0679\u067e\u0686\u0688\u0691\u0698\u06a9\u06af\u06ba\u06be\u06c1\u06c2\u06c3\u06cc\u06d2\u06d3', // ٹ پ چ ڈ ڑ ژ ک گ ں ھ ہ ۂ ۃ ی ے ۓ
  '\u060c\u061b\u061f\u06d4\u066a\u066b\u066c', // ، ؛ ؟ ۔ ٪ ٫ ٬
  range(0x06f0, 0x06f9), // Urdu digits (an optional display style for statistics)
  range(0x0660, 0x0669), // Arabic-Indic digits, as some keyboards type them
  '\u200c\u200d\u200e\u200f', // ZWNJ, ZWJ, LRM, RLM
  ' ',
].join('');

const subset = await subsetFont(await readFile(source), urdu, { targetFormat: 'woff2' });
await writeFile(target, subset);
process.stdout.write(`${target.pathname}: ${subset.length} bytes\n`);
