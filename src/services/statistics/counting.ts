import { emptyCounts, type Counts, type Period, type ValueDimension } from '../../domain/statistics.ts';
import type { Db } from '../../store/database.ts';
import type { CountedGroup, DayRange, RecordFilter, StatisticsCountStore } from '../../store/statistics-counts.ts';
import type { District, DistrictDirectory } from '../districts.ts';

export interface StatisticsFilter extends RecordFilter {
  period: Period;
}

const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const monthOf = (day: string) => `${day.slice(0, 7)}-01`;
const monthAfter = (day: string) => new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)), 1)).toISOString().slice(0, 10);
/** The days of the month that begins on `month`. */
const wholeMonth = (month: string): DayRange => ({ from: month, until: monthAfter(month) });

/** A period as the whole calendar months within it (counted ahead of time) and the days at its edges outside them (counted live). */
function splitPeriod(period: Period): { months: DayRange | null; edges: DayRange[] } {
  const until = dayAfter(period.to);
  const first = monthOf(period.from) === period.from ? period.from : monthAfter(period.from);
  const end = monthOf(until);
  if (first >= end) return { months: null, edges: [{ from: period.from, until }] };
  return {
    months: { from: first, until: end },
    edges: [
      { from: period.from, until: first },
      { from: end, until },
    ].filter((r) => r.from < r.until),
  };
}

/** Counted groups, live or from the monthly counts, added up into Counts. */
class CountsTally {
  readonly #counts = emptyCounts();
  /** By province and district as typed. */
  readonly #places = new Map<string, { province: string; typed: string | null; count: number }>();

  add(groups: readonly CountedGroup[]): void {
    for (const group of groups) {
      if (group.by === 'value') this.#value(group.dimension, group.value, group.n);
      else if (group.by === 'month') this.#counts.months[group.month] = (this.#counts.months[group.month] ?? 0) + group.n;
      else this.#place(group.province, group.district, group.n);
    }
  }

  #value(dimension: ValueDimension, key: string, n: number): void {
    const values = this.#counts.values[dimension];
    values[key] = (values[key] ?? 0) + n;
    // Every record has one source: the source rows add up to the total.
    if (dimension === 'source') this.#counts.total += n;
  }

  #place(province: string, typed: string | null, n: number): void {
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
    this.#counts.geography = [...geography.values()].sort(
      (a, b) => a.province.localeCompare(b.province) || (a.district ?? '').localeCompare(b.district ?? ''),
    );
    return this.#counts;
  }
}

/**
 * Counts the anonymous incident records, never loading them into memory: a period's whole months
 * from the monthly counts made ahead of time (migration 0006), the rest from the records
 * themselves; and keeps the monthly counts up to date (`refreshStale`).
 */
export class StatisticsCounting {
  constructor(
    private readonly store: Pick<
      StatisticsCountStore,
      'countLive' | 'sumMonthlyCounts' | 'staleMonths' | 'tryLockMonth' | 'takeStaleMarker' | 'recountMonth'
    >,
    private readonly transactions: Pick<Db, 'transaction'>,
    private readonly districts: Pick<DistrictDirectory, 'list'>,
  ) {}

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
      this.transactions.transaction(
        async (tx) => {
          const stale = months ? await this.store.staleMonths(months, tx) : [];
          if (months) tally.add(await this.store.sumMonthlyCounts(tx, months, stale, filter));
          const live = [...edges, ...stale.map(wholeMonth)];
          if (live.length) tally.add(await this.store.countLive(live, filter, tx));
        },
        { isolationLevel: 'repeatable read', accessMode: 'read only' },
      ),
    ]);
    return tally.result(listed);
  }

  /** Every record of the period counted from incident_records: what `counts` must equal (tests and the benchmark compare them). */
  async liveCounts(filter: StatisticsFilter): Promise<Counts> {
    const tally = new CountsTally();
    const [listed, groups] = await Promise.all([
      this.districts.list(),
      this.store.countLive([{ from: filter.period.from, until: dayAfter(filter.period.to) }], filter),
    ]);
    tally.add(groups);
    return tally.result(listed);
  }

  /**
   * Recounts the monthly counts of the stale months (all, or those within `within`) from
   * incident_records, one month per transaction; returns how many it recounted. A month that
   * some writer has yet to commit to is left stale, counted live, until a later call.
   */
  async refreshStale(within?: DayRange): Promise<number> {
    let refreshed = 0;
    for (const month of await this.store.staleMonths(within)) {
      if (await this.#refreshMonth(month)) refreshed++;
    }
    return refreshed;
  }

  async #refreshMonth(month: string): Promise<boolean> {
    return this.transactions.transaction(async (tx) => {
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
      if (!(await this.store.tryLockMonth(tx, month))) return false;
      // Another refresher got here first.
      if (!(await this.store.takeStaleMarker(tx, month))) return false;
      await this.store.recountMonth(tx, wholeMonth(month));
      return true;
    });
  }
}
