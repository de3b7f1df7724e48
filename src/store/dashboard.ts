import { sql, type SQL } from 'drizzle-orm';
import type { ClosureReason } from '../domain/case.ts';
import type { AgencyKind, FirStatus } from '../domain/classification.ts';
import type { Database } from './database.ts';

/**
 * The supervisor's dashboard in SQL (what each figure counts: domain/dashboard.ts). Four queries,
 * each one pass of hash joins and aggregates, GROUPING SETS for the breakdowns, medians and 90th
 * percentiles by percentile_cont. A case's province and district are those of its own report: the
 * one it was opened with, whose id is the case's (store/report-insert.ts), which stays the case's
 * province when duplicates are linked into it (their reports keep their ids) and names the province
 * of a case merged into another (its report moved, with its id). Each query runs in a read-only
 * transaction with room to sort in memory (work_mem: the percentiles and grouping sets sort a
 * year's cases).
 */

/** The instants of the period, the province asked for (none: all), the time now and the triage targets in hours. */
export interface DashboardQuery {
  from: Date;
  before: Date;
  province: string | undefined;
  now: Date;
  targetHours: { inDangerNow: number; otherwise: number };
}

export interface TriageRow {
  /** GROUPING(danger, province): 3 every case, 1 by danger (danger set), 2 by province. */
  g: number;
  danger: boolean | null;
  province: string | null;
  cases: number;
  in_time: number;
  late: number;
  waiting_overdue: number;
  waiting: number;
  closed_untriaged: number;
  median: number | null;
  p90: number | null;
}

export interface ReplyRow {
  /** GROUPING(province): 1 every report, 0 by province. */
  g: number;
  province: string | null;
  reports: number;
  answered: number;
  median: number | null;
  p90: number | null;
}

export interface ReferralRow {
  /** 0: by kind and FIR status; 1: by province, district and FIR status. */
  by_place: boolean;
  kind: AgencyKind | null;
  province: string | null;
  district: string | null;
  fir_status: FirStatus;
  n: number;
}

export interface ClosureRow {
  reason: ClosureReason | null;
  n: number;
}

const rowsOf = <Row>(result: unknown) => (result as { rows: Row[] }).rows;
/** The median and the 90th percentile, in one percentile_cont (one sort per group), of seconds as date_part gives them (float8: EXTRACT's numeric sorts slower). */
const medianAndP90 = sql.raw(`ARRAY[0.5, 0.9]::float8[]`);
/** percentile_cont's array (null when nothing was measured) as the two figures; float8 comes back as numbers, or strings in an array from pg. */
function spreadOf(value: unknown): { median: number | null; p90: number | null } {
  const list = typeof value === 'string' ? value.replace(/[{}]/g, '').split(',') : (value as unknown[] | null);
  if (!list || list.length !== 2) return { median: null, p90: null };
  return { median: Number(list[0]), p90: Number(list[1]) };
}

/** Memory for the sorts of one query (the default 4 MB would spill a year's cases to disk). */
const workMem = '64MB';

export class DashboardStore {
  constructor(private readonly database: Database) {}

