/**
 * Newspaper reports of incidents, entered one at a time in the console or imported as CSV, so
 * that published statistics cover what the press reports as Sahil's do. Headline, paper and link
 * are public newspaper text; nothing here names a child. Pure: validation only.
 */
import { z } from 'zod';
import { categories } from './classification.ts';
import { parseCsv } from './csv.ts';
import { checkInput, type FieldIssue } from './errors.ts';
import {
  abuserRelationships,
  ageBands,
  areas,
  childSexes,
  isCalendarDate,
  limits,
  places,
  policeStatuses,
  provinces,
  unknown,
} from './report.ts';
import { hasForbiddenControl, normaliseText } from './text.ts';
import { normaliseUrl } from './url.ts';

/** The columns of a media CSV file, in this order in the template (any order is read). */
export const mediaColumns = [
  'date',
  'newspaper',
  'headline',
  'url',
  'category',
  'province',
  'district',
  'area',
  'sex',
  'age_band',
  'relationship',
  'place',
  'police_status',
] as const;
export type MediaColumn = (typeof mediaColumns)[number];

export const mediaLimits = { newspaper: 200, headline: 500, maxRows: 20_000, maxBytes: 5 * 1024 * 1024 } as const;
/** No newspaper report is older than this in Hifazat's statistics. */
export const earliestMediaDate = '1990-01-01';

export interface MediaRecord {
  /** The newspaper's date: the incident's reported_on in statistics. */
  date: string;
  newspaper: string;
  headline: string;
  url: string | null;
  category: string;
  province: string;
  district: string | null;
  area: string;
  sex: string;
  ageBand: string;
  relationship: string;
  place: string;
  policeStatus: string;
}

/** A problem in an import: the row as a spreadsheet numbers it (the header is row 1), the column (null: the whole row or file). */
export interface ImportProblem {
  row: number;
  column: MediaColumn | null;
  problem: string;
  /** For some problems: the unknown column's name, or the earlier row a duplicate repeats. */
  detail?: string;
}

const text = (max: number, required: boolean) =>
  z
    .string()
    .refine((v) => !hasForbiddenControl(v), 'control_characters')
    .transform(normaliseText)
    .refine((v) => !required || v !== '', 'required')
    .refine((v) => v.length <= max, 'too_long');

/** A choice; empty or "unknown" means not known. */
const choice = (values: readonly string[]) =>
  z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .refine((v) => v === '' || v === unknown || values.includes(v), 'invalid_choice')
    .transform((v) => (v === '' ? unknown : v));

/** The schema of one row (all fields are the CSV's strings), checked against `today` (Pakistan). */
export function mediaRowSchema(today: string) {
  return z.object({
    date: z
      .string()
      .transform((v) => v.trim())
      .refine((v) => v !== '', 'required')
      .refine((v) => v === '' || isCalendarDate(v), 'invalid_date')
      .refine((v) => !isCalendarDate(v) || v <= today, 'future_date')
      .refine((v) => !isCalendarDate(v) || v >= earliestMediaDate, 'too_old'),
    newspaper: text(mediaLimits.newspaper, true),
    headline: text(mediaLimits.headline, true),
    url: z.string().transform((v, ctx) => {
      const trimmed = v.trim();
      if (trimmed === '') return null;
      const result = normaliseUrl(trimmed);
      if ('problem' in result) {
        ctx.addIssue({ code: 'custom', message: result.problem });
        return z.NEVER;
      }
      return result.url;
    }),
    category: z
      .string()
      .transform((v) => v.trim().toLowerCase())
      .refine((v) => v !== '', 'required')
      .refine((v) => v === '' || (categories as readonly string[]).includes(v), 'invalid_choice'),
    province: choice(provinces),
    district: text(limits.district, false).transform((v) => (v === '' ? null : v)),
    area: choice(areas),
    sex: choice(childSexes),
    age_band: choice(ageBands),
    relationship: choice(abuserRelationships),
    place: choice(places),
    police_status: choice(policeStatuses),
  });
}

type Row = Partial<Record<MediaColumn, string>>;

