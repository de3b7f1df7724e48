import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Actor, ApiKeyActor } from '../domain/actor.ts';
import { apiKeyExpired, apiKeyExpiry, apiKeyLastUseIntervalMs } from '../domain/api-keys.ts';
import { HifazatError } from '../domain/errors.ts';
import { apiKeyScopes, defaultApiKeyScopes, maxHiddenEntriesPerKey, type ApiKeyScope, type MatchVerdict } from '../domain/signals.ts';
import { isUuid } from '../domain/uuid.ts';
import type { ApiKeyStore, ListedApiKey } from '../store/api-keys.ts';
import type { AuditLog } from './audit.ts';
import type { HashBanks } from './hash-banks.ts';

/**
 * A verified key's scope. Shared by the requests that present the key while it is cached: never
 * modified (a change replaces it).
 */
export interface ApiKey {
  id: string;
  name: string;
  bankIds: readonly string[];
  /** What the key may call. */
  scopes: readonly ApiKeyScope[];
  /** Entries the key's own confirmed false positives hid from its matches (no other key's). */
  hiddenEntryIds: ReadonlySet<number>;
  /** Kept with the cached scope, so that a key is refused from this instant even while cached. */
  expiresAt: Date | null;
}

/**
 * How long a verified key's scope is reused before the database is asked again. Processes are
 * stateless and share only the database, so a key revoked through another process keeps working
 * in this one for at most this long (revoking through this process takes effect at once); in
 * exchange, most requests skip the key query, which cost more than the match itself.
 */
export const apiKeyScopeCacheMs = 5_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * API keys for platforms, scoped to banks and to what they may call ('match', 'feedback'), and
 * the feedback they give on matches. Only a hash of each key is stored.
 */
export class ApiKeys {
  /**
   * Verified keys' scopes by the hash of the secret, until a time. A wrong key is never kept, so
   * guessing cannot fill memory: there is at most one entry per key the database confirmed.
   */
  #verified = new Map<string, { key: ApiKey; until: number }>();
  /** Counts changes to keys (revocations, hidden entries), so that a key read before one is not cached after it. */
  #changes = 0;
  /** When this process last wrote each key's last use (one entry per key the database confirmed). */
  #lastUseWritten = new Map<string, number>();

  constructor(
    private readonly store: Pick<
      ApiKeyStore,
      | 'insert'
      | 'activeByHash'
      | 'list'
      | 'recordUse'
      | 'revoke'
      | 'hiddenEntryIds'
      | 'bankOfEntry'
      | 'lockKey'
      | 'hiddenEntryCount'
      | 'hide'
      | 'show'
      | 'isHidden'
      | 'insertFeedback'
    >,
    private readonly banks: Pick<HashBanks, 'byName'>,
    private readonly audit: Pick<AuditLog, 'transaction'>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * A new key, audited with its name, banks, scopes and expiry; the secret is returned only here.
   * `expires` (YYYY-MM-DD): the key works until the end of that day in Pakistan; without it, until revoked.
   */
  async create(
    actor: Actor,
    name: string,
    bankNames: string[],
    scopes: readonly ApiKeyScope[] = defaultApiKeyScopes,
    expires?: string,
  ): Promise<{ id: string; secret: string; expiresAt: Date | null }> {
    if (bankNames.length === 0)
      throw new HifazatError('validation_failed', 'Name at least one bank.', { issues: [{ field: 'banks', problem: 'required' }] });
    if (scopes.length === 0 || !scopes.every((s) => apiKeyScopes.includes(s))) {
      throw new HifazatError('validation_failed', `Grant one or more of: ${apiKeyScopes.join(', ')}.`, {
        issues: [{ field: 'scopes', problem: 'invalid_choice' }],
      });
    }
    const expiresAt = expires === undefined ? null : apiKeyExpiry(expires, this.clock());
    const bankIds = await Promise.all(bankNames.map(async (n) => (await this.banks.byName(n)).id));
    const id = randomUUID();
    const secret = `hz_${randomBytes(32).toString('base64url')}`;
    const granted = [...new Set(scopes)];
    await this.audit.transaction(actor, async (tx, audit) => {
      await this.store.insert(tx, { id, name, keyHash: sha256(secret), scopes: granted, expiresAt }, bankIds);
      audit({
        action: 'api_key.create',
        objectType: 'api_key',
        objectId: id,
        details: { name, bankIds, scopes: granted, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) },
      });
    });
    return { id, secret, expiresAt };
  }

  /** Every key with its banks, scopes, expiry, last use and revocation; never a secret or its hash. */
  list(): Promise<ListedApiKey[]> {
    return this.store.list();
  }

