import { z } from 'zod';
import { closureReasons, type ClosureReason } from './case.ts';
import { agencyKinds, firStatuses, triageTargetHours, type AgencyKind, type FirStatus } from './classification.ts';
import { csvLine } from './csv.ts';
import { pakistanToday, pakistanUtcOffset } from './pakistan-time.ts';
import { isAcceptedDate } from './report.ts';
import { provinceKeys } from './statistics.ts';

/**
 * The supervisor's dashboard: how the hotline keeps its promises over a period of Pakistani days,
 * for every province or one. What each figure counts (the store computes it in SQL, store/dashboard.ts):
 *
 * - Time to triage: the cases whose first report was received in the period. Triage is the first
 *   classification of any of the case's reports (domain/classification.ts, awaitsTriage); the
 *   target is triageTargetHours after the first receipt (2 hours when a report says a child is in
 *   danger now, else 24). Each case is one of: triaged in time, triaged late, waiting past its
 *   target, waiting within it, closed without triage. The share within target is those triaged in
 *   time out of those whose target has been decided (in time, late, waiting past it); the median
 *   and 90th percentile are over the cases triaged. A case's province and district are those of
 *   the report it was opened with (store/dashboard.ts).
 * - Time to first reply: the reports received in the period, from receipt to the first message
 *   staff wrote to the reporter about it; reports not answered are counted. A report's own province.
 * - Referrals: those made in the period (their referral time), by the organisation's kind and the
 *   FIR status recorded now; FIR registered, refused and pending by the case's district.
 * - Cases closed: closed in the period, by closure reason.
 * Cases deleted after the retention period (closed cases only) are no longer counted.
 */

/** The default period: the last 30 days in Pakistan, today included. */
export const defaultPeriodDays = 30;
/** The longest period asked for at once: a year (a leap year's 366 days). */
export const maxPeriodDays = 366;

const dayMs = 86_400_000;
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs);

/** The filter fields of the page's address and of the CSV's, in the order the form has them. */
export const dashboardFilterFields = ['from', 'to', 'province'] as const;

/**
 * The page's filter, from its address (a GET form, so a CSV link carries the same query): Pakistani
 * days from and to (both included; by default the last 30 days), and a province (or every one).
 */
export function dashboardFilterSchema(today: string) {
  const day = z
    .string()
    .refine((value) => isAcceptedDate(value), { error: 'invalid_date' })
    .refine((value) => value <= today, { error: 'future_date' });
  return z
    .object(
      {
        from: day.optional(),
        to: day.optional(),
        province: z.union([z.literal(''), z.enum(provinceKeys)], { error: 'invalid_choice' }).optional(),
      },
      { error: 'invalid' },
    )
    .transform((f) => {
      const to = f.to ?? today;
      return { from: f.from ?? addDays(to, 1 - defaultPeriodDays), to, province: f.province || undefined };
    })
    .superRefine((f, ctx) => {
      if (f.to < f.from) ctx.addIssue({ code: 'custom', message: 'period_order', path: ['to'] });
      else if (daysBetween(f.from, f.to) + 1 > maxPeriodDays) ctx.addIssue({ code: 'custom', message: 'period_too_long', path: ['to'] });
    });
}
export type DashboardFilter = z.output<ReturnType<typeof dashboardFilterSchema>>;

/** The default filter for today (Pakistan). */
export const defaultDashboardFilter = (now: Date): DashboardFilter =>
  dashboardFilterSchema(pakistanToday(now)).parse({}) as DashboardFilter;

/** The instants the period covers: from the start of its first Pakistani day to the start of the day after its last. */
export function dashboardRange(filter: Pick<DashboardFilter, 'from' | 'to'>): { from: Date; before: Date } {
  return {
    from: new Date(`${filter.from}T00:00:00${pakistanUtcOffset}`),
    before: new Date(`${addDays(filter.to, 1)}T00:00:00${pakistanUtcOffset}`),
  };
}

/** The triage targets in hours, as the store compares them (domain/classification.ts). */
export const triageTargets = triageTargetHours;

// ----------------------------------------------------------------------------------- figures

/** A duration's median and 90th percentile in seconds; null when nothing was measured. */
export interface Spread {
  medianSeconds: number | null;
  p90Seconds: number | null;
}

/** The triage of a group of cases (see the file's comment). */
export interface TriageFigures extends Spread {
  cases: number;
  inTime: number;
  late: number;
  waitingOverdue: number;
  waiting: number;
  closedUntriaged: number;
}

/** The triage groups: every case, those in danger now, the others. */
export const triageGroups = ['all', 'danger', 'other'] as const;
export type TriageGroup = (typeof triageGroups)[number];

/** The first replies to a group of reports. */
export interface ReplyFigures extends Spread {
  reports: number;
  answered: number;
}

export interface DistrictFirFigures {
  province: string;
  /** The district list's English name; null: not given or not on the list. */
  district: string | null;
  registered: number;
  refused: number;
  pending: number;
}

export interface DashboardFigures {
  filter: DashboardFilter;
  triage: Record<TriageGroup, TriageFigures>;
  /** Every province with cases in the period, in provinceKeys' order. */
  triageByProvince: { province: string; figures: TriageFigures }[];
  replies: ReplyFigures;
  repliesByProvince: { province: string; figures: ReplyFigures }[];
  /** Referrals made in the period by organisation kind and FIR status; every kind and status, zeros included. */
  referrals: Record<AgencyKind, Record<FirStatus, number>>;
  /** Districts with an FIR registered, refused or pending, by province then district (not known last). */
  firByDistrict: DistrictFirFigures[];
  /** Cases closed in the period by reason, every reason (zeros included). */
  closures: Record<ClosureReason, number>;
}

