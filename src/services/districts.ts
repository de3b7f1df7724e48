import { asc } from 'drizzle-orm';
import type { Database } from '../store/database.ts';
import { districts } from '../store/schema.ts';

export interface District {
  province: string;
  nameEn: string;
  nameUr: string;
}

/**
 * The district list administrators keep; a name not on it is still accepted as typed. A report
 * stores the English name when the typed one is on the list in either language (so statistics
 * count "لاہور" and "lahore" as Lahore): see store/report-insert.ts.
 */
export class DistrictDirectory {
  constructor(private readonly database: Database) {}

  list(): Promise<District[]> {
    return this.database.db.select().from(districts).orderBy(asc(districts.province), asc(districts.nameEn));
  }
}
