/**
 * Published statistics, in the manner of Sahil's "Cruel Numbers": anonymous incident records
 * (hotline cases and newspaper reports) counted by category, sex, age band, province, district,
 * urban/rural, the suspected person's relationship, place and police registration; by month,
 * half-year and year; compared with the same period a year before; and "N children every day".
 *
 * Every count below k is withheld, with complementary suppression (domain/disclosure.ts), so that
 * no withheld count can be worked out from the published ones, and the withheld cells within any
 * published count add up to at least k. Releases whose periods overlap are refused (`releaseConflict`).
 * Pure: no I/O. The service counts in SQL into the same `Counts` shape that `countRecords` builds
 * in memory.
 */
import { categories } from './classification.ts';
import { csvLine } from './csv.ts';
import { suppressGroup, type Group, type GroupCell } from './disclosure.ts';
import type { FieldIssue } from './errors.ts';
import {
  abuserRelationships,
  ageBands,
  areas,
  childSexes,
  isAcceptedDate,
  isCalendarDate,
  places,
  policeStatuses,
  provinces,
  unknown,
} from './report.ts';

export const incidentSources = ['hotline', 'media'] as const;
export type IncidentSource = (typeof incidentSources)[number];

/** One-way tables over a field of the record, with their rows in the order shown. */
export const valueDimensions = {
  category: categories,
  sex: [...childSexes, unknown],
  age_band: [...ageBands, unknown],
  area: [...areas, unknown],
  relationship: [...abuserRelationships, unknown],
  place: [...places, unknown],
  police_status: [...policeStatuses, unknown],
  source: incidentSources,
} as const satisfies Record<string, readonly string[]>;
export type ValueDimension = keyof typeof valueDimensions;
export const valueDimensionNames = Object.keys(valueDimensions) as ValueDimension[];

export const provinceKeys = [...provinces, unknown] as const;

/** The tables of a release, in the order they are shown. */
export const tableIds = [
  'year',
  'half_year',
  'month',
  'category',
  'sex',
  'age_band',
  'province',
  'district',
  'area',
  'relationship',
  'place',
  'police_status',
  'source',
] as const;
export type TableId = (typeof tableIds)[number];

/** The tables over time; the others are each over a field of the record. */
export const periodTables: readonly TableId[] = ['year', 'half_year', 'month'];

/** Tables compared with the previous period ("boys +47%, girls +22%"). */
export const comparedTables = ['sex', 'category'] as const satisfies readonly ValueDimension[];

export const defaultK = 5;
export const minK = 2;
export const maxK = 100;
export const defaultTopDistricts = 10;
/** The longest period one release covers (the calendar tables grow with it). */
export const maxPeriodYears = 10;
/** The row of the district table that gathers every district not named in it, and those not known. */
export const otherDistricts = 'other';

/** The facts of one incident record that statistics use. */
export interface IncidentFacts {
  source: IncidentSource;
  category: string;
  /** YYYY-MM-DD: the date the incident was reported (to the hotline, or in the newspaper). */
  reportedOn: string;
  province: string;
  /** The district's canonical name when it is on the district list, else null. */
  district: string | null;
  area: string;
  victimSex: string;
  ageBand: string;
  abuserRelationship: string;
  place: string;
  policeStatus: string;
}

export interface Period {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, inclusive. */
  to: string;
}

/** What a release is computed from: the counts of one period (and filter), as SQL returns them. */
export interface Counts {
  total: number;
  values: Record<ValueDimension, Record<string, number>>;
  /** YYYY-MM → count. */
  months: Record<string, number>;
  /** Counts per province and listed district (null: not on the list, or not given). */
  geography: { province: string; district: string | null; count: number }[];
}

export interface Cell {
  /** null when withheld (unless the release was built with `reveal`, for staff). */
  value: number | null;
  suppressed: boolean;
}

export interface TableRow {
  key: string;
  /** District rows: the district's province. */
  province?: string;
  count: Cell;
  /** Share of the total, one decimal; null when the count is withheld. */
  percent: number | null;
}