/** One row (from the form or a CSV record) → a record, or its problems by column in column order. */
export function validateMediaRow(row: Row, today: string): { ok: true; record: MediaRecord } | { ok: false; issues: FieldIssue[] } {
  const input = Object.fromEntries(mediaColumns.map((c) => [c, typeof row[c] === 'string' ? row[c] : '']));
  const result = checkInput(mediaRowSchema(today), input);
  if (!result.ok) {
    const issues = [...result.error.issues];
    issues.sort((a, b) => mediaColumns.indexOf(a.field as MediaColumn) - mediaColumns.indexOf(b.field as MediaColumn));
    return { ok: false, issues };
  }
  const r = result.data;
  return {
    ok: true,
    record: {
      date: r.date,
      newspaper: r.newspaper,
      headline: r.headline,
      url: r.url,
      category: r.category,
      province: r.province,
      district: r.district,
      area: r.area,
      sex: r.sex,
      ageBand: r.age_band,
      relationship: r.relationship,
      place: r.place,
      policeStatus: r.police_status,
    },
  };
}

/** What identifies a row as already entered: every field, normalised (a second copy of one article's row is a duplicate). */
export function mediaRowKey(r: MediaRecord): string {
  return JSON.stringify([
    r.date,
    r.newspaper.toLowerCase(),
    r.headline,
    r.url,
    r.category,
    r.province,
    r.district?.toLowerCase() ?? null,
    r.area,
    r.sex,
    r.ageBand,
    r.relationship,
    r.place,
    r.policeStatus,
  ]);
}

export interface ParsedMediaFile {
  /** Valid rows with their row numbers. */
  records: { row: number; record: MediaRecord }[];
  /** Every problem found, in row and column order. */
  problems: ImportProblem[];
  /** Data rows in the file (blank lines not counted). */
  rows: number;
}

/**
 * Reads a media CSV file and checks every row, so that the report lists all problems at once.
 * The header names the columns (any order, each once, all of them). Blank lines are skipped.
 * A row equal to an earlier row of the file is `duplicate_row`.
 */
export function parseMediaCsv(bytes: Uint8Array, today: string): ParsedMediaFile {
  const fileProblem = (problem: string, row = 1, column: MediaColumn | null = null): ParsedMediaFile => ({
    records: [],
    problems: [{ row, column, problem }],
    rows: 0,
  });
  if (bytes.byteLength > mediaLimits.maxBytes) return fileProblem('file_too_large');
  let textContent: string;
  try {
    textContent = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fileProblem('not_utf8');
  }
  const parsed = parseCsv(textContent);
  if (!parsed.ok) return fileProblem(parsed.problem, parsed.row);
  const [header, ...body] = parsed.records;
  if (!header || header.every((h) => h.trim() === '')) return fileProblem('empty_file');
  const names = header.map((h) => h.trim().toLowerCase());
  const headerProblems: ImportProblem[] = [];
  names.forEach((name, i) => {
    if (!(mediaColumns as readonly string[]).includes(name))
      headerProblems.push({ row: 1, column: null, problem: 'unknown_column', detail: header[i]!.trim() });
    else if (names.indexOf(name) !== i) headerProblems.push({ row: 1, column: name as MediaColumn, problem: 'duplicate_column' });
  });
  for (const column of mediaColumns) if (!names.includes(column)) headerProblems.push({ row: 1, column, problem: 'missing_column' });
  if (headerProblems.length) return { records: [], problems: headerProblems, rows: 0 };

  const problems: ImportProblem[] = [];
  const records: ParsedMediaFile['records'] = [];
  const seen = new Map<string, number>();
  let rows = 0;
  for (const [index, fields] of body.entries()) {
    const row = index + 2;
    if (fields.every((f) => f.trim() === '')) continue;
    rows++;
    if (rows > mediaLimits.maxRows) {
      problems.push({ row, column: null, problem: 'too_many_rows' });
      break;
    }
    if (fields.length !== names.length) {
      problems.push({ row, column: null, problem: 'wrong_field_count' });
      continue;
    }
    const values: Row = Object.fromEntries(names.map((name, i) => [name, fields[i]!]));
    const result = validateMediaRow(values, today);
    if (!result.ok) {
      for (const issue of result.issues) problems.push({ row, column: issue.field as MediaColumn, problem: issue.problem });
      continue;
    }
    const key = mediaRowKey(result.record);
    if (seen.has(key)) {
      problems.push({ row, column: null, problem: 'duplicate_row', detail: String(seen.get(key)) });
      continue;
    }
    seen.set(key, row);
    records.push({ row, record: result.record });
  }
  return { records, problems, rows };
}

/** A problem as a line of the validation report: "row 4, column sex: invalid_choice". */
export function describeProblem(p: ImportProblem): string {
  return `row ${p.row}${p.column ? `, column ${p.column}` : ''}: ${p.problem}${p.detail ? ` (${p.detail})` : ''}`;
}

/** The template's header line. */
export const mediaCsvHeader = `${mediaColumns.join(',')}\r\n`;
