import { randomUUID } from 'node:crypto';
import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { HifazatError, type FieldIssue } from '../domain/errors.ts';
import {
  describeProblem, mediaColumns, mediaRowKey, parseMediaCsv, validateMediaRow, type ImportProblem, type MediaColumn,
  type MediaRecord,
} from '../domain/media.ts';
import { pakistanToday, provinces, unknown } from '../domain/report.ts';
import { can, type Permission } from '../domain/staff.ts';
import {
  buildRelease, defaultK, emptyCounts, incidentSources, kIssues, periodIssues, previousPeriod, releaseConflict, releaseCsv,
  valueDimensionNames, type Counts, type IncidentSource, type Period, type Release, type ValueDimension,
} from '../domain/statistics.ts';
import type { Database, Db, Tx } from '../store/database.ts';
import { incidentRecords } from '../store/schema.ts';
import { incidentCountsStale, incidentMonthlyCounts, mediaReports, statisticsReleases } from '../store/statistics-schema.ts';
import type { AuditEntry, AuditLog } from './audit.ts';
import type { District, DistrictDirectory } from './districts.ts';
import type { StaffMember } from './staff.ts';

/**
 * Who acts: a member of staff (whose role is checked), or the operator at the server's command
 * line (`hifazat media import`, `hifazat stats publish`), who already holds the database and the
 * data key and is recorded in the audit log as 'cli'.
 */
export type StatisticsActor = StaffMember | 'cli';

export interface StatisticsFilter {
  period: Period;
  province?: string | undefined;
  source?: IncidentSource | undefined;
}

export interface ImportResult {
  /** Data rows in the file. */
  rows: number;
  /** Rows imported: all of them, or none when any row has a problem (see README, "Statistics"). */
  imported: number;
  problems: ImportProblem[];
}

export interface ReleaseSummary {
  id: number;
  period: Period;
  k: number;
  createdAt: Date;
  total: number | null;
}

export interface StoredRelease extends ReleaseSummary {
  release: Release;
}

export interface MediaEntry extends Pick<MediaRecord, 'date' | 'newspaper' | 'headline' | 'url' | 'category' | 'province' | 'district'> {
  incidentId: string;
  createdAt: Date;
}

export interface DuplicateSuggestion {
  media: MediaEntry;
  /** The other record: a hotline case (with its reference while the case exists) or another newspaper report. */
  other: { incidentId: string; source: IncidentSource; caseId: string | null; reference: string | null; headline: string | null; newspaper: string | null; date: string };
}

const forbidden = () => new HifazatError('forbidden', 'Your role does not allow this.');
const invalid = (message: string, issues: FieldIssue[]) => new HifazatError('validation_failed', message, { issues });
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Days apart two records' dates may be to suggest the same incident. */
const duplicateDays = 3;
const maxDuplicateSuggestions = 100;
const insertBatch = 500;

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

/** Days from `from` up to, not including, `until` (YYYY-MM-DD). */
export interface DayRange {
  from: string;
  until: string;
}

const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const monthOf = (day: string) => `${day.slice(0, 7)}-01`;
const monthAfter = (day: string) => new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)), 1)).toISOString().slice(0, 10);

/** A period as the whole calendar months within it (counted ahead of time) and the days at its edges outside them (counted live). */
function splitPeriod(period: Period): { months: DayRange | null; edges: DayRange[] } {
  const until = dayAfter(period.to);
  const first = monthOf(period.from) === period.from ? period.from : monthAfter(period.from);
  const end = monthOf(until);
  if (first >= end) return { months: null, edges: [{ from: period.from, until }] };
  return {
    months: { from: first, until: end },
    edges: [{ from: period.from, until: first }, { from: end, until }].filter((r) => r.from < r.until),
  };
}

/** The province and source filter; incident_records and incident_monthly_counts both have these columns. */
function filterConditions(filter: StatisticsFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.province) conditions.push(sql`province = ${filter.province}`);
  if (filter.source) conditions.push(sql`source = ${filter.source}`);
  return conditions;
}