export interface StatTable {
  id: TableId;
  rows: TableRow[];
  total: Cell;
}

export interface ComparisonRow {
  key: string;
  previous: Cell;
  current: Cell;
  /** Whole per cent, null unless both counts are published and the previous one is not 0. */
  changePercent: number | null;
}

export interface ComparisonTable {
  id: (typeof comparedTables)[number];
  rows: ComparisonRow[];
}

export interface Release {
  format: 'hifazat-statistics/1';
  period: Period & { days: number };
  k: number;
  total: Cell;
  /** The total divided by the days of the period, one decimal ("N children every day"). */
  perDay: number | null;
  tables: StatTable[];
  comparison: {
    period: Period & { days: number };
    total: ComparisonRow;
    tables: ComparisonTable[];
  } | null;
}

// ------------------------------------------------------------------------------------- dates

// The calendar and the dates a person may type are ruled in report.ts.

const dayMs = 86_400_000;
const toDay = (date: string) => Date.parse(`${date}T00:00:00Z`) / dayMs;

/** Days from `from` to `to`, both included. */
export function periodDays(period: Period): number {
  return toDay(period.to) - toDay(period.from) + 1;
}

/** The same date `years` years later (earlier when negative); 29 February becomes the 28th. */
export function shiftYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const year = String(y + years).padStart(4, '0');
  const candidate = `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return isCalendarDate(candidate) ? candidate : `${year}-${String(m).padStart(2, '0')}-28`;
}

/**
 * The period a release is compared with: the same dates a year before (as Sahil compares a
 * year, or a half-year, with the one before), or as many whole years before as the period needs
 * not to overlap itself (2016–2017 is compared with 2014–2015).
 */
export function previousPeriod(period: Period): Period {
  for (let years = 1; ; years++) {
    const shifted = { from: shiftYears(period.from, -years), to: shiftYears(period.to, -years) };
    if (shifted.to < period.from) return shifted;
  }
}

/** YYYY-MM of every month the period touches, in order. */
export function monthsOf(period: Period): string[] {
  const months: string[] = [];
  let [y, m] = period.from.split('-').map(Number) as [number, number];
  const last = period.to.slice(0, 7);
  for (;;) {
    const key = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
    months.push(key);
    if (key >= last) return months;
    m++;
    if (m > 12) [y, m] = [y + 1, 1];
  }
}

/** "2018-H1" (January–June) or "2018-H2" (July–December). */
export const halfOf = (month: string) => `${month.slice(0, 4)}-H${Number(month.slice(5, 7)) <= 6 ? 1 : 2}`;
export const yearOf = (month: string) => month.slice(0, 4);

/** Problems with a period as typed: dates, order and length (and, for a release, not ending after `latest`). */
export function periodIssues(period: { from?: string | undefined; to?: string | undefined }, latest?: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const field of ['from', 'to'] as const) {
    const value = period[field];
    if (value === undefined || value === '') issues.push({ field, problem: 'required' });
    else if (!isAcceptedDate(value)) issues.push({ field, problem: 'invalid_date' });
  }
  if (issues.length) return issues;
  const { from, to } = period as Period;
  if (to < from) issues.push({ field: 'to', problem: 'period_order' });
  else if (shiftYears(from, maxPeriodYears) <= to) issues.push({ field: 'to', problem: 'period_too_long' });
  else if (latest !== undefined && to > latest) issues.push({ field: 'to', problem: 'future_date' });
  return issues;
}

/** The periods a release publishes counts of: its own and, for the comparison, the one before it. */
export interface ReleasePeriods {
  id: number;
  period: Period;
  comparison: Period | null;
}

const samePeriod = (a: Period, b: Period) => a.from === b.from && a.to === b.to;
const overlap = (a: Period, b: Period) => a.from <= b.to && b.from <= a.to;

/**
 * Why a release of `period` may not be published beside those already published: the first pair
 * of periods, one of each release (its own period or the one it is compared with), that overlap
 * without being the same. Two such releases differ by the incidents of the days one covers and
 * the other does not (1–10 and 1–11 March: the incidents of 11 March, one by one when there are
 * few), which neither release's own suppression protects. The same period again is allowed: that
 * is a correction, and its comparison period is then the same too. Null when there is none.
 */
export function releaseConflict(
  period: Period,
  published: readonly ReleasePeriods[],
): { release: number; theirs: Period; ours: Period } | null {
  const ours = [period, previousPeriod(period)];
  for (const release of published) {
    for (const theirs of [release.period, ...(release.comparison ? [release.comparison] : [])]) {
      const clash = ours.find((p) => overlap(p, theirs) && !samePeriod(p, theirs));
      if (clash) return { release: release.id, theirs, ours: clash };
    }
  }
  return null;
}

export function kIssues(k: number): FieldIssue[] {
  return Number.isInteger(k) && k >= minK && k <= maxK ? [] : [{ field: 'k', problem: 'invalid_k' }];
}

// ----------------------------------------------------------------------------- aggregation

/** A record's value for a one-way table; values outside the list count as not known (or "other"). */
export function dimensionKey(dimension: ValueDimension, value: string): string {
  const keys = valueDimensions[dimension] as readonly string[];
  if (keys.includes(value)) return value;
  return dimension === 'category' ? 'other' : dimension === 'source' ? 'hotline' : unknown;
}

export const provinceKey = (value: string) => ((provinceKeys as readonly string[]).includes(value) ? value : unknown);

export function emptyCounts(): Counts {
  const values = Object.fromEntries(valueDimensionNames.map((d) => [d, {}])) as Counts['values'];
  return { total: 0, values, months: {}, geography: [] };
}

const recordField: Record<ValueDimension, (r: IncidentFacts) => string> = {
  category: (r) => r.category,
  sex: (r) => r.victimSex,
  age_band: (r) => r.ageBand,
  area: (r) => r.area,
  relationship: (r) => r.abuserRelationship,
  place: (r) => r.place,
  police_status: (r) => r.policeStatus,
  source: (r) => r.source,
};

/**
 * Counts the records reported within the period, in memory. (The service counts the same in
 * SQL; the integration tests check that both agree.)
 */
export function countRecords(records: Iterable<IncidentFacts>, period: Period): Counts {
  const counts = emptyCounts();
  const places = new Map<string, { province: string; district: string | null; count: number }>();
  const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);
  for (const r of records) {
    if (r.reportedOn < period.from || r.reportedOn > period.to) continue;
    counts.total++;
    for (const d of valueDimensionNames) bump(counts.values[d], dimensionKey(d, recordField[d](r)));
    bump(counts.months, r.reportedOn.slice(0, 7));
    const province = provinceKey(r.province);
    const district = province === unknown ? null : r.district;
    const key = `${province}\u0000${district ?? ''}`;
    const entry = places.get(key) ?? { province, district, count: 0 };
    entry.count++;
    places.set(key, entry);
  }
  counts.geography = [...places.values()];
  return counts;
}

// ---------------------------------------------------------------------------------- tables

interface PartCell extends GroupCell {
  group: string;
}

interface TableSpec {
  id: TableId;
  rows: { key: string; province?: string; cellId: string }[];
}

/** The cells of one period's tables, grouped for disclosure control (see domain/disclosure.ts). */
function partCells(
  period: Period,
  counts: Counts,
  k: number,
  topDistricts: number,
  dimensions: readonly ValueDimension[],
  calendarAndPlaces: boolean,
) {
  const cells: PartCell[] = [];
  const groups = new Map<string, number>();
  const tables: TableSpec[] = [];

  for (const d of dimensions) {
    const keys = valueDimensions[d] as readonly string[];
    const values: Record<string, number> = {};
    for (const [key, n] of Object.entries(counts.values[d])) values[dimensionKey(d, key)] = (values[dimensionKey(d, key)] ?? 0) + n;
    groups.set(d, keys.length);
    tables.push({ id: d, rows: keys.map((key) => ({ key, cellId: `${d}:${key}` })) });
    keys.forEach((key, i) => cells.push({ id: `${d}:${key}`, table: d, group: d, atoms: [i], value: values[key] ?? 0 }));
  }

  if (calendarAndPlaces) {
    // The calendar: atoms are the months of the period.
    const months = monthsOf(period);
    groups.set('calendar', months.length);
    const atomsWhere = (pick: (m: string) => string, key: string) => months.flatMap((m, i) => (pick(m) === key ? [i] : []));
    const sum = (atoms: number[]) => atoms.reduce((s, i) => s + (counts.months[months[i]!] ?? 0), 0);
    const halves = [...new Set(months.map(halfOf))];
    const years = [...new Set(months.map(yearOf))];
    tables.push({ id: 'year', rows: years.map((key) => ({ key, cellId: `year:${key}` })) });
    tables.push({ id: 'half_year', rows: halves.map((key) => ({ key, cellId: `half_year:${key}` })) });
    tables.push({ id: 'month', rows: months.map((key) => ({ key, cellId: `month:${key}` })) });
    for (const key of years) {
      const atoms = atomsWhere(yearOf, key);
      cells.push({ id: `year:${key}`, table: 'year', group: 'calendar', atoms, value: sum(atoms) });
    }
    for (const key of halves) {
      const atoms = atomsWhere(halfOf, key);
      cells.push({ id: `half_year:${key}`, table: 'half_year', group: 'calendar', atoms, value: sum(atoms) });
    }
    months.forEach((key, i) =>
      cells.push({ id: `month:${key}`, table: 'month', group: 'calendar', atoms: [i], value: counts.months[key] ?? 0 }),
    );

    // Places: atoms are the districts named in the district table, and per province the rest.
    const byPlace = new Map<string, { province: string; district: string | null; count: number }>();
    for (const g of counts.geography) {
      const province = provinceKey(g.province);
      const district = province === unknown ? null : g.district;
      const key = `${province}\u0000${district ?? ''}`;
      const entry = byPlace.get(key) ?? { province, district, count: 0 };
      entry.count += g.count;
      byPlace.set(key, entry);
    }
    // The busiest listed districts with at least k records: a named district is never withheld for being small.
    const named = [...byPlace.values()]
      .filter((p): p is { province: string; district: string; count: number } => p.district !== null && p.count >= k)
      .sort((a, b) => b.count - a.count || a.province.localeCompare(b.province) || a.district.localeCompare(b.district))
      .slice(0, topDistricts);
    const restAtom = (province: string) => named.length + provinceKeys.indexOf(province as (typeof provinceKeys)[number]);
    groups.set('places', named.length + provinceKeys.length);
    const provinceTotals = new Map<string, number>();
    for (const p of byPlace.values()) provinceTotals.set(p.province, (provinceTotals.get(p.province) ?? 0) + p.count);
    tables.push({ id: 'province', rows: provinceKeys.map((key) => ({ key, cellId: `province:${key}` })) });
    for (const province of provinceKeys) {
      const atoms = [...named.flatMap((n, i) => (n.province === province ? [i] : [])), restAtom(province)];
      cells.push({ id: `province:${province}`, table: 'province', group: 'places', atoms, value: provinceTotals.get(province) ?? 0 });
    }
    const districtRows = named.map((n) => ({ key: n.district, province: n.province, cellId: `district:${n.province}:${n.district}` }));
    tables.push({ id: 'district', rows: [...districtRows, { key: otherDistricts, cellId: `district:${otherDistricts}` }] });
    named.forEach((n, i) =>
      cells.push({ id: `district:${n.province}:${n.district}`, table: 'district', group: 'places', atoms: [i], value: n.count }),
    );
    cells.push({
      id: `district:${otherDistricts}`,
      table: 'district',
      group: 'places',
      atoms: provinceKeys.map(restAtom),
      value: counts.total - named.reduce((s, n) => s + n.count, 0),
    });
  }
  return { cells, groups, tables };
}

/** Withheld cell ids of one period: everything when the total is below k, else per group. */
function withheldCells(part: ReturnType<typeof partCells>, total: number, k: number): Set<string> {
  if (total < k) return new Set(part.cells.map((c) => c.id));
  const withheld = new Set<string>();
  for (const [name, atomCount] of part.groups) {
    const group: Group = { atomCount, cells: part.cells.filter((c) => c.group === name), total };
    for (const id of suppressGroup(group, k)) withheld.add(id);
  }
  return withheld;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export interface BuildOptions {
  k?: number;
  topDistricts?: number;
  /** Keep withheld values (flagged): for staff previewing unpublished data, never for publication. */
  reveal?: boolean;
}

/**
 * The tables of a release: every table of the period with disclosure control applied, the
 * average per day, and the comparison (total, sex, category) with the previous period.
 */
export function buildRelease(
  input: { period: Period; counts: Counts; previous?: { period: Period; counts: Counts } | null },
  options: BuildOptions = {},
): Release {
  const k = options.k ?? defaultK;
  const topDistricts = options.topDistricts ?? defaultTopDistricts;
  const reveal = options.reveal ?? false;
  if (kIssues(k).length) throw new Error(`k must be an integer from ${minK} to ${maxK}`);

  const { period, counts } = input;
  const part = partCells(period, counts, k, topDistricts, valueDimensionNames, true);
  const withheld = withheldCells(part, counts.total, k);
  const totalWithheld = counts.total < k;
  const cell = (value: number, suppressed: boolean): Cell => ({ value: suppressed && !reveal ? null : value, suppressed });
  const total = cell(counts.total, totalWithheld);
  const percentOf = (c: Cell, of: Cell) =>
    c.value === null || of.value === null || of.value === 0 ? null : round1((c.value / of.value) * 100);

  const byId = new Map<string, Cell>();
  for (const c of part.cells) byId.set(c.id, cell(c.value, withheld.has(c.id)));
  const tables: StatTable[] = tableIds.map((id) => {
    const spec = part.tables.find((t) => t.id === id)!;
    return {
      id,
      rows: spec.rows.map((r) => {
        const count = byId.get(r.cellId)!;
        return { key: r.key, ...(r.province ? { province: r.province } : {}), count, percent: percentOf(count, total) };
      }),
      total,
    };
  });

  let comparison: Release['comparison'] = null;
  if (input.previous) {
    const prev = input.previous;
    const prevPart = partCells(prev.period, prev.counts, k, topDistricts, comparedTables, false);
    const prevWithheld = withheldCells(prevPart, prev.counts.total, k);
    const prevTotal = cell(prev.counts.total, prev.counts.total < k);
    const change = (before: Cell, now: Cell): number | null =>
      before.value === null || now.value === null || before.value === 0 || (!reveal && (before.suppressed || now.suppressed))
        ? null
        : Math.round(((now.value - before.value) / before.value) * 100);
    comparison = {
      period: { ...prev.period, days: periodDays(prev.period) },
      total: { key: 'total', previous: prevTotal, current: total, changePercent: change(prevTotal, total) },
      tables: comparedTables.map((id) => ({
        id,
        rows: (valueDimensions[id] as readonly string[]).map((key) => {
          const cellId = `${id}:${key}`;
          const before = cell(prevPart.cells.find((c) => c.id === cellId)!.value, prevWithheld.has(cellId));
          const now = byId.get(cellId)!;
          return { key, previous: before, current: now, changePercent: change(before, now) };
        }),
      })),
    };
  }

  return {
    format: 'hifazat-statistics/1',
    period: { ...period, days: periodDays(period) },
    k,
    total,
    perDay: total.value === null || (totalWithheld && !reveal) ? null : round1(total.value / periodDays(period)),
    tables,
    comparison,
  };
}

// ------------------------------------------------------------------------------- narrative

export interface Narrative {
  total: number | null;
  perDay: number | null;
  previousTotal: number | null;
  totalChange: number | null;
  /** Change per sex (girls, boys), where both periods' counts are published. */
  sexChanges: { key: string; changePercent: number }[];
  /** The three largest published categories. */
  topCategories: { key: string; count: number; percent: number | null }[];
  /** Shares of the total, where published. */
  ruralPercent: number | null;
  registeredPercent: number | null;
  girlsPercent: number | null;
}

/** The numbers an annual report's text is written from: only published ones. */
export function narrative(release: Release): Narrative {
  const table = (id: TableId) => release.tables.find((t) => t.id === id)!;
  const row = (id: TableId, key: string) => table(id).rows.find((r) => r.key === key);
  const published = (r: TableRow | undefined) => (r && !r.count.suppressed ? r.percent : null);
  const sexTable = release.comparison?.tables.find((t) => t.id === 'sex');
  return {
    total: release.total.suppressed ? null : release.total.value,
    perDay: release.perDay,
    previousTotal: release.comparison && !release.comparison.total.previous.suppressed ? release.comparison.total.previous.value : null,
    totalChange: release.comparison?.total.changePercent ?? null,
    sexChanges: (sexTable?.rows ?? [])
      .filter((r) => r.key !== unknown && r.changePercent !== null)
      .map((r) => ({ key: r.key, changePercent: r.changePercent! })),
    topCategories: table('category')
      .rows.filter((r) => !r.count.suppressed && r.count.value !== null && r.count.value > 0)
      .sort((a, b) => b.count.value! - a.count.value!)
      .slice(0, 3)
      .map((r) => ({ key: r.key, count: r.count.value!, percent: r.percent })),
    ruralPercent: published(row('area', 'rural')),
    registeredPercent: published(row('police_status', 'registered')),
    girlsPercent: published(row('sex', 'girl')),
  };
}

/** "+11%", "−4%", "0%": a change as the reports print it. */
export function formatChange(percent: number): string {
  return percent > 0 ? `+${percent}%` : percent < 0 ? `−${Math.abs(percent)}%` : '0%';
}

// ------------------------------------------------------------------------------------- CSV

/** The columns of a release as CSV: one row per cell, withheld counts empty with suppressed = true. */
export const releaseCsvColumns = [
  'period_from',
  'period_to',
  'table',
  'key',
  'province',
  'count',
  'suppressed',
  'percent',
  'change_percent',
] as const;

/**
 * A release as CSV: the total, every table of the period, then the previous period's total,
 * sex and category (the comparison), each current row of a compared table with its change.
 */
export function releaseCsv(release: Release): string {
  const { from, to } = release.period;
  const changes = new Map<string, number | null>();
  if (release.comparison) {
    changes.set('total:total', release.comparison.total.changePercent);
    for (const t of release.comparison.tables) for (const r of t.rows) changes.set(`${t.id}:${r.key}`, r.changePercent);
  }
  const count = (c: Cell) => [c.value, c.suppressed];
  let out = csvLine(releaseCsvColumns);
  out += csvLine([
    from,
    to,
    'total',
    'total',
    null,
    ...count(release.total),
    release.total.suppressed ? null : 100,
    changes.get('total:total'),
  ]);
  for (const table of release.tables) {
    for (const row of table.rows) {
      out += csvLine([from, to, table.id, row.key, row.province, ...count(row.count), row.percent, changes.get(`${table.id}:${row.key}`)]);
    }
  }
  if (release.comparison) {
    const p = release.comparison.period;
    const prevTotal = release.comparison.total.previous;
    out += csvLine([p.from, p.to, 'total', 'total', null, ...count(prevTotal), prevTotal.suppressed ? null : 100, null]);
    for (const table of release.comparison.tables) {
      for (const row of table.rows) {
        const percent =
          row.previous.value === null || prevTotal.value === null || prevTotal.value === 0
            ? null
            : round1((row.previous.value / prevTotal.value) * 100);
        out += csvLine([p.from, p.to, table.id, row.key, null, ...count(row.previous), percent, null]);
      }
    }
  }
  return out;
}
