import { parse } from 'csv-parse/sync';

/**
 * CSV as spreadsheets write and read it (RFC 4180): comma-separated, fields with a comma, quote
 * or line break in double quotes, quotes doubled; CRLF or LF line ends; a UTF-8 byte-order mark
 * is ignored. Reading is csv-parse's; writing guards against spreadsheet formulas.
 */

export type CsvParse =
  | { ok: true; records: string[][] }
  /** `row` counts records as a spreadsheet numbers rows (the first is 1). */
  | { ok: false; row: number; problem: 'unterminated_quote' | 'stray_quote' };

export function parseCsv(text: string): CsvParse {
  try {
    return { ok: true, records: parse(text, { bom: true, relax_column_count: true }) as string[][] };
  } catch (error) {
    const e = error as { code?: string; records?: number };
    return { ok: false, row: (e.records ?? 0) + 1, problem: e.code === 'CSV_QUOTE_NOT_CLOSED' ? 'unterminated_quote' : 'stray_quote' };
  }
}

/**
 * One CSV field. Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab
 * or carriage return) gets a leading apostrophe, so an exported file cannot carry one.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(fields: readonly (string | number | boolean | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