/** Counted rows, live or from the monthly counts, added up into Counts. */
class CountsTally {
  readonly #counts = emptyCounts();
  /** By province and district as typed. */
  readonly #places = new Map<string, { province: string; typed: string | null; count: number }>();

  value(dimension: ValueDimension, key: string, n: number): void {
    const values = this.#counts.values[dimension];
    values[key] = (values[key] ?? 0) + n;
    if (dimension === 'source') this.#counts.total += n;
  }

  /** `month`: YYYY-MM. */
  month(month: string, n: number): void {
    this.#counts.months[month] = (this.#counts.months[month] ?? 0) + n;
  }

  place(province: string, typed: string | null, n: number): void {
    const key = JSON.stringify([province, typed]);
    const entry = this.#places.get(key) ?? { province, typed, count: 0 };
    entry.count += n;
    this.#places.set(key, entry);
  }

  /**
   * The counts. Districts are named only when they are on the administrators' list: a typed name
   * is never published (it could say more than a place).
   */
  result(listed: readonly District[]): Counts {
    const onList = new Set(listed.map((d) => `${d.province}\u0000${d.nameEn}`));
    const geography = new Map<string, Counts['geography'][number]>();
    for (const { province, typed, count } of this.#places.values()) {
      const district = typed !== null && onList.has(`${province}\u0000${typed}`) ? typed : null;
      const key = `${province}\u0000${district ?? ''}`;
      const entry = geography.get(key) ?? { province, district, count: 0 };
      entry.count += count;
      geography.set(key, entry);
    }
    // In a fixed order, whichever way the records were counted.
    this.#counts.geography = [...geography.values()].sort((a, b) => a.province.localeCompare(b.province) || (a.district ?? '').localeCompare(b.district ?? ''));
    return this.#counts;
  }
}

/**
 * Published statistics and the newspaper reports they count: live tables for staff, media
 * intake (one at a time, or a CSV file), likely duplicates across sources, and releases
 * (append-only, audited). Counting happens in SQL with GROUPING SETS, never loading the records
 * into memory: whole months from monthly counts made ahead of time (migration 0006), the rest
 * from the incident records.
 */
export class StatisticsService {
  constructor(
    private readonly database: Database,
    private readonly audit: AuditLog,
    private readonly districts: DistrictDirectory,
    private readonly now: () => Date = () => new Date(),
  ) {}

