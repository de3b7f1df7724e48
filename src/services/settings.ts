import { eq, sql } from 'drizzle-orm';
import { requirePermission, type Actor } from '../domain/actor.ts';
import { HifazatError } from '../domain/errors.ts';
import type { Database, Tx } from '../store/database.ts';
import { settings } from '../store/schema.ts';
import type { AuditLog } from './audit.ts';

/** How long a closed case is kept before it is purged (its anonymous incident record stays). */
export const defaultRetentionDays = 365;
export const retentionDaysRange = { min: 30, max: 3650 } as const;

export async function readRetentionDays(tx: Pick<Tx, 'select'>): Promise<number> {
  const [row] = await tx.select({ value: settings.value }).from(settings).where(eq(settings.key, 'retention_days'));
  const days = Number(row?.value);
  return Number.isInteger(days) && days > 0 ? days : defaultRetentionDays;
}

/** Settings administrators change in the console; every change is audited. */
export class Settings {
  constructor(
    private readonly database: Database,
    private readonly audit: Pick<AuditLog, 'transaction'>,
  ) {}

  retentionDays(): Promise<number> {
    return readRetentionDays(this.database.db);
  }

  async setRetentionDays(actor: Actor, days: number): Promise<void> {
    requirePermission(actor, 'administer', 'Only administrators change settings.');
    if (!Number.isInteger(days) || days < retentionDaysRange.min || days > retentionDaysRange.max) {
      throw new HifazatError('validation_failed', 'Retention is out of range.', {
        issues: [{ field: 'retentionDays', problem: 'retention_range' }],
      });
    }
    await this.audit.transaction(actor, async (tx, audit) => {
      const previous = await readRetentionDays(tx);
      await tx
        .insert(settings)
        .values({ key: 'retention_days', value: days })
        .onConflictDoUpdate({ target: settings.key, set: { value: days, updatedAt: sql`now()` } });
      audit({
        action: 'setting.change',
        objectType: 'setting',
        objectId: 'retention_days',
        details: { from: previous, to: days },
      });
    });
  }
}
