import { requirePermission, type Actor } from '../../domain/actor.ts';
import { HifazatError } from '../../domain/errors.ts';
import {
  buildRelease,
  defaultK,
  incidentSources,
  periodIssues,
  previousPeriod,
  provinceKeys,
  releaseCsv,
  type Release,
} from '../../domain/statistics.ts';
import type { AuditLog } from '../audit.ts';
import type { StatisticsCounting, StatisticsFilter } from './counting.ts';

/** The tables staff see before anything is published (readCases roles): on screen, or exported as CSV. */
export class LiveTables {
  constructor(
    private readonly counting: Pick<StatisticsCounting, 'counts'>,
    private readonly audit: Pick<AuditLog, 'transaction'>,
  ) {}

  /** The tables of a filter for staff: withheld cells keep their values, flagged as what a release would withhold. */
  async preview(actor: Actor, filter: StatisticsFilter, k = defaultK): Promise<Release> {
    requirePermission(actor, 'readCases');
    checkFilter(filter);
    const [counts, previous] = await Promise.all([
      this.counting.counts(filter),
      this.counting.counts({ ...filter, period: previousPeriod(filter.period) }),
    ]);
    return buildRelease(
      { period: filter.period, counts, previous: { period: previousPeriod(filter.period), counts: previous } },
      { k, reveal: true },
    );
  }

  /** The same tables as CSV (unpublished counts, with the cells a release would withhold flagged); audited. */
  async exportCsv(actor: Actor, filter: StatisticsFilter): Promise<string> {
    const release = await this.preview(actor, filter);
    await this.audit.transaction(actor, async (_tx, audit) =>
      audit({
        action: 'statistics.export',
        details: { from: filter.period.from, to: filter.period.to, province: filter.province ?? null, source: filter.source ?? null },
      }),
    );
    return releaseCsv(release);
  }
}

function checkFilter(filter: StatisticsFilter): void {
  const issues = periodIssues(filter.period);
  if (filter.province && !(provinceKeys as readonly string[]).includes(filter.province))
    issues.push({ field: 'province', problem: 'invalid_choice' });
  if (filter.source && !incidentSources.includes(filter.source)) issues.push({ field: 'source', problem: 'invalid_choice' });
  if (issues.length) throw new HifazatError('validation_failed', 'Invalid filter.', { issues });
}
