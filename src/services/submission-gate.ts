import { createHash } from 'node:crypto';
import { createChallenge, randomInt, verifySolution, type Challenge, type Payload } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { lt, sql } from 'drizzle-orm';
import type { Database } from '../store/database.ts';
import { spentChallenges } from '../store/schema.ts';
import type { Keyring } from './keys.ts';
import type { SharedBudget } from './throttle.ts';

const challengeLifetimeSeconds = 15 * 60;

/**
 * Keeps floods out without a third party. A browser with JavaScript solves a small self-hosted
 * proof of work (ALTCHA) while the person types; a solution buys one submission. Without
 * JavaScript, or with a bad or spent solution, the submission is still accepted, but only
 * within a shared budget per window (kept in the database, so it holds across instances).
 */
export class SubmissionGate {
  readonly #secret: string;

  constructor(
    private readonly database: Database,
    keyring: Keyring,
    private readonly unverifiedBudget: SharedBudget,
    private readonly difficulty: { min: number; max: number } = { min: 20_000, max: 60_000 },
  ) {
    this.#secret = keyring.mac('pow-signature', 'altcha').toString('hex');
  }

  challenge(): Promise<Challenge> {
    return createChallenge({
      algorithm: 'SHA-256',
      cost: 1,
      counter: randomInt(this.difficulty.min, this.difficulty.max),
      deriveKey,
      hmacSignatureSecret: this.#secret,
      hmacKeySignatureSecret: this.#secret,
      expiresAt: Math.floor(Date.now() / 1000) + challengeLifetimeSeconds,
    });
  }

  /**
   * Admits one submission: by its valid unspent proof of work, or else against the budget of
   * submissions without one; throws rate_limited once that budget is spent.
   */
  async admit(encodedPayload: string | undefined): Promise<void> {
    if (encodedPayload && (await this.#spend(encodedPayload))) return;
    await this.unverifiedBudget.take();
  }

  async #spend(encodedPayload: string): Promise<boolean> {
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(encodedPayload, 'base64').toString('utf8')) as Payload;
    } catch {
      return false;
    }
    if (typeof payload?.challenge?.signature !== 'string' || typeof payload.solution !== 'object') return false;
    const result = await verifySolution({
      challenge: payload.challenge,
      solution: payload.solution,
      deriveKey,
      hmacSignatureSecret: this.#secret,
      hmacKeySignatureSecret: this.#secret,
    }).catch(() => undefined);
    if (!result?.verified) return false;
    const spent = await this.database.db
      .insert(spentChallenges)
      .values({
        signatureHash: createHash('sha256').update(payload.challenge.signature).digest(),
        expiresAt: new Date(Date.now() + challengeLifetimeSeconds * 1000),
      })
      .onConflictDoNothing()
      .returning({ signatureHash: spentChallenges.signatureHash });
    return spent.length === 1;
  }

  /** Spent solutions need remembering only until their challenge expires. */
  async purgeExpired(): Promise<void> {
    await this.database.db.delete(spentChallenges).where(lt(spentChallenges.expiresAt, sql`now()`));
  }
}
