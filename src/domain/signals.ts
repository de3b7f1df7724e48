import { z } from 'zod';
import { parse as parseCsv } from 'csv-parse/sync';
import { csvLine } from './csv.ts';

/**
 * Signals: what is known of an image without the image. PDQ (a 256-bit perceptual hash, 64 hex
 * digits), MD5 and SHA-256 of the bytes. Pure rules for reading and writing them.
 */
export const signalTypes = ['pdq', 'md5', 'sha256'] as const;
export type SignalType = (typeof signalTypes)[number];

const hexLength: Record<SignalType, number> = { pdq: 64, md5: 32, sha256: 64 };

/** Matching systems discard PDQ hashes of quality below this (flat or tiny images). */
export const minimumPdqQuality = 50;

export interface Signal {
  type: SignalType;
  /** Lower-case hex. */
  value: string;
}

export function normaliseSignal(type: string, value: string): Signal | undefined {
  const t = type
    .trim()
    .toLowerCase()
    .replace(/^sha-?256$/, 'sha256')
    .replace(/^md-?5$/, 'md5');
  if (!(signalTypes as readonly string[]).includes(t)) return undefined;
  const v = value.trim().toLowerCase();
  const length = hexLength[t as SignalType];
  return new RegExp(`^[0-9a-f]{${length}}$`).test(v) ? { type: t as SignalType, value: v } : undefined;
}

export interface BankEntryInput {
  signal: Signal;
  quality: number | null;
  label: string | null;
  source: string | null;
}

export interface CsvProblem {
  /** 1-based line number in the file. */
  line: number;
  problem: string;
}

/** The layouts Hifazat reads; `detectLayout` picks one from the first meaningful line. */
export type BankFileLayout =
  /** Hifazat's own CSV, with a header: signal_type,signal,quality,label,source */
  | 'hifazat'
  /** ThreatExchange / HMA signal files: one "TYPE SIGNAL" per line (e.g. "pdq 9f3a…") */
  | 'threatexchange'
  /** The PDQ reference tools' output: "HASH,QUALITY,FILENAME" */
  | 'pdq-tool';

export const bankCsvHeader = 'signal_type,signal,quality,label,source';

function detectLayout(line: string): BankFileLayout | undefined {
  if (line.replace(/\s/g, '').toLowerCase() === bankCsvHeader) return 'hifazat';
  if (/^(pdq|md5|sha256|sha-256|video_md5)\s+[0-9a-f]+$/i.test(line)) return 'threatexchange';
  if (/^[0-9a-f]{64},\s*\d{1,3}(,|$)/i.test(line)) return 'pdq-tool';
  return undefined;
}

/**
 * Reads a bank file in any of the supported layouts. Bad lines are reported with their line
 * number; good ones are returned. `source` names where entries came from when the layout has
 * no column for it.
 */
export function parseBankFile(
  text: string,
  defaults: { source: string | null },
): {
  layout: BankFileLayout | undefined;
  entries: BankEntryInput[];
  problems: CsvProblem[];
} {
  const entries: BankEntryInput[] = [];
  const problems: CsvProblem[] = [];
  let layout: BankFileLayout | undefined;
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, each record comes with the line it ended on.
    records = parseCsv(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      comment: '#',
      trim: true,
      info: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return { layout, entries, problems: [{ line, problem: 'broken CSV quoting; nothing after this line was read' }] };
  }
  for (const { record, info } of records) {
    const line = info.lines;
    if (!layout) {
      layout = detectLayout(record.join(','));
      if (!layout) {
        problems.push({
          line,
          problem: `not a known layout (expected the header "${bankCsvHeader}", "pdq HASH" lines, or "HASH,QUALITY,FILE")`,
        });
        continue;
      }
      if (layout === 'hifazat') continue;
    }
    const entry = readRecord(layout, record, defaults);
    if (typeof entry === 'string') problems.push({ line, problem: entry });
    else entries.push(entry);
  }
  return { layout, entries, problems };
}

