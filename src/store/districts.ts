import { asc, inArray, sql } from 'drizzle-orm';
import type { Database, Tx } from './database.ts';
import { districts, reportDistrictsToSeal } from './schema.ts';

export type DistrictRow = typeof districts.$inferSelect;
export type DistrictToSeal = typeof reportDistrictsToSeal.$inferSelect;

/** A listed district that a typed name names (one typed name may name districts in several provinces). */
export interface NamedDistrict {
  typed: string;
  province: string;
  nameEn: string;
}

/**
 * When a typed name names a listed district: its English name in any case, or its Urdu name as
 * written ("Lahore", "LAHORE", "lahore" and "لاہور" are all Lahore). SQL over the table
 * `districts` for the SQL expression `typed`: the one place the rule is written, for the statement
 * that stores reports (report-insert.ts) and the newspaper intake (namedBy).
 */
export function districtNamedBy(typed: string): string {
  return `(districts.name_en_lower = lower(${typed}) OR districts.name_ur = ${typed})`;
}

/** The district list, and the typed districts migration 0010 set aside to be encrypted. */
export class DistrictStore {
  constructor(private readonly database: Database) {}

  /** The list by province, then English name. */
  list(): Promise<DistrictRow[]> {
    return this.database.db.select().from(districts).orderBy(asc(districts.province), asc(districts.nameEn));
  }

  /** The listed districts each of `typed` names (districtNamedBy), in one query; by province, then English name. */
  async namedBy(typed: readonly string[]): Promise<NamedDistrict[]> {
    if (!typed.length) return [];
    const result = await this.database.db.execute(sql`
      SELECT t.typed, districts.province, districts.name_en
      FROM jsonb_array_elements_text(${JSON.stringify(typed)}::jsonb) AS t(typed)
      JOIN districts ON ${sql.raw(districtNamedBy('t.typed'))}
      ORDER BY districts.province, districts.name_en`);
    const rows = (result as unknown as { rows: { typed: string; province: string; name_en: string }[] }).rows;
    return rows.map((row) => ({ typed: row.typed, province: row.province, nameEn: row.name_en }));
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
