import { eq, sql } from 'drizzle-orm';
import { retentionDaysOf } from '../domain/settings.ts';
import type { Db, Tx } from './database.ts';
import { settings } from './schema.ts';

/** The settings table: one row per setting an administrator changed (domain/settings.ts). */
export class SettingsStore {
  constructor(private readonly db: Db) {}

  /** The retention period in days, in `tx` when given (domain/settings.ts, retentionDaysOf). */
  async retentionDays(tx: Tx | Db = this.db): Promise<number> {
    const [row] = await tx.select({ value: settings.value }).from(settings).where(eq(settings.key, 'retention_days'));
    return retentionDaysOf(row?.value);
  }

  async setRetentionDays(tx: Tx, days: number): Promise<void> {
    await tx
      .insert(settings)
      .values({ key: 'retention_days', value: days })
      .onConflictDoUpdate({ target: settings.key, set: { value: days, updatedAt: sql`now()` } });
  }
}
