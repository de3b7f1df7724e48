import { HifazatError } from '../domain/errors.ts';
import { clientKeyOf, delayAfter, delayTable, windowOf, type ThrottleRule } from '../domain/throttling.ts';
import type { ClientThrottleStore, ThrottleRow } from '../store/client-throttles.ts';
import type { Keyring } from './keys.ts';

/**
 * The client a request came from, as the HTTP layer saw it (the proxy's word for it only when
 * TRUST_PROXY names the proxy). Services use it for throttling and for nothing else: it is never
 * stored, logged or returned.
 */
export interface Client {
  readonly address: string;
}

/** One counted attempt: give it back when it succeeded, or forget the client's row altogether. */
export interface Attempt {
  refund(): Promise<void>;
  forget(): Promise<void>;
}

/**
 * Per-client throttles in the database, shared by every process (ADR 0005). A row is found by a
 * 16-bit keyed tag of the client (and target) under a key of the window: the database never holds
 * an address, nor anything that links one client's rows across windows.
 */
export class ClientThrottles {
  constructor(
    private readonly store: Pick<ClientThrottleStore, 'take' | 'read' | 'refund' | 'forget'>,
    private readonly keyring: Keyring,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Counts one attempt of `client` (at `target`, if the rule is per target) or throws the rule's
   * error with the seconds to wait. Check and count are one statement: no burst passes together.
   */
  async take(rule: ThrottleRule, client: Client, target = ''): Promise<Attempt> {
    const now = this.now();
    const { row, secondsLeft } = this.#row(rule, now, client, target);
    const result = await this.store.take(row, now, rule.limit, delayTable(rule));
    if (!result.taken) throw refusal(rule, result.hits >= rule.limit ? secondsLeft : result.waitSeconds);
    return { refund: () => this.store.refund(row, this.now()), forget: () => this.store.forget(row) };
  }

  /**
   * Throws the rule's error if `client` must wait now, counting nothing: for failures that are
   * counted only once they happen (`take` after the failure), so that what succeeds is never
   * counted, not even while it is in flight or when the process dies before giving it back.
   */
  async assertOpen(rule: ThrottleRule, client: Client, target = ''): Promise<void> {
    const now = this.now();
    const { row, secondsLeft } = this.#row(rule, now, client, target);
    const current = await this.store.read(row);
    if (!current) return;
    if (current.hits >= rule.limit) throw refusal(rule, secondsLeft);
    const wait = (current.notBefore.getTime() - now.getTime()) / 1000;
    if (delayAfter(rule, current.hits) > 0 && wait > 0) throw refusal(rule, wait);
  }

  #row(rule: ThrottleRule, now: Date, client: Client, target: string): { row: ThrottleRow; secondsLeft: number } {
    const window = windowOf(rule, now.getTime());
    return {
      row: { scope: rule.scope, subject: this.#tag(rule, window.start, client, target), windowStart: window.start },
      secondsLeft: window.secondsLeft,
    };
  }

  #tag(rule: ThrottleRule, windowStart: Date, client: Client, target: string): Buffer {
    const mac = this.keyring.mac(
      'client-throttle',
      JSON.stringify([rule.scope, windowStart.toISOString(), clientKeyOf(client.address), target]),
    );
    return mac.subarray(0, 2);
  }
}

function refusal(rule: ThrottleRule, waitSeconds: number): HifazatError {
  return new HifazatError(rule.code, 'Too many attempts; try again later.', { retryAfter: Math.max(1, Math.ceil(waitSeconds)) });
}