  #require(actor: StatisticsActor, permission: Permission): void {
    if (actor !== 'cli' && !can(actor.role, permission)) throw forbidden();
  }

  #auditEntry(actor: StatisticsActor, entry: Omit<AuditEntry, 'actorId' | 'actor'>): AuditEntry {
    return actor === 'cli' ? { actorId: null, actor: 'cli', ...entry } : { actorId: actor.id, actor: actor.email, ...entry };
  }

  /**
   * Incident records of a period (and province and source), counted as a release needs them: its
   * whole months from the monthly counts (first refreshing the stale ones), the days at its edges
   * and any month still stale from incident_records.
   */
  async counts(filter: StatisticsFilter): Promise<Counts> {
    const { months, edges } = splitPeriod(filter.period);
    if (months) await this.refreshStale(months);
    const tally = new CountsTally();
    const [listed] = await Promise.all([
      this.districts.list(),
      // One snapshot for the markers and both counts: a record moved meanwhile is counted once.
      this.database.db.transaction(
        async (tx) => {
          const stale = months ? await this.#staleMonths(tx, months) : [];
          if (months) await this.#addMonthlyCounts(tx, months, stale, filter, tally);
          const live = [...edges, ...stale.map((month) => ({ from: month, until: monthAfter(month) }))];
          if (live.length) await this.#countLive(tx, live, filter, tally);
        },
        { isolationLevel: 'repeatable read', accessMode: 'read only' },
      ),
    ]);
    return tally.result(listed);
  }

  /** Every record of the period counted from incident_records: what `counts` must equal (tests and the benchmark compare them). */
  async liveCounts(filter: StatisticsFilter): Promise<Counts> {
    const tally = new CountsTally();
    const [listed] = await Promise.all([
      this.districts.list(),
      this.#countLive(this.database.db, [{ from: filter.period.from, until: dayAfter(filter.period.to) }], filter, tally),
    ]);
    return tally.result(listed);
  }

  /** Counts the records reported within `days` from incident_records. */
  async #countLive(db: Db | Tx, days: readonly DayRange[], filter: StatisticsFilter, tally: CountsTally): Promise<void> {
    const within = sql.join(days.map((d) => sql`(reported_on >= ${d.from}::date AND reported_on < ${d.until}::date)`), sql` OR `);
    const columns = sql.raw(groupingColumns.join(', '));
    const sets = sql.raw([...valueDimensionNames.map((d) => `(${dimensionColumn[d]})`), '(reported_on)', '(province, district)'].join(', '));
    // One pass, one hash table per set; days and typed districts are turned into months and
    // listed districts afterwards, which is cheaper than a join and to_char() on every row.
    const result = await db.execute(sql`
      SELECT GROUPING(${columns}) AS g, ${sql.raw(groupingColumns.map((c) => (c === 'reported_on' ? 'reported_on::text AS reported_on' : c)).join(', '))},
             count(*)::int AS n
      FROM incident_records
      WHERE ${sql.join([sql`(${within})`, ...filterConditions(filter)], sql` AND `)}
      GROUP BY GROUPING SETS (${sets})`);
    const bits = groupingColumns.length;
    const grouped = (g: number, column: string) => ((g >> (bits - 1 - groupingColumns.indexOf(column))) & 1) === 0;
    for (const row of rowsOf<Record<string, unknown>>(result)) {
      const g = Number(row.g);
      const n = Number(row.n);
      if (grouped(g, 'province')) tally.place(String(row.province), row.district === null ? null : String(row.district), n);
      else if (grouped(g, 'reported_on')) tally.month(String(row.reported_on).slice(0, 7), n);
      else {
        const dimension = valueDimensionNames.find((d) => grouped(g, dimensionColumn[d]))!;
        tally.value(dimension, String(row[dimensionColumn[dimension]]), n);
      }
    }
  }

  /** Adds the monthly counts of the whole months in `months`, except the stale ones. */
  async #addMonthlyCounts(tx: Tx, months: DayRange, stale: readonly string[], filter: StatisticsFilter, tally: CountsTally): Promise<void> {
    const conditions = [sql`month >= ${months.from}::date AND month < ${months.until}::date`, ...filterConditions(filter)];
    if (stale.length) conditions.push(sql`month NOT IN (${sql.join(stale.map((month) => sql`${month}::date`), sql`, `)})`);
    // Each dimension's values; and from the district rows (every record once) the totals by
    // source, by month and by place.
    const result = await tx.execute(sql`
      SELECT dimension, value, source, to_char(month, 'YYYY-MM') AS year_month, province, sum(n)::int AS n
      FROM incident_monthly_counts
      WHERE ${sql.join(conditions, sql` AND `)}
      GROUP BY GROUPING SETS ((dimension, value), (dimension, source), (dimension, month), (dimension, province, value))
      HAVING (dimension = 'district') = (GROUPING(source, month, province) < 7)`);
    type Row = { dimension: string; value: string | null; source: string | null; year_month: string | null; province: string | null; n: number };
    for (const row of rowsOf<Row>(result)) {
      if (row.dimension !== 'district') tally.value(dimensionOfColumn.get(row.dimension)!, row.value!, row.n);
      else if (row.source !== null) tally.value('source', row.source, row.n);
      else if (row.year_month !== null) tally.month(row.year_month, row.n);
      else tally.place(row.province!, row.value, row.n);
    }
  }

  /** Months marked stale (their first days), all or those within `within`, oldest first. */
  async #staleMonths(db: Db | Tx, within?: DayRange): Promise<string[]> {
    const rows = await db
      .select({ month: incidentCountsStale.month })
      .from(incidentCountsStale)
      .where(within && and(gte(incidentCountsStale.month, within.from), lt(incidentCountsStale.month, within.until)))
      .orderBy(incidentCountsStale.month);
    return rows.map((r) => r.month);
  }

  /**
   * Recounts the monthly counts of the stale months (all, or those within `within`) from
   * incident_records, one month per transaction; returns how many it recounted. A month that
   * some writer has yet to commit to is left stale, counted live, until a later call.
   */
  async refreshStale(within?: DayRange): Promise<number> {
    let refreshed = 0;
    for (const month of await this.#staleMonths(this.database.db, within)) {
      if (await this.#refreshMonth(month)) refreshed++;
    }
    return refreshed;
  }

  async #refreshMonth(month: string): Promise<boolean> {
    return this.database.db.transaction(async (tx) => {
      // Correct under READ COMMITTED because of the month's advisory lock, not only because the
      // marker goes first. A writer marks the month in its own transaction and holds the lock
      // shared until it commits; finding the marker already there, it adds nothing and relies on
      // that one. Deleting the marker while such a writer has yet to commit would lose its record:
      // the recount cannot see it, and nothing marks the month again. So we take the lock
      // exclusively, and only if no writer holds it (waiting would queue the month's new writers
      // behind us): every writer that marked the month has then committed, and the recount's
      // snapshot, taken after this statement, sees its record. A writer marking the month
      // meanwhile waits for our commit, then finds no marker and adds one. The lock also keeps two
      // refreshers of a month apart, across processes.
      const [lock] = rowsOf<{ locked: boolean }>(await tx.execute(sql`SELECT pg_try_advisory_xact_lock(incident_counts_lock_key(${month}::date)) AS locked`));
      if (!lock!.locked) return false;
      const marker = await tx.delete(incidentCountsStale).where(eq(incidentCountsStale.month, month)).returning();
      // Another refresher got here first.
      if (!marker.length) return false;
      await tx.delete(incidentMonthlyCounts).where(eq(incidentMonthlyCounts.month, month));
      const byDimension = (then: (column: string) => string) =>
        sql.raw(`CASE ${monthlyDimensions.map((c) => `WHEN GROUPING(${c}) = 0 THEN ${then(c)}`).join(' ')} END`);
      await tx.execute(sql`
        INSERT INTO incident_monthly_counts (month, source, province, dimension, value, n)
        SELECT ${month}::date, source, province, ${byDimension((c) => `'${c}'`)}, ${byDimension((c) => c)}, count(*)::int
        FROM incident_records
        WHERE reported_on >= ${month}::date AND reported_on < ${monthAfter(month)}::date
        GROUP BY source, province, GROUPING SETS (${sql.raw(monthlyDimensions.map((c) => `(${c})`).join(', '))})`);
      return true;
    });
  }

  /** The tables of a filter for staff: withheld cells keep their values, flagged as what a release would withhold. */
  async preview(actor: StatisticsActor, filter: StatisticsFilter, k = defaultK): Promise<Release> {
    this.#require(actor, 'readCases');
    this.#checkFilter(filter);
    const [counts, previous] = await Promise.all([
      this.counts(filter),
      this.counts({ ...filter, period: previousPeriod(filter.period) }),
    ]);
    return buildRelease({ period: filter.period, counts, previous: { period: previousPeriod(filter.period), counts: previous } }, { k, reveal: true });
  }

  /** The same tables as CSV (unpublished counts, with the cells a release would withhold flagged); audited. */
  async exportCsv(actor: StatisticsActor, filter: StatisticsFilter): Promise<string> {
    const release = await this.preview(actor, filter);
    await this.audit.appendNow(
      this.#auditEntry(actor, {
        action: 'statistics.export',
        details: { from: filter.period.from, to: filter.period.to, province: filter.province ?? null, source: filter.source ?? null },
      }),
    );
    return releaseCsv(release);
  }

  #checkFilter(filter: StatisticsFilter): void {
    const issues = periodIssues(filter.period);
    if (filter.province && ![...provinces, unknown].includes(filter.province as never)) issues.push({ field: 'province', problem: 'invalid_choice' });
    if (filter.source && !incidentSources.includes(filter.source)) issues.push({ field: 'source', problem: 'invalid_choice' });
    if (issues.length) throw invalid('Invalid filter.', issues);
  }

  // ------------------------------------------------------------------------------ media

  /** District names as on the list (typed in either language), and the province when only the district was given. */
  async #placeResolver(): Promise<(r: MediaRecord) => MediaRecord> {
    const list = await this.districts.list();
    const byName = new Map<string, { province: string; nameEn: string }[]>();
    for (const d of list) {
      for (const name of new Set([d.nameEn.toLowerCase(), d.nameUr])) byName.set(name, [...(byName.get(name) ?? []), d]);
    }
    return (r) => {
      if (!r.district) return r;
      const matches = byName.get(r.district.toLowerCase()) ?? byName.get(r.district) ?? [];
      const inProvince = matches.filter((m) => m.province === r.province);
      const match = inProvince[0] ?? (r.province === unknown && matches.length === 1 ? matches[0] : undefined);
      return match ? { ...r, district: match.nameEn, province: match.province } : r;
    };
  }

  async #insertMedia(tx: Tx, records: readonly MediaRecord[], createdBy: string | null): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < records.length; i += insertBatch) {
      const batch = records.slice(i, i + insertBatch).map((r) => ({ r, id: randomUUID() }));
      await tx.insert(incidentRecords).values(
        batch.map(({ r, id }) => ({
          id,
          caseId: null,
          source: 'media',
          category: r.category,
          occurredOn: null,
          reportedOn: r.date,
          province: r.province,
          district: r.district,
          area: r.area,
          victimSex: r.sex,
          ageBand: r.ageBand,
          abuserRelationship: r.relationship,
          place: r.place,
          policeStatus: r.policeStatus,
        })),
      );
      await tx.insert(mediaReports).values(
        batch.map(({ r, id }) => ({
          id: randomUUID(),
          incidentId: id,
          newspaper: r.newspaper,
          publishedOn: r.date,
          headline: r.headline,
          url: r.url,
          rowKey: mediaRowKey(r),
          createdBy,
        })),
      );
      ids.push(...batch.map((b) => b.id));
    }
    return ids;
  }

  /** Rows already entered (the same row key), by key. */
  async #existing(tx: Tx, keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < keys.length; i += insertBatch) {
      const rows = await tx.select({ key: mediaReports.rowKey }).from(mediaReports).where(inArray(mediaReports.rowKey, keys.slice(i, i + insertBatch)));
      for (const row of rows) found.add(row.key);
    }
    return found;
  }

  /** One newspaper report, from the console's form (fields named as the CSV columns). Returns its incident record's id. */
  async addMedia(actor: StatisticsActor, input: Partial<Record<MediaColumn, string>>): Promise<string> {
    this.#require(actor, 'workCases');
    const result = validateMediaRow(input, pakistanToday(this.now()));
    if (!result.ok) throw invalid('The newspaper report has invalid fields.', result.issues);
    const record = (await this.#placeResolver())(result.record);
    return this.database.db.transaction(async (tx) => {
      if ((await this.#existing(tx, [mediaRowKey(record)])).size) {
        throw invalid('This newspaper report is already entered.', [{ field: 'headline', problem: 'already_imported' }]);
      }
      const [id] = await this.#insertMedia(tx, [record], actor === 'cli' ? null : actor.id);
      await this.audit.append(tx, this.#auditEntry(actor, { action: 'media.add', objectType: 'incident', objectId: id! }));
      return id!;
    });
  }

  /**
   * Imports a CSV file of newspaper reports, all or nothing: when any row has a problem
   * (including a row already imported), nothing is imported and every problem is reported by
   * row and column, so the corrected file can simply be imported again. Audited either way.
   */
  async importMedia(actor: StatisticsActor, file: Uint8Array): Promise<ImportResult> {
    this.#require(actor, 'workCases');
    const parsed = parseMediaCsv(file, pakistanToday(this.now()));
    const resolve = await this.#placeResolver();
    const records = parsed.records.map((r) => ({ row: r.row, record: resolve(r.record) }));
    return this.database.db.transaction(async (tx) => {
      const existing = await this.#existing(tx, records.map((r) => mediaRowKey(r.record)));
      const problems = [
        ...parsed.problems,
        ...records.filter((r) => existing.has(mediaRowKey(r.record))).map((r): ImportProblem => ({ row: r.row, column: null, problem: 'already_imported' })),
      ].sort((a, b) => a.row - b.row || (a.column === null ? -1 : mediaColumns.indexOf(a.column)) - (b.column === null ? -1 : mediaColumns.indexOf(b.column)));
      if (parsed.rows === 0 && problems.length === 0) problems.push({ row: 1, column: null, problem: 'no_rows' });
      const imported = problems.length === 0 ? (await this.#insertMedia(tx, records.map((r) => r.record), actor === 'cli' ? null : actor.id)).length : 0;
      await this.audit.append(
        tx,
        this.#auditEntry(actor, { action: 'media.import', details: { rows: parsed.rows, imported, problems: problems.length } }),
      );
      return { rows: parsed.rows, imported, problems };
    });
  }

  /** The newest newspaper reports entered. */
  async recentMedia(actor: StatisticsActor, limit = 50): Promise<MediaEntry[]> {
    this.#require(actor, 'readCases');
    const rows = await this.database.db
      .select({
        incidentId: mediaReports.incidentId,
        date: mediaReports.publishedOn,
        newspaper: mediaReports.newspaper,
        headline: mediaReports.headline,
        url: mediaReports.url,
        category: incidentRecords.category,
        province: incidentRecords.province,
        district: incidentRecords.district,
        createdAt: mediaReports.createdAt,
      })
      .from(mediaReports)
      .innerJoin(incidentRecords, eq(incidentRecords.id, mediaReports.incidentId))
      .orderBy(desc(mediaReports.createdAt), desc(mediaReports.publishedOn))
      .limit(limit);
    return rows;
  }

  /** Removes a newspaper report counted twice (its incident record goes with it). Audited. */
  async removeMedia(actor: StatisticsActor, incidentId: string): Promise<void> {
    this.#require(actor, 'workCases');
    if (!uuidPattern.test(incidentId)) throw new HifazatError('not_found', 'No such newspaper report.');
    await this.database.db.transaction(async (tx) => {
      const removed = await tx
        .delete(incidentRecords)
        .where(and(eq(incidentRecords.id, incidentId), eq(incidentRecords.source, 'media')))
        .returning({ id: incidentRecords.id });
      if (!removed.length) throw new HifazatError('not_found', 'No such newspaper report.');
      await this.audit.append(tx, this.#auditEntry(actor, { action: 'media.remove', objectType: 'incident', objectId: incidentId }));
    });
  }

  /**
   * Newspaper reports that are likely the same incident as another record, a hotline case or
   * an earlier newspaper report: dates (incident date where known, else reported) within three
   * days, the same district, age band, sex and category, all known. Suggestions only.
   */
  async duplicates(actor: StatisticsActor): Promise<DuplicateSuggestion[]> {
    this.#require(actor, 'readCases');
    const result = await this.database.db.execute(sql`
      SELECT m.id AS media_id, mr.published_on::text AS media_date, mr.newspaper, mr.headline, mr.url, m.category, m.province,
             m.district, mr.created_at, o.id AS other_id, o.source AS other_source, o.case_id, c.reference,
             omr.headline AS other_headline, omr.newspaper AS other_newspaper, coalesce(o.occurred_on, o.reported_on)::text AS other_date
      FROM incident_records m
      JOIN media_reports mr ON mr.incident_id = m.id
      JOIN incident_records o
        ON o.id <> m.id
       AND lower(o.district) = lower(m.district)
       AND o.age_band = m.age_band AND o.victim_sex = m.victim_sex AND o.category = m.category
       AND abs(coalesce(o.occurred_on, o.reported_on) - coalesce(m.occurred_on, m.reported_on)) <= ${duplicateDays}
      LEFT JOIN media_reports omr ON omr.incident_id = o.id
      LEFT JOIN cases c ON c.id = o.case_id
      WHERE m.source = 'media' AND m.district IS NOT NULL AND m.age_band <> 'unknown' AND m.victim_sex <> 'unknown'
        AND (o.source = 'hotline' OR omr.created_at < mr.created_at OR (omr.created_at = mr.created_at AND o.id < m.id))
      ORDER BY mr.published_on DESC, m.id, o.id
      LIMIT ${maxDuplicateSuggestions}`);
    return rowsOf<Record<string, unknown>>(result).map((row) => ({
      media: {
        incidentId: String(row.media_id),
        date: String(row.media_date),
        newspaper: String(row.newspaper),
        headline: String(row.headline),
        url: row.url === null ? null : String(row.url),
        category: String(row.category),
        province: String(row.province),
        district: row.district === null ? null : String(row.district),
        createdAt: new Date(row.created_at as string | Date),
      },
      other: {
        incidentId: String(row.other_id),
        source: row.other_source as IncidentSource,
        caseId: row.case_id === null ? null : String(row.case_id),
        reference: row.reference === null ? null : String(row.reference),
        headline: row.other_headline === null ? null : String(row.other_headline),
        newspaper: row.other_newspaper === null ? null : String(row.other_newspaper),
        date: String(row.other_date),
      },
    }));
  }

  // --------------------------------------------------------------------------- releases

  /**
   * Publishes the statistics of a period (every source, every province): the tables with
   * disclosure control at threshold k, compared with the period before, stored unchanged in
   * the append-only release log. Supervisors only (or the command line); audited. Returns the id.
   *
   * Refused (validation_failed, `period_overlaps` on `from`) when the period, or the one it is
   * compared with, overlaps a period of an earlier release without being the same
   * (`releaseConflict`). The check and the insert hold a lock on the release log that every
   * publish takes, in every process, so two publishes at once cannot both pass it.
   */
  async publish(actor: StatisticsActor, input: { from?: string | undefined; to?: string | undefined; k?: number | undefined }): Promise<number> {
    this.#require(actor, 'publishStatistics');
    const k = input.k ?? defaultK;
    const issues = [...periodIssues(input, pakistanToday(this.now())), ...kIssues(k)];
    if (issues.length) throw invalid('Invalid period or threshold.', issues);
    const period = { from: input.from!, to: input.to! };
    // Before counting, so that a refusal comes at once; checked again under the lock below.
    await this.#refuseOverlap(this.database.db, period);
    const previous = previousPeriod(period);
    const [counts, previousCounts] = await Promise.all([this.counts({ period }), this.counts({ period: previous })]);
    const release = buildRelease({ period, counts, previous: { period: previous, counts: previousCounts } }, { k });
    return this.database.db.transaction(async (tx) => {
      // SHARE ROW EXCLUSIVE conflicts with itself and with INSERT (not with reading): one publish
      // at a time checks and inserts, and the next one's check sees what it committed.
      await tx.execute(sql`LOCK TABLE statistics_releases IN SHARE ROW EXCLUSIVE MODE`);
      await this.#refuseOverlap(tx, period);
      const [row] = await tx
        .insert(statisticsReleases)
        .values({
          periodFrom: period.from,
          periodTo: period.to,
          k,
          createdBy: actor === 'cli' ? null : actor.id,
          createdByLabel: actor === 'cli' ? 'cli' : actor.email,
          tables: release,
        })
        .returning({ id: statisticsReleases.id });
      await this.audit.append(
        tx,
        this.#auditEntry(actor, {
          action: 'statistics.publish',
          objectType: 'statistics_release',
          objectId: String(row!.id),
          details: { from: period.from, to: period.to, k },
        }),
      );
      return row!.id;
    });
  }

  /** Throws when a release of `period` would overlap an earlier one without being the same period. */
  async #refuseOverlap(db: Db | Tx, period: Period): Promise<void> {
    const comparison = (end: 'from' | 'to') => sql<string | null>`${statisticsReleases.tables} -> 'comparison' -> 'period' ->> ${sql.raw(`'${end}'`)}`;
    const rows = await db
      .select({
        id: statisticsReleases.id,
        from: statisticsReleases.periodFrom,
        to: statisticsReleases.periodTo,
        comparisonFrom: comparison('from'),
        comparisonTo: comparison('to'),
      })
      .from(statisticsReleases)
      .orderBy(statisticsReleases.id);
    const conflict = releaseConflict(
      period,
      rows.map((r) => ({
        id: r.id,
        period: { from: r.from, to: r.to },
        comparison: r.comparisonFrom && r.comparisonTo ? { from: r.comparisonFrom, to: r.comparisonTo } : null,
      })),
    );
    if (!conflict) return;
    const { release, theirs, ours } = conflict;
    const which = ours.from === period.from && ours.to === period.to ? 'This period' : `The period it is compared with, ${ours.from} to ${ours.to},`;
    throw invalid(
      `${which} overlaps ${theirs.from} to ${theirs.to} of release ${release} without being the same period, so the two releases ` +
        'could be subtracted from each other. Publish the same period again (a correction) or one that overlaps no release.',
      [{ field: 'from', problem: 'period_overlaps' }],
    );
  }

  /** Every release, newest first. Public. */
  async listReleases(): Promise<ReleaseSummary[]> {
    const rows = await this.database.db
      .select({
        id: statisticsReleases.id,
        from: statisticsReleases.periodFrom,
        to: statisticsReleases.periodTo,
        k: statisticsReleases.k,
        createdAt: statisticsReleases.createdAt,
        total: sql<number | null>`(${statisticsReleases.tables} -> 'total' ->> 'value')::int`,
      })
      .from(statisticsReleases)
      .orderBy(desc(statisticsReleases.id));
    return rows.map((r) => ({ id: r.id, period: { from: r.from, to: r.to }, k: r.k, createdAt: r.createdAt, total: r.total === null ? null : Number(r.total) }));
  }

  /** One release as published, or null. Public. */
  async getRelease(id: number): Promise<StoredRelease | null> {
    if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) return null;
    const [row] = await this.database.db.select().from(statisticsReleases).where(eq(statisticsReleases.id, id));
    if (!row) return null;
    const release = row.tables as Release;
    return {
      id: row.id,
      period: { from: row.periodFrom, to: row.periodTo },
      k: row.k,
      createdAt: row.createdAt,
      total: release.total.value,
      release,
    };
  }
}

/** The validation report as the command line prints it: one problem a line. */
export function importReport(result: ImportResult): string {
  const head =
    result.problems.length === 0
      ? `Imported ${result.imported} of ${result.rows} rows.\n`
      : `Imported nothing: ${result.problems.length} problem(s) in ${result.rows} rows. Correct the file and import it again.\n`;
  return head + result.problems.map((p) => `  ${describeProblem(p)}\n`).join('');
}
