import { desc, eq, sql } from 'drizzle-orm';
import type { Period, Release, ReleasePeriods } from '../domain/statistics.ts';
import type { Database, Db, Tx } from './database.ts';
import { statisticsReleases } from './statistics-schema.ts';

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

/** The release log (statistics_releases): append-only, a trigger refuses UPDATE, DELETE and TRUNCATE. */
export class StatisticsReleaseStore {
  constructor(private readonly database: Database) {}

  /**
   * Locks the release log until the transaction ends, in SHARE ROW EXCLUSIVE mode: it conflicts
   * with itself and with INSERT, not with reading, so lockers go one at a time and each sees what
   * the one before it committed.
   */
  async lockForPublishing(tx: Tx): Promise<void> {
    await tx.execute(sql`LOCK TABLE statistics_releases IN SHARE ROW EXCLUSIVE MODE`);
  }

  /** The periods each release publishes counts of, oldest release first. */
  async publishedPeriods(tx: Db | Tx = this.database.db): Promise<ReleasePeriods[]> {
    const comparison = (end: 'from' | 'to') =>
      sql<string | null>`${statisticsReleases.tables} -> 'comparison' -> 'period' ->> ${sql.raw(`'${end}'`)}`;
    const rows = await tx
      .select({
        id: statisticsReleases.id,
        from: statisticsReleases.periodFrom,
        to: statisticsReleases.periodTo,
        comparisonFrom: comparison('from'),
        comparisonTo: comparison('to'),
      })
      .from(statisticsReleases)
      .orderBy(statisticsReleases.id);
    return rows.map((r) => ({
      id: r.id,
      period: { from: r.from, to: r.to },
      comparison: r.comparisonFrom && r.comparisonTo ? { from: r.comparisonFrom, to: r.comparisonTo } : null,
    }));
  }

  /** Appends a release of `period` at threshold `k`, by a member of staff (`createdBy`, null for the command line); returns its id. */
  async insert(
    tx: Tx,
    entry: { period: Period; k: number; createdBy: string | null; createdByLabel: string; release: Release },
  ): Promise<number> {
    const [row] = await tx
      .insert(statisticsReleases)
      .values({
        periodFrom: entry.period.from,
        periodTo: entry.period.to,
        k: entry.k,
        createdBy: entry.createdBy,
        createdByLabel: entry.createdByLabel,
        tables: entry.release,
      })
      .returning({ id: statisticsReleases.id });
    return row!.id;
  }

  /** Every release, newest first. */
  async list(): Promise<ReleaseSummary[]> {
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
    return rows.map((r) => ({
      id: r.id,
      period: { from: r.from, to: r.to },
      k: r.k,
      createdAt: r.createdAt,
      total: r.total === null ? null : Number(r.total),
    }));
  }

  /** One release as stored, or null. `id` must be within the integer column. */
  async get(id: number): Promise<StoredRelease | null> {
    const [row] = await this.database.db.select().from(statisticsReleases).where(eq(statisticsReleases.id, id));
    if (!row) return null;
    const release = row.tables;
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