export const emptyTriage = (): TriageFigures => ({
  cases: 0,
  inTime: 0,
  late: 0,
  waitingOverdue: 0,
  waiting: 0,
  closedUntriaged: 0,
  medianSeconds: null,
  p90Seconds: null,
});
export const emptyReplies = (): ReplyFigures => ({ reports: 0, answered: 0, medianSeconds: null, p90Seconds: null });
export const emptyReferrals = (): Record<AgencyKind, Record<FirStatus, number>> =>
  Object.fromEntries(agencyKinds.map((k) => [k, Object.fromEntries(firStatuses.map((s) => [s, 0]))])) as Record<
    AgencyKind,
    Record<FirStatus, number>
  >;
export const emptyClosures = (): Record<ClosureReason, number> =>
  Object.fromEntries(closureReasons.map((r) => [r, 0])) as Record<ClosureReason, number>;

/** The cases whose target is decided: triaged (in time or late), or waiting past it. */
export const decidedCases = (t: TriageFigures) => t.inTime + t.late + t.waitingOverdue;

/** The share triaged within target, as a percentage with one decimal; null when no target is decided yet. */
export function withinTargetPercent(t: TriageFigures): number | null {
  const decided = decidedCases(t);
  return decided === 0 ? null : Math.round((t.inTime / decided) * 1000) / 10;
}

/** Reports not answered. */
export const unanswered = (r: ReplyFigures) => r.reports - r.answered;

/** The total of a row of counts. */
export const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** Province keys in their display order (provinceKeys), unknown ones last. */
export const provinceOrder = (province: string) => {
  const i = (provinceKeys as readonly string[]).indexOf(province);
  return i === -1 ? provinceKeys.length : i;
};

// ------------------------------------------------------------------------------------- CSV

/**
 * The dashboard as one CSV in long format, the filter's figures only: one figure a line, so one file
 * holds every table under exactly the page's filter and a spreadsheet's filter or pivot table lays
 * out any of them. Columns: the period and province asked for, then the table, its row (a key, and
 * for tables by district the province), the column (the figure), its value and its unit (count,
 * percent, hours). Keys are the identifiers the API and statistics use; empty values are figures
 * that could not be worked out (no case triaged, say). Every text field goes through csvField,
 * so a value cannot be a spreadsheet formula.
 */
export const dashboardCsvColumns = [
  'period_from',
  'period_to',
  'province_filter',
  'table',
  'row',
  'row_province',
  'figure',
  'value',
  'unit',
] as const;

type Unit = 'count' | 'percent' | 'hours';
const hours = (seconds: number | null) => (seconds === null ? null : Math.round((seconds / 3600) * 100) / 100);

export function dashboardCsv(d: DashboardFigures): string {
  const base = [d.filter.from, d.filter.to, d.filter.province ?? 'all'];
  let out = csvLine(dashboardCsvColumns);
  const line = (table: string, row: string, rowProvince: string | null, figure: string, value: number | null, unit: Unit) => {
    out += csvLine([...base, table, row, rowProvince, figure, value, unit]);
  };
  const triage = (table: string, row: string, province: string | null, t: TriageFigures) => {
    line(table, row, province, 'cases', t.cases, 'count');
    line(table, row, province, 'triaged_in_time', t.inTime, 'count');
    line(table, row, province, 'triaged_late', t.late, 'count');
    line(table, row, province, 'waiting_past_target', t.waitingOverdue, 'count');
    line(table, row, province, 'waiting_within_target', t.waiting, 'count');
    line(table, row, province, 'closed_without_triage', t.closedUntriaged, 'count');
    line(table, row, province, 'within_target', withinTargetPercent(t), 'percent');
    line(table, row, province, 'median', hours(t.medianSeconds), 'hours');
    line(table, row, province, 'p90', hours(t.p90Seconds), 'hours');
  };
  const replies = (table: string, row: string, province: string | null, r: ReplyFigures) => {
    line(table, row, province, 'reports', r.reports, 'count');
    line(table, row, province, 'answered', r.answered, 'count');
    line(table, row, province, 'not_answered', unanswered(r), 'count');
    line(table, row, province, 'median', hours(r.medianSeconds), 'hours');
    line(table, row, province, 'p90', hours(r.p90Seconds), 'hours');
  };
  for (const group of triageGroups) triage('triage', group, null, d.triage[group]);
  for (const p of d.triageByProvince) triage('triage_by_province', p.province, p.province, p.figures);
  replies('first_reply', 'all', null, d.replies);
  for (const p of d.repliesByProvince) replies('first_reply_by_province', p.province, p.province, p.figures);
  for (const kind of agencyKinds) {
    for (const status of firStatuses) line('referrals', kind, null, status, d.referrals[kind][status], 'count');
    line('referrals', kind, null, 'total', sum(d.referrals[kind]), 'count');
  }
  for (const f of d.firByDistrict) {
    const row = f.district ?? 'unknown';
    line('fir_by_district', row, f.province, 'registered', f.registered, 'count');
    line('fir_by_district', row, f.province, 'refused', f.refused, 'count');
    line('fir_by_district', row, f.province, 'pending', f.pending, 'count');
  }
  for (const reason of closureReasons) line('closures', reason, null, 'cases', d.closures[reason], 'count');
  line('closures', 'total', null, 'cases', sum(d.closures), 'count');
  return out;
}

/** The CSV's file name: the period and the province asked for. */
export const dashboardCsvName = (f: DashboardFilter) => `hifazat-dashboard-${f.from}-${f.to}${f.province ? `-${f.province}` : ''}.csv`;
