import { auditIdentity, type Actor } from '../domain/actor.ts';
import type { AuditAction } from '../domain/audit-actions.ts';
import { HifazatError } from '../domain/errors.ts';
import { isUuid } from '../domain/uuid.ts';
import type { AuditLogStore, ChainedRow } from '../store/audit-log.ts';
import type { Tx } from '../store/database.ts';
import type { Keyring } from './keys.ts';

/** One action of a staff member (or of the system) worth accounting for. Never reporter content. */
export interface AuditEntry {
  actorId: string | null;
  /** Who acted, as people read it (domain/actor.ts, auditIdentity): the staff email, 'system', 'cli', or `api key "NAME"`. */
  actor: string;
  /** What was done: one of domain/audit-actions.ts. */
  action: AuditAction;
  objectType?: string | undefined;
  objectId?: string | undefined;
  /** Identifiers and settings only: what a staff member did, never what a reporter wrote. */
  details?: Record<string, unknown> | undefined;
}

/** An entry's own part; who acted is added from the Actor by AuditLog.transaction. */
export type AuditedAction = Omit<AuditEntry, 'actorId' | 'actor'>;
/** Records an entry of the running transaction; AuditLog.transaction appends them at its end. */
export type Audit = (entry: AuditedAction) => void;

export interface AuditRecord {
  seq: number;
  at: Date;
  actorId: string | null;
  actor: string;
  action: string;
  objectType: string | null;
  objectId: string | null;
  details: Record<string, unknown>;
  /** The entry's chain hash, hex. */
  hash: string;
}

/** The newest entry: record it outside the database to detect a later truncation. */
export interface AuditHead {
  seq: number;
  /** hex */
  hash: string;
}

/**
 * A head written as `hifazat audit head` prints it and `audit verify --head` takes it, SEQ:HASH;
 * null when the text is not one.
 */
export function parseAuditHead(text: string): AuditHead | null {
  const parts = /^(\d+):([0-9a-f]{64})$/i.exec(text);
  return parts ? { seq: Number(parts[1]), hash: parts[2]!.toLowerCase() } : null;
}

export type AuditProblemKind =
  /** The entry's content (or seq, time, link) does not match its keyed hash: edited or forged. */
  | 'hash_mismatch'
  /** The entry's prev_hash is not the hash of the entry before it: one was removed, added or moved. */
  | 'broken_link'
  /** The entry's seq does not follow the one before: entries were deleted. */
  | 'sequence_gap'
  /** The oldest entry is not seq 1: the start of the log was deleted. */
  | 'not_first'
  /** The entry at a head recorded earlier has another hash now: the log was rewritten. */
  | 'recorded_head_mismatch'
  /** A head recorded earlier is no longer in the log: the log was truncated. */
  | 'recorded_head_missing';

/** What each problem means, in words for an operator. */
export const auditProblemDescriptions: Record<AuditProblemKind, string> = {
  hash_mismatch: 'the entry does not match its hash (edited, forged, or moved to another seq)',
  broken_link: 'the entry does not link to the entry before it (one was removed, added or moved)',
  sequence_gap: 'entries before this one are missing (deleted)',
  not_first: 'the oldest entry is not seq 1 (the start of the log was deleted)',
  recorded_head_mismatch: 'the entry at the recorded head has another hash now (the log was rewritten)',
  recorded_head_missing: 'the recorded head is no longer in the log (the log was truncated)',
};

export interface AuditProblem {
  seq: number;
  problem: AuditProblemKind;
}

export type AuditVerification =
  | { ok: true; entries: number; head: AuditHead | null }
  | {
      ok: false;
      entries: number;
      head: AuditHead | null;
      /** The first `maxProblems` problems, in seq order. */
      problems: AuditProblem[];
      /** All problems found, including those not listed. */
      problemCount: number;
    };

export interface AuditListQuery {
  /** Only entries older than this seq (the last seq of the previous page). */
  before?: number | undefined;
  limit: number;
  action?: AuditAction | undefined;
  actorId?: string | undefined;
}

const zeroHash = Buffer.alloc(32);
const maxListLimit = 500;

/** JSON with object keys sorted at every level: one serialisation per value. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** How often the console's audit page re-checks the whole chain (in between, only what was appended). */
const fullCheckIntervalMs = 10 * 60_000;

/**
 * The append-only, hash-chained audit log of the console. Each entry's hash is an HMAC (under
 * the 'audit-chain' subkey of the data key, which lives outside the database) of its content
 * and of the previous entry's hash, so whoever holds only the database can delete or edit rows
 * (with the trigger disabled) but cannot make the chain verify again. The statements are
 * store/audit-log.ts's; the chain's rules are here.
 */
