import type { Actor } from '../domain/actor.ts';
import { caseContexts, reportContexts, staffContexts } from '../domain/encryption-contexts.ts';
import { HifazatError } from '../domain/errors.ts';
import type { MessageAuthor } from '../domain/report.ts';
import type { EncryptedColumn, KeyCount, KeyRotationStore, SealedValue } from '../store/key-rotation.ts';
import type { AuditLog } from './audit.ts';
import { addDataKey, currentKeyIdOf, loadOrCreateDataKey, lockKeyFileForRotation, retireOldDataKeys, type Keyring } from './keys.ts';

/**
 * Each encrypted column's context (domain/encryption-contexts.ts), from the columns of its row
 * that store/key-rotation.ts reads. The type makes a column listed there without a context here a
 * compile error; key-rotation.test.ts checks that every context the services seal with is here.
 */
const contextOf: Record<EncryptedColumn, (row: SealedValue['row']) => string> = {
  'reports.sensitive': (row) => reportContexts.sensitive(row.id!),
  'reports.contact': (row) => reportContexts.contact(row.id!),
  'reports.district_typed': (row) => reportContexts.district(row.id!),
  'report_urls.url': (row) => reportContexts.url(row.report_id!, Number(row.position)),
  'report_messages.body': (row) => reportContexts.message(row.report_id!, row.author as MessageAuthor),
  'idempotency_keys.receipt': (row) => reportContexts.idempotentReceipt(Buffer.from(row.key_hash!, 'hex')),
  'case_notes.body': (row) => caseContexts.note(Number(row.id)),
  'referrals.notes': (row) => caseContexts.referralNotes(Number(row.id)),
  'case_court_checklist.note': (row) => caseContexts.courtChecklistNote(row.case_id!, row.item!),
  'staff_users.totp_secret': (row) => staffContexts.totpSecret(row.id!),
};

export const encryptedColumnNames = Object.keys(contextOf) as EncryptedColumn[];

/** What a rotation tells as it goes, for the command line's output (or a running server's log). */
export type RotationProgress =
  | { step: 'key_added'; keyId: number; oldKeyIds: number[] }
  | { step: 'resumed'; keyId: number; oldKeyIds: number[] }
  | { step: 'waiting'; ms: number }
  | { step: 'batch'; pass: number; column: EncryptedColumn; found: number; reencrypted: number }
  | { step: 'pass'; pass: number; found: number }
  | { step: 'retired'; keyId: number; oldKeyIds: number[]; retiredFile: string };

export interface RotationResult {
  keyId: number;
  retiredKeyIds: number[];
  /** Values this run re-encrypted, by column (a resumed run counts only its own). */
  reencrypted: Record<EncryptedColumn, number>;
  passes: number;
  /** The key file as it was before the old keys were removed. */
  retiredFile: string;
  resumed: boolean;
}

export interface KeyStatus {
  currentKeyId: number;
  /** Every key in the key file, oldest first: more than one while a rotation is unfinished. */
  keyIds: number[];
  /** Values by key id and column, only where there are some. */
  counts: KeyCount[];
}

export interface RotationOptions {
  /** Values per batch: one read and one compare-and-set statement each. */
  batchSize?: number;
  /** How long running servers may take to see the new key (their Keyring's check interval, with a margin). */
  settleMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultBatchSize = 500;

/**
 * Rotation of the field-encryption key (`hifazat key rotate`), while Hifazat runs, in the command
 * line's own storage or in a running server's. A new key is added to the key file and seals every
 * new value as soon as each process sees it (services/keys.ts: at most its check interval, which
 * the rotation waits out); then every encrypted value under an older key is re-encrypted in
 * batches, each replaced only if it is still the value read, pass after pass until a pass finds
 * none; only then are the old keys removed from the key file (kept beside it, retired). Keyed
 * hashes stay under the original key's subkeys (see DataKeys). An interrupted rotation leaves a key
 * file with several keys, and the next run continues it rather than adding another.
 */
export class KeyRotation {
  constructor(
    private readonly store: Pick<KeyRotationStore, 'page' | 'replace' | 'countByKey'>,
    private readonly audit: Pick<AuditLog, 'transaction'>,
    private readonly keyring: Keyring,
    private readonly keyFile: string,
  ) {}

