import { lt, sql } from 'drizzle-orm';
import type { Database } from './database.ts';
import { spentChallenges } from './schema.ts';

/** Proof-of-work challenges already spent, remembered until they expire (services/submission-gate.ts). */
export class SpentChallengeStore {
  constructor(private readonly database: Database) {}

  /** Records a challenge as spent; false when it already was (a replayed solution). */
  async spend(signatureHash: Buffer, expiresAt: Date): Promise<boolean> {
    const spent = await this.database.db
      .insert(spentChallenges)
      .values({ signatureHash, expiresAt })
      .onConflictDoNothing()
      .returning({ signatureHash: spentChallenges.signatureHash });
    return spent.length === 1;
  }

  async purgeExpired(): Promise<void> {
    await this.database.db.delete(spentChallenges).where(lt(spentChallenges.expiresAt, sql`now()`));
  }
}