  /**
   * The key's scope, from memory for up to `apiKeyScopeCacheMs` after the database confirmed it;
   * an expired key is refused at once, cached or not. Records the key's use (see #recordUse);
   * `onLastUseFailure` hears of a failed write, which the request does not wait for.
   */
  async authenticate(secret: string | undefined, onLastUseFailure: (error: unknown) => void = () => {}): Promise<ApiKey | undefined> {
    if (!secret || secret.length > 200) return undefined;
    const keyHash = sha256(secret);
    const cacheKey = keyHash.toString('base64');
    const now = this.clock();
    const cached = this.#verified.get(cacheKey);
    let key = cached && now.getTime() < cached.until ? cached.key : undefined;
    if (!key) {
      this.#verified.delete(cacheKey);
      const changes = this.#changes;
      const stored = await this.store.activeByHash(keyHash);
      if (!stored) return undefined;
      key = {
        id: stored.id,
        name: stored.name,
        bankIds: stored.bankIds,
        scopes: stored.scopes.filter((s): s is ApiKeyScope => (apiKeyScopes as readonly string[]).includes(s)),
        hiddenEntryIds: new Set(await this.store.hiddenEntryIds(stored.id)),
        expiresAt: stored.expiresAt,
      };
      if (changes === this.#changes) this.#verified.set(cacheKey, { key, until: now.getTime() + apiKeyScopeCacheMs });
    }
    if (apiKeyExpired(key.expiresAt, now)) return undefined;
    this.#recordUse(key.id, now, onLastUseFailure);
    return key;
  }

  /**
   * Writes the key's last use at most once per `apiKeyLastUseIntervalMs` in this process (and the
   * statement skips a row another process wrote within it), without the request waiting for it.
   */
  #recordUse(id: string, now: Date, onFailure: (error: unknown) => void): void {
    const last = this.#lastUseWritten.get(id);
    if (last !== undefined && now.getTime() - last < apiKeyLastUseIntervalMs) return;
    this.#lastUseWritten.set(id, now.getTime());
    this.store.recordUse(id, now, new Date(now.getTime() - apiKeyLastUseIntervalMs)).catch(onFailure);
  }

  /**
   * Records a platform's verdict on a match, for analysts to review, and audits it as
   * 'match.feedback' with the key as the actor. A confirmed false positive hides the entry from
   * this key's matches, and a confirmed true positive shows it again; no other key is affected.
   * Only entries in the banks the key reaches (else not_found, as for an entry that does not
   * exist). `hidden` tells whether the entry is now hidden from this key. A change takes effect
   * at once for the key in this process, and within `apiKeyScopeCacheMs` in the others.
   */
  async feedback(key: ApiKey, input: { entryId: number; verdict: MatchVerdict; confirmed: boolean }): Promise<{ hidden: boolean }> {
    const keyActor: ApiKeyActor = { kind: 'api_key', id: key.id, name: key.name };
    const { hidden, changed } = await this.audit.transaction(keyActor, async (tx, audit) => {
      const bankId = await this.store.bankOfEntry(tx, input.entryId);
      if (bankId === undefined || !key.bankIds.includes(bankId))
        throw new HifazatError('not_found', 'No such entry in the banks this key reaches.');
      let changed = false;
      if (input.confirmed && input.verdict === 'false_positive') {
        // Serialises this key's hiding, so that concurrent requests cannot pass the limit together.
        await this.store.lockKey(tx, key.id);
        const hiddenCount = await this.store.hiddenEntryCount(tx, key.id);
        changed = await this.store.hide(tx, key.id, input.entryId);
        if (changed && hiddenCount >= maxHiddenEntriesPerKey) {
          throw new HifazatError(
            'invalid_state',
            `This key has hidden ${maxHiddenEntriesPerKey} entries, the most one key may; the hotline reviews them.`,
          );
        }
      } else if (input.confirmed && input.verdict === 'true_positive') {
        changed = await this.store.show(tx, key.id, input.entryId);
      }
      const hidden = input.confirmed ? input.verdict === 'false_positive' : await this.store.isHidden(tx, key.id, input.entryId);
      await this.store.insertFeedback(tx, { entryId: input.entryId, apiKeyId: key.id, verdict: input.verdict, confirmed: input.confirmed });
      audit({
        action: 'match.feedback',
        objectType: 'bank_entry',
        objectId: String(input.entryId),
        details: { bankId, verdict: input.verdict, confirmed: input.confirmed, hiddenForKey: hidden },
      });
      return { hidden, changed };
    });
    if (changed) this.#forget(key.id);
    return { hidden };
  }

  /**
   * Takes effect at once in this process; other processes stop accepting the key within
   * `apiKeyScopeCacheMs`. Audited when there is such a key; the key's name, undefined when there is none.
   */
  async revoke(actor: Actor, id: string): Promise<{ name: string } | undefined> {
    const revoked = await this.audit.transaction(actor, async (tx, audit) => {
      const key = isUuid(id) ? await this.store.revoke(tx, id) : undefined;
      if (key) audit({ action: 'api_key.revoke', objectType: 'api_key', objectId: id, details: { name: key.name } });
      return key;
    });
    this.#forget(id);
    return revoked;
  }

  #forget(id: string): void {
    this.#changes++;
    for (const [cacheKey, { key }] of this.#verified) if (key.id === id) this.#verified.delete(cacheKey);
  }
}
