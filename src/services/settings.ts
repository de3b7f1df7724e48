import { requirePermission, type Actor } from '../domain/actor.ts';
import { HifazatError } from '../domain/errors.ts';
import { retentionDaysRange } from '../domain/settings.ts';
import type { SettingsStore } from '../store/settings.ts';
import type { AuditLog } from './audit.ts';

/** Settings administrators change in the console; every change is audited. */
export class Settings {
  constructor(
    private readonly store: Pick<SettingsStore, 'retentionDays' | 'setRetentionDays'>,
    private readonly audit: Pick<AuditLog, 'transaction'>,
  ) {}

  /** How long a closed case is kept before it is purged, in days. */
  retentionDays(): Promise<number> {
    return this.store.retentionDays();
  }

  async setRetentionDays(actor: Actor, days: number): Promise<void> {
    requirePermission(actor, 'administer', 'Only administrators change settings.');
    if (!Number.isInteger(days) || days < retentionDaysRange.min || days > retentionDaysRange.max) {
      throw new HifazatError('validation_failed', 'Retention is out of range.', {
        issues: [{ field: 'retentionDays', problem: 'retention_range' }],
      });
    }
    await this.audit.transaction(actor, async (tx, audit) => {
      const previous = await this.store.retentionDays(tx);
      await this.store.setRetentionDays(tx, days);
      audit({
        action: 'setting.change',
        objectType: 'setting',
        objectId: 'retention_days',
        details: { from: previous, to: days },
      });
    });
  }
}