  /** Runs one read of the dashboard in a read-only transaction with room to sort in memory. */
  async #read<Row>(query: SQL): Promise<Row[]> {
    return this.database.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`SET TRANSACTION READ ONLY`));
      await tx.execute(sql.raw(`SET LOCAL work_mem = '${workMem}'`));
      return rowsOf<Row>(await tx.execute(query));
    });
  }

  /** Time to triage of the cases first received in the period: every case, by danger now, by province. */
  async triage(q: DashboardQuery): Promise<TriageRow[]> {
    const from = q.from.toISOString();
    const before = q.before.toISOString();
    const now = q.now.toISOString();
    // A case counts when its first report is in the period. Each case keeps its first receipt, danger flag,
    // first classification and the province of the report it was opened with (migration 0020's queue keys,
    // kept by triggers), so a year is one pass over the cases.
    const rows = await this.#read<Omit<TriageRow, 'median' | 'p90'> & { spread: unknown }>(sql`
      WITH per_case AS (
        SELECT c.queue_received_at AS received_at,
               c.queue_in_danger AS danger,
               c.queue_triaged_at AS triaged_at,
               c.state = 'closed' AS closed,
               coalesce(c.queue_province, 'unknown') AS province
        FROM cases c
        WHERE c.queue_received_at >= ${from}::timestamptz AND c.queue_received_at < ${before}::timestamptz
          ${q.province === undefined ? sql`` : sql`AND coalesce(c.queue_province, 'unknown') = ${q.province}`}
      ), judged AS (
        SELECT danger, province, received_at, triaged_at, triaged_at IS NULL AND closed AS closed,
               received_at + make_interval(hours => CASE WHEN danger THEN ${q.targetHours.inDangerNow}::int ELSE ${q.targetHours.otherwise}::int END) AS due_at
        FROM per_case
      )
      SELECT GROUPING(danger, province)::int AS g, danger, province,
             count(*)::int AS cases,
             (count(*) FILTER (WHERE triaged_at <= due_at))::int AS in_time,
             (count(*) FILTER (WHERE triaged_at > due_at))::int AS late,
             (count(*) FILTER (WHERE triaged_at IS NULL AND NOT closed AND due_at < ${now}::timestamptz))::int AS waiting_overdue,
             (count(*) FILTER (WHERE triaged_at IS NULL AND NOT closed AND due_at >= ${now}::timestamptz))::int AS waiting,
             (count(*) FILTER (WHERE triaged_at IS NULL AND closed))::int AS closed_untriaged,
             percentile_cont(${medianAndP90}) WITHIN GROUP (ORDER BY date_part('epoch', triaged_at - received_at)) FILTER (WHERE triaged_at IS NOT NULL) AS spread
      FROM judged
      GROUP BY GROUPING SETS ((), (danger), (province))`);
    return rows.map(({ spread, ...r }) => ({ ...r, ...spreadOf(spread) }));
  }

  /** Time from receipt to the first staff message, of the reports received in the period: every report and by province. */
  async replies(q: DashboardQuery): Promise<ReplyRow[]> {
    const from = q.from.toISOString();
    const before = q.before.toISOString();
    // A reply to a report received in the period is written after its start: older messages are not read.
    const rows = await this.#read<Omit<ReplyRow, 'median' | 'p90'> & { spread: unknown }>(sql`
      SELECT GROUPING(r.province)::int AS g, r.province,
             count(*)::int AS reports,
             count(m.first_reply)::int AS answered,
             percentile_cont(${medianAndP90}) WITHIN GROUP (ORDER BY greatest(0, date_part('epoch', m.first_reply - r.created_at))) FILTER (WHERE m.first_reply IS NOT NULL) AS spread
      FROM reports r
      LEFT JOIN (
        SELECT report_id, min(created_at) AS first_reply FROM report_messages
        WHERE author = 'staff' AND created_at >= ${from}::timestamptz
        GROUP BY report_id
      ) m ON m.report_id = r.id
      WHERE r.created_at >= ${from}::timestamptz AND r.created_at < ${before}::timestamptz
        ${q.province === undefined ? sql`` : sql`AND r.province = ${q.province}`}
      GROUP BY GROUPING SETS ((), (r.province))`);
    return rows.map(({ spread, ...r }) => ({ ...r, ...spreadOf(spread) }));
  }

  /** Referrals made in the period: by organisation kind and FIR status, and by the case's province, district and FIR status. */
  async referrals(q: DashboardQuery): Promise<ReferralRow[]> {
    return this.#read<ReferralRow>(sql`
      SELECT GROUPING(a.kind) = 1 AS by_place, a.kind, coalesce(own.province, 'unknown') AS province, own.district, f.fir_status, count(*)::int AS n
      FROM referrals f
      JOIN agencies a ON a.id = f.agency_id
      LEFT JOIN reports own ON own.id = f.case_id
      WHERE f.referred_at >= ${q.from.toISOString()}::timestamptz AND f.referred_at < ${q.before.toISOString()}::timestamptz
        ${q.province === undefined ? sql`` : sql`AND coalesce(own.province, 'unknown') = ${q.province}`}
      GROUP BY GROUPING SETS ((a.kind, f.fir_status), (coalesce(own.province, 'unknown'), own.district, f.fir_status))`);
  }

  /** Cases closed in the period, by closure reason (the case's own report read only when a province is asked for). */
  async closures(q: DashboardQuery): Promise<ClosureRow[]> {
    return this.#read<ClosureRow>(sql`
      SELECT c.closure_reason AS reason, count(*)::int AS n
      FROM cases c
      ${q.province === undefined ? sql`` : sql`LEFT JOIN reports own ON own.id = c.id`}
      WHERE c.state = 'closed' AND c.closed_at >= ${q.from.toISOString()}::timestamptz AND c.closed_at < ${q.before.toISOString()}::timestamptz
        ${q.province === undefined ? sql`` : sql`AND coalesce(own.province, 'unknown') = ${q.province}`}
      GROUP BY c.closure_reason`);
  }
}
