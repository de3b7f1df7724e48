import { createHash } from 'node:crypto';
import { createChallenge, randomInt, verifySolution, type Challenge, type Payload } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { SpentChallengeStore } from '../store/spent-challenges.ts';
import type { Keyring } from './keys.ts';
import type { ThrottleRules } from '../domain/throttling.ts';
import type { Client, ClientThrottles } from './throttle.ts';

const challengeLifetimeSeconds = 15 * 60;

/**
 * Keeps floods out without a third party. A browser with JavaScript solves a small self-hosted
 * proof of work (ALTCHA) while the person types; a solution buys one submission, within the
 * client's hourly limit of reports. Without JavaScript, or with a bad or spent solution, the
 * submission is still accepted, within a smaller hourly limit of the client's (ADR 0005). Both
 * are counted in the database, so they hold across instances; neither is shared with other clients.
 */
export class SubmissionGate {
  readonly #secret: string;

  constructor(
    private readonly spentChallenges: Pick<SpentChallengeStore, 'spend' | 'purgeExpired'>,
    keyring: Keyring,
    private readonly throttles: ClientThrottles,
    private readonly rules: Pick<ThrottleRules, 'report' | 'unverifiedReport'>,
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
   * Admits one submission of `client`: within its limit of reports with a valid unspent proof of
   * work, or else within its limit of reports without one; throws rate_limited past the limit.
   */
  async admit(encodedPayload: string | undefined, client: Client): Promise<void> {
    const verified = encodedPayload !== undefined && (await this.#spend(encodedPayload));
    await this.throttles.take(verified ? this.rules.report : this.rules.unverifiedReport, client);
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
    return this.spentChallenges.spend(
      createHash('sha256').update(payload.challenge.signature).digest(),
      new Date(Date.now() + challengeLifetimeSeconds * 1000),
    );
  }

  /** Spent solutions need remembering only until their challenge expires. */
  async purgeExpired(): Promise<void> {
    await this.spentChallenges.purgeExpired();
  }
}
