import { and, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { valueDimensionNames, type IncidentSource, type ValueDimension } from '../domain/statistics.ts';
import type { Database, Db, Tx } from './database.ts';
import { incidentCountsStale, incidentMonthlyCounts } from './statistics-schema.ts';

/** Days from `from` up to, not including, `until` (YYYY-MM-DD). */
export interface DayRange {
  from: string;
  until: string;
}

/** Which records count: those of one province, one source, or both (none: every record). */
export interface RecordFilter {
  province?: string | undefined;
  source?: IncidentSource | undefined;
}

/** One counted group: records by one dimension's value, by month (YYYY-MM), or by province and district as typed. */
export type CountedGroup =
  | { by: 'value'; dimension: ValueDimension; value: string; n: number }
  | { by: 'month'; month: string; n: number }
  | { by: 'place'; province: string; district: string | null; n: number };

/** The column a one-way table counts. */
const dimensionColumn: Record<ValueDimension, string> = {
  category: 'category',
  sex: 'victim_sex',
  age_band: 'age_band',
  area: 'area',
  relationship: 'abuser_relationship',
  place: 'place',
  police_status: 'police_status',
  source: 'source',
};
/** The grouping columns of the counting query, in the order GROUPING() reports them (first = highest bit). */
const groupingColumns = [...valueDimensionNames.map((d) => dimensionColumn[d]), 'reported_on', 'province', 'district'];
/**
 * The dimensions of the monthly counts (migration 0006), named by the column they count: the
 * one-way tables' columns except source (a column of the monthly counts itself), and the typed
 * district, whose rows count every record once.
 */
const monthlyDimensions = [...valueDimensionNames.filter((d) => d !== 'source').map((d) => dimensionColumn[d]), 'district'];
const dimensionOfColumn = new Map(valueDimensionNames.map((d) => [dimensionColumn[d], d]));

const rowsOf = <Row>(result: unknown) => (result as { rows: Row[] }).rows;

/** The province and source filter; incident_records and incident_monthly_counts both have these columns. */
function filterConditions(filter: RecordFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.province) conditions.push(sql`province = ${filter.province}`);
  if (filter.source) conditions.push(sql`source = ${filter.source}`);
  return conditions;
}

/**
 * The counting queries of the statistics: incident records counted live with GROUPING SETS, the
 * monthly counts made ahead of time (migration 0006), and the stale-month markers that say which
 * monthly counts are out of date.
 */
export class StatisticsCountStore {
  constructor(private readonly database: Database) {}

  /** Counts the records reported within `days` from incident_records, in one pass. */
  async countLive(days: readonly DayRange[], filter: RecordFilter, tx: Db | Tx = this.database.db): Promise<CountedGroup[]> {
    const within = sql.join(
      days.map((d) => sql`(reported_on >= ${d.from}::date AND reported_on < ${d.until}::date)`),
      sql` OR `,
    );
    const columns = sql.raw(groupingColumns.join(', '));
    const sets = sql.raw(
      [...valueDimensionNames.map((d) => `(${dimensionColumn[d]})`), '(reported_on)', '(province, district)'].join(', '),
    );
    // One pass, one hash table per set; days and typed districts are turned into months and
    // listed districts afterwards, which is cheaper than a join and to_char() on every row.
    const result = await tx.execute(sql`
      SELECT GROUPING(${columns}) AS g, ${sql.raw(groupingColumns.map((c) => (c === 'reported_on' ? 'reported_on::text AS reported_on' : c)).join(', '))},
             count(*)::int AS n
      FROM incident_records
      WHERE ${sql.join([sql`(${within})`, ...filterConditions(filter)], sql` AND `)}
      GROUP BY GROUPING SETS (${sets})`);
    const bits = groupingColumns.length;
    const grouped = (g: number, column: string) => ((g >> (bits - 1 - groupingColumns.indexOf(column))) & 1) === 0;
    return rowsOf<Record<string, unknown>>(result).map((row): CountedGroup => {
      const g = Number(row.g);
      const n = Number(row.n);
      if (grouped(g, 'province'))
        return { by: 'place', province: String(row.province), district: row.district === null ? null : String(row.district), n };
      if (grouped(g, 'reported_on')) return { by: 'month', month: String(row.reported_on).slice(0, 7), n };
      const dimension = valueDimensionNames.find((d) => grouped(g, dimensionColumn[d]))!;
      return { by: 'value', dimension, value: String(row[dimensionColumn[dimension]]), n };
    });
  }

