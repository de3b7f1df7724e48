import { auditIdentity, requirePermission, type Actor } from '../../domain/actor.ts';
import { HifazatError } from '../../domain/errors.ts';
import { pakistanToday } from '../../domain/pakistan-time.ts';
import { buildRelease, defaultK, kIssues, periodIssues, previousPeriod, releaseConflict, type Period } from '../../domain/statistics.ts';
import { columnMax } from '../../domain/whole-number.ts';
import type { Tx } from '../../store/database.ts';
import type { ReleaseSummary, StatisticsReleaseStore, StoredRelease } from '../../store/statistics-releases.ts';
import type { AuditLog } from '../audit.ts';
import type { StatisticsCounting } from './counting.ts';

export type { ReleaseSummary, StoredRelease };

/**
 * Published statistics: releases of a period with disclosure control, stored unchanged in the
 * append-only release log, and read back by the public pages and the API.
 */
export class Releases {
  constructor(
    private readonly store: Pick<StatisticsReleaseStore, 'lockForPublishing' | 'publishedPeriods' | 'insert' | 'list' | 'get'>,
    private readonly counting: Pick<StatisticsCounting, 'counts'>,
    private readonly audit: Pick<AuditLog, 'transaction'>,
    private readonly now: () => Date,
  ) {}

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
  async publish(actor: Actor, input: { from?: string | undefined; to?: string | undefined; k?: number | undefined }): Promise<number> {
    requirePermission(actor, 'publishStatistics');
    const k = input.k ?? defaultK;
    const issues = [...periodIssues(input, pakistanToday(this.now())), ...kIssues(k)];
    if (issues.length) throw new HifazatError('validation_failed', 'Invalid period or threshold.', { issues });
    const period = { from: input.from!, to: input.to! };
    // Before counting, so that a refusal comes at once; checked again under the lock below.
    await this.#refuseOverlap(period);
    const previous = previousPeriod(period);
    const [counts, previousCounts] = await Promise.all([this.counting.counts({ period }), this.counting.counts({ period: previous })]);
    const release = buildRelease({ period, counts, previous: { period: previous, counts: previousCounts } }, { k });
    return this.audit.transaction(actor, async (tx, audit) => {
      // One publish at a time checks and inserts, and the next one's check sees what it committed.
      await this.store.lockForPublishing(tx);
      await this.#refuseOverlap(period, tx);
      const { actorId, actor: label } = auditIdentity(actor);
      const id = await this.store.insert(tx, { period, k, createdBy: actorId, createdByLabel: label, release });
      audit({
        action: 'statistics.publish',
        objectType: 'statistics_release',
        objectId: String(id),
        details: { from: period.from, to: period.to, k },
      });
      return id;
    });
  }

  /** Throws when a release of `period` would overlap an earlier one without being the same period. */
  async #refuseOverlap(period: Period, tx?: Tx): Promise<void> {
    const conflict = releaseConflict(period, await this.store.publishedPeriods(tx));
    if (!conflict) return;
    const { release, theirs, ours } = conflict;
    const which =
      ours.from === period.from && ours.to === period.to ? 'This period' : `The period it is compared with, ${ours.from} to ${ours.to},`;
    throw new HifazatError(
      'validation_failed',
      `${which} overlaps ${theirs.from} to ${theirs.to} of release ${release} without being the same period, so the two releases ` +
        'could be subtracted from each other. Publish the same period again (a correction) or one that overlaps no release.',
      { issues: [{ field: 'from', problem: 'period_overlaps' }] },
    );
  }

  /** Every release, newest first. Public. */
  listReleases(): Promise<ReleaseSummary[]> {
    return this.store.list();
  }

  /** One release as published, or null. Public. */
  async getRelease(id: number): Promise<StoredRelease | null> {
    // An id no integer column can hold names no release (and the query would fail).
    if (!Number.isSafeInteger(id) || id < 1 || id > columnMax.integer) return null;
    return this.store.get(id);
  }
}
