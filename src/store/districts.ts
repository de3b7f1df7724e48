import { asc, inArray, sql } from 'drizzle-orm';
import type { Database, Tx } from './database.ts';
import { districts, reportDistrictsToSeal } from './schema.ts';

export type DistrictRow = typeof districts.$inferSelect;
export type DistrictToSeal = typeof reportDistrictsToSeal.$inferSelect;

/** The district list, and the typed districts migration 0010 set aside to be encrypted. */
export class DistrictStore {
  constructor(private readonly database: Database) {}

  /** The list by province, then English name. */
  list(): Promise<DistrictRow[]> {
    return this.database.db.select().from(districts).orderBy(asc(districts.province), asc(districts.nameEn));
  }

  async anyToSeal(): Promise<boolean> {
    const [any] = await this.database.db.select({ id: reportDistrictsToSeal.reportId }).from(reportDistrictsToSeal).limit(1);
    return any !== undefined;
  }

  /**
   * Runs `seal` over up to `limit` typed districts waiting to be encrypted, in one transaction:
   * their reports take the ciphertexts it returns and the clear texts are deleted. Rows another
   * transaction holds are skipped, so instances starting together share the work. Returns how
   * many were sealed.
   */
  sealBatch(limit: number, seal: (pending: DistrictToSeal) => Buffer): Promise<number> {
    return this.database.db.transaction(async (tx: Tx) => {
      const pending = await tx
        .select()
        .from(reportDistrictsToSeal)
        .orderBy(reportDistrictsToSeal.reportId)
        .limit(limit)
        .for('update', { skipLocked: true });
      if (!pending.length) return 0;
      const values = pending.map((p) => ({ id: p.reportId, sealed: seal(p).toString('base64') }));
      await tx.execute(sql`
        UPDATE reports r SET district_typed = decode(v.sealed, 'base64')
        FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS v(id uuid, sealed text)
        WHERE r.id = v.id`);
      await tx.delete(reportDistrictsToSeal).where(
        inArray(
          reportDistrictsToSeal.reportId,
          pending.map((p) => p.reportId),
        ),
      );
      return pending.length;
    });
  }
}