  async status(): Promise<KeyStatus> {
    const keys = loadOrCreateDataKey(this.keyFile, { create: false });
    return {
      currentKeyId: currentKeyIdOf(keys),
      keyIds: [...keys.fieldKeys.keys()].sort((a, b) => a - b),
      counts: await this.store.countByKey(),
    };
  }

  async rotate(actor: Actor, onProgress: (progress: RotationProgress) => void, options: RotationOptions = {}): Promise<RotationResult> {
    const batchSize = options.batchSize ?? defaultBatchSize;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const release = lockKeyFileForRotation(this.keyFile);
    try {
      const before = loadOrCreateDataKey(this.keyFile, { create: false });
      const resumed = before.fieldKeys.size > 1;
      const keyId = resumed ? currentKeyIdOf(before) : addDataKey(this.keyFile);
      const oldKeyIds = [...before.fieldKeys.keys()].filter((id) => id !== keyId).sort((a, b) => a - b);
      this.keyring.reload();
      if (this.keyring.currentKeyId !== keyId) {
        throw new HifazatError('internal', `The data keys in use are not those of ${this.keyFile}: the rotation stopped before it began.`);
      }
      await this.audit.transaction(actor, async (_tx, audit) =>
        audit({ action: 'data_key.rotation_start', objectType: 'data_key', objectId: String(keyId), details: { oldKeyIds, resumed } }),
      );
      onProgress({ step: resumed ? 'resumed' : 'key_added', keyId, oldKeyIds });

      // Until every process has seen the new key, some may still seal new values under an old one.
      const settleMs = options.settleMs ?? this.keyring.checkIntervalMs * 2;
      onProgress({ step: 'waiting', ms: settleMs });
      await sleep(settleMs);

      const reencrypted = Object.fromEntries(encryptedColumnNames.map((name) => [name, 0])) as Record<EncryptedColumn, number>;
      let passes = 0;
      for (let found = -1; found !== 0;) {
        passes++;
        found = 0;
        for (const column of encryptedColumnNames) {
          let after: SealedValue['row'] | undefined;
          for (;;) {
            const page = await this.store.page(column, keyId, after, batchSize);
            if (!page.length) break;
            found += page.length;
            const replaced = await this.store.replace(
              column,
              page.map((value) => ({ row: value.row, old: value.sealed, sealed: this.#reseal(column, value) })),
            );
            reencrypted[column] += replaced;
            onProgress({ step: 'batch', pass: passes, column, found: page.length, reencrypted: replaced });
            if (page.length < batchSize) break;
            after = page.at(-1)!.row;
          }
        }
        onProgress({ step: 'pass', pass: passes, found });
      }

      const retiredFile = retireOldDataKeys(this.keyFile);
      this.keyring.reload();
      onProgress({ step: 'retired', keyId, oldKeyIds, retiredFile });
      const total = Object.values(reencrypted).reduce((a, b) => a + b, 0);
      await this.audit.transaction(actor, async (_tx, audit) =>
        audit({
          action: 'data_key.rotation_finish',
          objectType: 'data_key',
          objectId: String(keyId),
          details: { retiredKeyIds: oldKeyIds, reencrypted: total, byColumn: reencrypted, passes },
        }),
      );
      return { keyId, retiredKeyIds: oldKeyIds, reencrypted, passes, retiredFile, resumed };
    } finally {
      release();
    }
  }

  /** The value under the current key; one that does not decrypt stops the rotation, old keys kept. */
  #reseal(column: EncryptedColumn, value: SealedValue): Buffer {
    const context = contextOf[column](value.row);
    let plaintext: string;
    try {
      plaintext = this.keyring.decrypt(value.sealed, context);
    } catch (error) {
      throw new HifazatError(
        'internal',
        `${column} of the row ${JSON.stringify(value.row)} does not decrypt (${(error as Error).message}). The rotation stopped; every key stays in the key file until it can finish.`,
        { cause: error },
      );
    }
    return this.keyring.encrypt(plaintext, context);
  }
}