export class AuditLog {
  /** The chain as this process last checked it whole, and when: the audit page continues from it. */
  #checked: { at: number; head: AuditHead; entries: number } | undefined;

  constructor(
    private readonly store: Pick<AuditLogStore, 'transaction' | 'lockForAppend' | 'insert' | 'chainPage' | 'head' | 'hashAt' | 'list'>,
    private readonly keyring: Keyring,
    private readonly now: () => number = Date.now,
  ) {}

  #hash(entry: ChainedRow): Buffer {
    return this.keyring.mac(
      'audit-chain',
      canonicalJson({
        seq: entry.seq,
        at: entry.at,
        actorId: entry.actorId,
        actor: entry.actor,
        action: entry.action,
        objectType: entry.objectType,
        objectId: entry.objectId,
        details: entry.details,
        prevHash: entry.prevHash.toString('hex'),
      }),
    );
  }

  /**
   * Appends one entry inside the caller's transaction: the action and its audit entry commit or
   * roll back together, and a rollback leaves no gap. The advisory lock is held until the
   * caller's transaction ends, so every other append waits for it: append as late in the
   * transaction as possible. Under READ COMMITTED (the default) the head read after the lock
   * sees the previous append; in a REPEATABLE READ transaction that already read something, it
   * may not, and the insert then fails on the seq key rather than forking the chain.
   */
  async append(tx: Tx, entry: AuditEntry): Promise<AuditHead> {
    const content = normalise(entry);
    // The head and the database's clock, read under the lock: one clock for all processes, and
    // entries' times follow their seq.
    const { head, at } = await this.store.lockForAppend(tx);
    const chained: ChainedRow = {
      ...content,
      seq: (head?.seq ?? 0) + 1,
      at,
      prevHash: head?.hash ?? zeroHash,
    };
    const hash = this.#hash(chained);
    await this.store.insert(tx, { ...chained, hash });
    return { seq: chained.seq, hash: hash.toString('hex') };
  }

  /**
   * Runs `body` in one transaction and appends the entries it records, as `actor`, at its end
   * (the append lock is then held only until the commit): every change that audits goes through
   * here, so an action and its record commit or roll back together.
   */
  transaction<T>(actor: Actor, body: (tx: Tx, audit: Audit) => Promise<T>): Promise<T> {
    return this.store.transaction(async (tx) => {
      const entries: AuditedAction[] = [];
      const result = await body(tx, (entry) => {
        entries.push(entry);
      });
      const identity = auditIdentity(actor);
      for (const entry of entries) await this.append(tx, { ...identity, ...entry });
      return result;
    });
  }

  /**
   * Appends one entry in a transaction of its own, for an actor who is not an `Actor`: a refused
   * sign-in, recorded under the account name as typed.
   */
  appendNow(entry: AuditEntry): Promise<AuditHead> {
    return this.store.transaction((tx) => this.append(tx, entry));
  }

  /**
   * Walks the whole log in seq order, a page at a time, and checks every hash, link and seq.
   * Deleting the newest entries leaves a valid, shorter chain: only a head recorded elsewhere
   * (`expectHead`) reveals that, so the result always names the current head.
   */
  async verify(
    options: {
      expectHead?: AuditHead;
      pageSize?: number;
      maxProblems?: number;
      /** Start after an entry already verified (with the count of entries up to it), not at the first. */
      after?: { head: AuditHead; entries: number };
    } = {},
  ): Promise<AuditVerification> {
    const pageSize = options.pageSize ?? 1000;
    const maxProblems = options.maxProblems ?? 1000;
    const problems: AuditProblem[] = [];
    let problemCount = 0;
    const report = (seq: number, problem: AuditProblemKind) => {
      problemCount++;
      if (problems.length < maxProblems) problems.push({ seq, problem });
    };

    let entries = options.after?.entries ?? 0;
    let previous: { seq: number; hash: Buffer } | undefined = options.after
      ? { seq: options.after.head.seq, hash: Buffer.from(options.after.head.hash, 'hex') }
      : undefined;
    let expectedHeadSeen = false;
    for (;;) {
      const page = await this.store.chainPage(previous?.seq, pageSize);
      for (const row of page) {
        entries++;
        if (!previous) {
          if (row.seq !== 1) report(row.seq, 'not_first');
          else if (!row.prevHash.equals(zeroHash)) report(row.seq, 'broken_link');
        } else {
          if (row.seq !== previous.seq + 1) report(row.seq, 'sequence_gap');
          if (!row.prevHash.equals(previous.hash)) report(row.seq, 'broken_link');
        }
        if (!this.#hash(row).equals(row.hash)) report(row.seq, 'hash_mismatch');
        if (options.expectHead && row.seq === options.expectHead.seq) {
          expectedHeadSeen = true;
          if (row.hash.toString('hex') !== options.expectHead.hash.toLowerCase()) {
            report(row.seq, 'recorded_head_mismatch');
          }
        }
        previous = { seq: row.seq, hash: row.hash };
      }
      if (page.length < pageSize) break;
    }
    if (options.expectHead && !expectedHeadSeen) report(options.expectHead.seq, 'recorded_head_missing');

    const head = previous ? { seq: previous.seq, hash: previous.hash.toString('hex') } : null;
    return problemCount === 0 ? { ok: true, entries, head } : { ok: false, entries, head, problems, problemCount };
  }

  /**
   * The check the console's audit page shows on every view. Re-hashing the whole log each time
   * would make every view cost as much as the log is long, so the whole chain is checked at most
   * every ten minutes per process; in between, only the entries appended since the last check are,
   * starting from its head. That head must still be there unchanged; if it is not, the whole chain
   * is checked against it, so deleting the newest entries (which leaves a valid, shorter chain) is
   * reported at once. `hifazat audit verify` always checks everything.
   */
  async verifyForView(): Promise<AuditVerification> {
    const checked = this.#checked;
    const headUnchanged = checked !== undefined && (await this.#headUnchanged(checked.head));
    if (checked && headUnchanged && this.now() - checked.at < fullCheckIntervalMs) {
      const result = await this.verify({ after: checked });
      if (result.ok && result.head) this.#checked = { at: checked.at, head: result.head, entries: result.entries };
      else this.#checked = undefined;
      return result;
    }
    const started = this.now();
    const result = await this.verify(checked && !headUnchanged ? { expectHead: checked.head } : {});
    this.#checked = result.ok && result.head ? { at: started, head: result.head, entries: result.entries } : undefined;
    return result;
  }

  async #headUnchanged(head: AuditHead): Promise<boolean> {
    const hash = await this.store.hashAt(head.seq);
    return hash !== undefined && hash.toString('hex') === head.hash;
  }

  /**
   * The newest entry as it stands, null for an empty log, unchecked: what an operator records
   * outside the database (`hifazat audit head`, the server's log) so that a later
   * `verify({ expectHead })` shows whether anything up to it was cut off or rewritten.
   */
  async head(): Promise<AuditHead | null> {
    const head = await this.store.head();
    return head ? { seq: head.seq, hash: head.hash.toString('hex') } : null;
  }

  /** Entries newest first, for the auditors' view; page with `before` = the last seq shown. */
  async list(query: AuditListQuery): Promise<AuditRecord[]> {
    // Not a uuid: no entry can match (and PostgreSQL would refuse the comparison).
    if (query.actorId !== undefined && !isUuid(query.actorId)) return [];
    const limit = Math.min(Math.max(Math.trunc(query.limit), 1), maxListLimit);
    const rows = await this.store.list(query, limit);
    return rows.map((row) => ({ ...row, hash: row.hash.toString('hex') }));
  }
}

/**
 * Brings an entry to the exact form the database will store and give back, since that is what
 * verify() hashes: a lower-case uuid, NULL for a missing object, and details as plain JSON
 * (what JSON.stringify keeps; jsonb's key order is undone by the canonical serialisation).
 */
function normalise(entry: AuditEntry): Omit<ChainedRow, 'seq' | 'at' | 'prevHash'> {
  if (entry.actorId !== null && !isUuid(entry.actorId)) {
    throw new HifazatError('internal', 'An audit entry needs a uuid or null as actorId.');
  }
  if (!entry.actor || !entry.action) throw new HifazatError('internal', 'An audit entry needs an actor and an action.');
  const details: unknown = JSON.parse(JSON.stringify(entry.details ?? {}));
  if (details === null || typeof details !== 'object' || Array.isArray(details)) {
    throw new HifazatError('internal', 'Audit details must be an object.');
  }
  return {
    actorId: entry.actorId?.toLowerCase() ?? null,
    actor: entry.actor,
    action: entry.action,
    objectType: entry.objectType ?? null,
    objectId: entry.objectId ?? null,
    details: details as Record<string, unknown>,
  };
}
