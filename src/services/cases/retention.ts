import { system } from '../../domain/actor.ts';
import type { CaseStore } from '../../store/cases.ts';
import type { SettingsStore } from '../../store/settings.ts';
import type { AuditLog } from '../audit.ts';

/**
 * Deletes closed cases older than the retention period (settings.retention_days, 365 by
 * default) with their reports, links, messages, classifications, notes, tasks and referrals:
 * every encrypted field goes with its row. The anonymous incident records stay, detached
 * (case_id NULL), for statistics. Run by the maintenance timer; audited with counts only.
 */
export class CaseRetention {
  constructor(
    private readonly store: Pick<CaseStore, 'lockClosedBefore' | 'deleteCases'>,
    private readonly settings: Pick<SettingsStore, 'retentionDays'>,
    private readonly audit: Pick<AuditLog, 'transaction'>,
    private readonly now: () => Date,
  ) {}

  async purgeClosedCases(now: Date = this.now()): Promise<{ cases: number; reports: number }> {
    return this.audit.transaction(system, async (tx, audit) => {
      const retentionDays = await this.settings.retentionDays(tx);
      const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
      const ids = await this.store.lockClosedBefore(tx, cutoff);
      if (ids.length === 0) return { cases: 0, reports: 0 };
      const counts = { cases: ids.length, reports: await this.store.deleteCases(tx, ids) };
      audit({ action: 'retention.purge', details: { ...counts, retentionDays } });
      return counts;
    });
  }
}