  /** The monthly counts of the whole months in `months`, except the `skipped` ones (first days). */
  async sumMonthlyCounts(tx: Tx, months: DayRange, skipped: readonly string[], filter: RecordFilter): Promise<CountedGroup[]> {
    const conditions = [sql`month >= ${months.from}::date AND month < ${months.until}::date`, ...filterConditions(filter)];
    if (skipped.length)
      conditions.push(
        sql`month NOT IN (${sql.join(
          skipped.map((month) => sql`${month}::date`),
          sql`, `,
        )})`,
      );
    // Each dimension's values; and from the district rows (every record once) the totals by
    // source, by month and by place.
    const result = await tx.execute(sql`
      SELECT dimension, value, source, to_char(month, 'YYYY-MM') AS year_month, province, sum(n)::int AS n
      FROM incident_monthly_counts
      WHERE ${sql.join(conditions, sql` AND `)}
      GROUP BY GROUPING SETS ((dimension, value), (dimension, source), (dimension, month), (dimension, province, value))
      HAVING (dimension = 'district') = (GROUPING(source, month, province) < 7)`);
    type Row = {
      dimension: string;
      value: string | null;
      source: string | null;
      year_month: string | null;
      province: string | null;
      n: number;
    };
    return rowsOf<Row>(result).map((row): CountedGroup => {
      if (row.dimension !== 'district')
        return { by: 'value', dimension: dimensionOfColumn.get(row.dimension)!, value: row.value!, n: row.n };
      if (row.source !== null) return { by: 'value', dimension: 'source', value: row.source, n: row.n };
      if (row.year_month !== null) return { by: 'month', month: row.year_month, n: row.n };
      return { by: 'place', province: row.province!, district: row.value, n: row.n };
    });
  }

  /** Months marked stale (their first days), all or those within `within`, oldest first. */
  async staleMonths(within?: DayRange, tx: Db | Tx = this.database.db): Promise<string[]> {
    const rows = await tx
      .select({ month: incidentCountsStale.month })
      .from(incidentCountsStale)
      .where(within && and(gte(incidentCountsStale.month, within.from), lt(incidentCountsStale.month, within.until)))
      .orderBy(incidentCountsStale.month);
    return rows.map((r) => r.month);
  }

  /**
   * Takes the month's advisory lock (incident_counts_lock_key, migration 0006) exclusively until
   * the transaction ends, only if no one holds it: false, without waiting, when someone does.
   */
  async tryLockMonth(tx: Tx, month: string): Promise<boolean> {
    const [lock] = rowsOf<{ locked: boolean }>(
      await tx.execute(sql`SELECT pg_try_advisory_xact_lock(incident_counts_lock_key(${month}::date)) AS locked`),
    );
    return lock!.locked;
  }

  /** Deletes the month's stale marker; false when there was none. */
  async takeStaleMarker(tx: Tx, month: string): Promise<boolean> {
    const marker = await tx.delete(incidentCountsStale).where(eq(incidentCountsStale.month, month)).returning();
    return marker.length > 0;
  }

  /** Replaces the month's monthly counts by those of its records, counted in one GROUPING SETS statement. */
  async recountMonth(tx: Tx, month: DayRange): Promise<void> {
    await tx.delete(incidentMonthlyCounts).where(eq(incidentMonthlyCounts.month, month.from));
    const byDimension = (then: (column: string) => string) =>
      sql.raw(`CASE ${monthlyDimensions.map((c) => `WHEN GROUPING(${c}) = 0 THEN ${then(c)}`).join(' ')} END`);
    await tx.execute(sql`
      INSERT INTO incident_monthly_counts (month, source, province, dimension, value, n)
      SELECT ${month.from}::date, source, province, ${byDimension((c) => `'${c}'`)}, ${byDimension((c) => c)}, count(*)::int
      FROM incident_records
      WHERE reported_on >= ${month.from}::date AND reported_on < ${month.until}::date
      GROUP BY source, province, GROUPING SETS (${sql.raw(monthlyDimensions.map((c) => `(${c})`).join(', '))})`);
  }
}
