import { asc, inArray, sql } from 'drizzle-orm';
import type { Database } from '../store/database.ts';
import { districts, reportDistrictsToSeal } from '../store/schema.ts';
import type { Keyring } from './keys.ts';
import { reportContexts } from './reports.ts';

export interface District {
  province: string;
  nameEn: string;
  nameUr: string;
}

/**
 * The district list administrators keep; a name not on it is still accepted. A report keeps in
 * clear only the list's English name, when the typed one is on the list in either language (so
 * statistics count "لاہور" and "lahore" as Lahore); any other typed text is kept encrypted for
 * staff to read, and counts as "other districts, or not known": see store/report-insert.ts and
 * migration 0010.
 */
export class DistrictDirectory {
  constructor(private readonly database: Database) {}

  list(): Promise<District[]> {
    return this.database.db.select().from(districts).orderBy(asc(districts.province), asc(districts.nameEn));
  }
}

/** Rows one transaction of sealTypedDistricts takes. */
const sealBatch = 500;

/**
 * Encrypts the typed districts that migration 0010 set aside (reports stored before it with a
 * district not on the list) into their reports, and forgets the clear text: run at every start,
 * after the migrations, with the data key (main.ts, openStorage). With nothing left it costs one
 * query on an empty table. Each batch is one transaction (encrypted into the report and deleted
 * from the waiting table together), so a crash loses nothing and a rerun does only what is left;
 * instances starting together skip each other's locked rows. Returns how many it sealed.
 */
export async function sealTypedDistricts(database: Database, keyring: Keyring): Promise<number> {
  const [any] = await database.db.select({ id: reportDistrictsToSeal.reportId }).from(reportDistrictsToSeal).limit(1);
  if (!any) return 0;
  let sealed = 0;
  for (;;) {
    const done = await database.db.transaction(async (tx) => {
      const pending = await tx
        .select()
        .from(reportDistrictsToSeal)
        .orderBy(reportDistrictsToSeal.reportId)
        .limit(sealBatch)
        .for('update', { skipLocked: true });
      if (!pending.length) return 0;
      const values = pending.map((p) => ({
        id: p.reportId,
        sealed: keyring.encrypt(p.typed, reportContexts.district(p.reportId)).toString('base64'),
      }));
      await tx.execute(sql`
        UPDATE reports r SET district_typed = decode(v.sealed, 'base64')
        FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS v(id uuid, sealed text)
        WHERE r.id = v.id`);
      await tx.delete(reportDistrictsToSeal).where(inArray(reportDistrictsToSeal.reportId, pending.map((p) => p.reportId)));
      return pending.length;
    });
    sealed += done;
    if (done < sealBatch) return sealed;
  }
}
