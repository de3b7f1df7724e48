import { asc, eq, or, sql } from 'drizzle-orm';
import type { Database } from '../store/database.ts';
import { districts } from '../store/schema.ts';

export interface District {
  province: string;
  nameEn: string;
  nameUr: string;
}

/** The district list administrators keep; a name not on it is still accepted as typed. */
export class DistrictDirectory {
  constructor(private readonly database: Database) {}

  list(): Promise<District[]> {
    return this.database.db.select().from(districts).orderBy(asc(districts.province), asc(districts.nameEn));
  }

  /**
   * The English name when the typed one is on the list in either language (so statistics count
   * "لاہور" and "lahore" as Lahore), otherwise the name as typed.
   */
  async canonical(typed: string): Promise<string> {
    const [match] = await this.database.db
      .select({ nameEn: districts.nameEn })
      .from(districts)
      .where(or(eq(sql`lower(${districts.nameEn})`, typed.toLowerCase()), eq(districts.nameUr, typed)))
      .limit(1);
    return match?.nameEn ?? typed;
  }
}
