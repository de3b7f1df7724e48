#!/usr/bin/env node
// Regenerates src/http/assets/fonts/noto-nastaliq-urdu-400.woff2 from @fontsource's Arabic-script
// file, keeping only what Urdu text needs (its letters, marks, punctuation and digits) so that the
// font a phone downloads stays small. Run after upgrading @fontsource/noto-nastaliq-urdu:
//   node scripts/subset-urdu-font.mjs
// It also prints the font's vertical metrics, which site.css's 'Nastaliq fallback' face copies
// (divided by its size-adjust) so that the page does not jump when the font arrives.
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

/** Ascender, descender and line gap in em, as browsers read them (OS/2 typo metrics when USE_TYPO_METRICS is set, else hhea). */
function verticalMetrics(sfnt) {
  const table = (tag) => {
    const count = sfnt.readUInt16BE(4);
    for (let i = 0; i < count; i++) {
      const entry = 12 + 16 * i;
      if (sfnt.toString('latin1', entry, entry + 4) === tag) return sfnt.subarray(sfnt.readUInt32BE(entry + 8));
    }
    throw new Error(`no ${tag} table`);
  };
  const unitsPerEm = table('head').readUInt16BE(18);
  const os2 = table('OS/2');
  const hhea = table('hhea');
  const useTypo = (os2.readUInt16BE(62) & 0x80) !== 0;
  const [ascender, descender, lineGap] = useTypo
    ? [os2.readInt16BE(68), os2.readInt16BE(70), os2.readInt16BE(72)]
    : [hhea.readInt16BE(4), hhea.readInt16BE(6), hhea.readInt16BE(8)];
  return { ascender: ascender / unitsPerEm, descender: -descender / unitsPerEm, lineGap: lineGap / unitsPerEm };
}

const font = await readFile(source);
const subset = await subsetFont(font, urdu, { targetFormat: 'woff2' });
await writeFile(target, subset);
process.stdout.write(`${target.pathname}: ${subset.length} bytes\n`);
const metrics = verticalMetrics(await subsetFont(font, urdu, { targetFormat: 'sfnt' }));
process.stdout.write(
  `vertical metrics (em): ascender ${metrics.ascender}, descender ${metrics.descender}, line gap ${metrics.lineGap}\n` +
    `site.css's 'Nastaliq fallback': ascent-override, descent-override and line-gap-override are these × 100% ÷ its size-adjust\n`,
);