function readRecord(layout: BankFileLayout, cells: string[], defaults: { source: string | null }): BankEntryInput | string {
  if (layout === 'threatexchange') {
    const [type = '', value = ''] = cells.join(',').split(/\s+/);
    const signal = normaliseSignal(type === 'video_md5' ? 'md5' : type, value);
    return signal ? { signal, quality: null, label: null, source: defaults.source } : `not a valid ${type} signal`;
  }
  if (layout === 'pdq-tool') {
    const signal = normaliseSignal('pdq', cells[0] ?? '');
    const quality = Number(cells[1]);
    if (!signal) return 'not a 64-digit PDQ hash';
    if (!Number.isInteger(quality) || quality < 0 || quality > 100) return 'quality must be 0–100';
    return { signal, quality, label: cells[2] || null, source: defaults.source };
  }
  if (cells.length !== 5) return `expected 5 columns (${bankCsvHeader}), found ${cells.length}`;
  const [type = '', value = '', qualityText = '', label = '', source = ''] = cells;
  const signal = normaliseSignal(type, value);
  if (!signal) return `"${type}" with this value is not a pdq, md5 or sha256 signal`;
  const quality = qualityText === '' ? null : Number(qualityText);
  if (quality !== null && (!Number.isInteger(quality) || quality < 0 || quality > 100)) return 'quality must be 0–100 or empty';
  if (signal.type === 'pdq' && quality === null) return 'a PDQ signal needs its quality';
  return { signal, quality, label: label || null, source: source || defaults.source };
}

/** The bank CSV Hifazat writes (and reads back): header, then one entry per row. */
export function formatBankFile(
  rows: readonly { type: SignalType; value: string; quality: number | null; label: string | null; source: string | null }[],
): string {
  return [bankCsvHeader.split(','), ...rows.map((r) => [r.type, r.value, r.quality, r.label, r.source])].map(csvLine).join('');
}

const hex = (length: number) =>
  z
    .string('invalid')
    .transform((v) => v.trim().toLowerCase())
    .refine((v) => new RegExp(`^[0-9a-f]{${length}}$`).test(v), `must be ${length} hexadecimal digits`);

/** One query: a PDQ hash (or up to 8, e.g. an image's dihedral variants), an MD5 or a SHA-256. */
const matchQuery = {
  pdq: z.union([hex(64).transform((v) => [v]), z.array(hex(64)).min(1).max(8)]).optional(),
  md5: hex(32).optional(),
  sha256: hex(64).optional(),
};
const needsOne = (q: { pdq?: unknown; md5?: unknown; sha256?: unknown }) =>
  q.pdq !== undefined || q.md5 !== undefined || q.sha256 !== undefined;
const distance = z.number('invalid').int('invalid').min(0).max(64).optional();

export const matchRequestSchema = z
  .strictObject({ ...matchQuery, distance }, 'invalid')
  .refine(needsOne, { message: 'give pdq, md5 or sha256', path: ['pdq'] });

export const maxBulkQueries = 1000;
export const bulkMatchRequestSchema = z.strictObject(
  {
    queries: z
      .array(z.strictObject(matchQuery, 'invalid').refine(needsOne, { message: 'give pdq, md5 or sha256', path: ['pdq'] }), 'invalid')
      .min(1, 'required')
      .max(maxBulkQueries, `at most ${maxBulkQueries} queries`),
    distance,
  },
  'invalid',
);

/**
 * What an API key may do: `match` (hash an image, match, bulk match) and `feedback` (tell the
 * hotline a match was a true or false positive). Granted separately.
 */
export const apiKeyScopes = ['match', 'feedback'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];
/**
 * What `hifazat apikey create` grants unless told otherwise: both, as keys could do before scopes
 * existed. Feedback changes only what the key itself is shown (see `matchFeedbackSchema`).
 */
export const defaultApiKeyScopes: readonly ApiKeyScope[] = ['match', 'feedback'];

/** Scopes from a list such as "match,feedback"; undefined when one is unknown or none is named. */
export function parseApiKeyScopes(text: string): ApiKeyScope[] | undefined {
  const named = [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  if (named.length === 0 || !named.every((s) => (apiKeyScopes as readonly string[]).includes(s))) return undefined;
  return named as ApiKeyScope[];
}

/**
 * Entries one key may hide from its own matches. Its hidden set is read with its scope (every few
 * seconds) and consulted on every match, so it stays small; past it, analysts review the key's
 * feedback.
 */
export const maxHiddenEntriesPerKey = 10_000;

/** What a platform says of a match. */
export const matchVerdicts = ['true_positive', 'false_positive'] as const;
export type MatchVerdict = (typeof matchVerdicts)[number];

/**
 * A platform's verdict on a match. Recorded for the hotline's analysts, always. When `confirmed`
 * (a person at the platform looked), a false positive hides the entry from that key's later matches
 * only, and a true positive shows it to that key again; no key changes what another key is shown.
 * Disabling an entry for everyone is the hotline's decision (`hifazat bank disable`).
 */
export const matchFeedbackSchema = z.strictObject(
  {
    entryId: z.number('invalid').int('invalid').positive('invalid').max(2_147_483_647, 'invalid'),
    verdict: z.enum(matchVerdicts, 'invalid_choice'),
    /** A person at the platform looked and confirmed it. */
    confirmed: z.boolean('invalid').default(false),
  },
  'invalid',
);
