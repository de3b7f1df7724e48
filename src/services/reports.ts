import { randomUUID } from 'node:crypto';
import { HifazatError } from '../domain/errors.ts';
import { newReceipt } from '../domain/receipt.ts';
import type { PublicStatus, ReportInput } from '../domain/report.ts';
import type { Tx } from '../store/database.ts';
import type { NewReport } from '../store/report-insert.ts';
import type { ReportStore } from '../store/reports.ts';
import { publicStatusOf } from '../domain/case.ts';
import { reportContexts } from '../domain/encryption-contexts.ts';
import type { Keyring } from './keys.ts';
import type { SubmissionGate } from './submission-gate.ts';
import type { Client } from './throttle.ts';

export interface Submitted {
  receipt: string;
  status: PublicStatus;
  /** True when the same idempotency key had already created this report. */
  replayed: boolean;
}

/** An Idempotency-Key's keyed hash, and the keyed hash of the report sent with it. */
interface IdempotencyHashes {
  keyHash: Buffer;
  requestHash: Buffer;
}

/** A report from the public (portal, API): throttled per client, retried safely with an Idempotency-Key. */
interface SubmitOptions {
  source: 'portal' | 'api';
  idempotencyKey?: string | undefined;
  /** The ALTCHA solution sent with it, if any. */
  proofOfWork?: string | undefined;
  /** Who sent it, for their throttle only. */
  client: Client;
}

/** How long a retried submission gets its first answer back. */
const idempotencyWindowHours = 24;

export class ReportService {
  constructor(
    private readonly store: Pick<ReportStore, 'write' | 'insertInTransaction' | 'idempotentAnswer' | 'purgeIdempotencyKeysOlderThan'>,
    private readonly keyring: Keyring,
    private readonly gate: SubmissionGate,
  ) {}

  /**
   * Stores a report and returns its receipt. The receipt exists for the caller only once the
   * transaction has committed; the database keeps just its keyed hash. A report from the public
   * is first let in by the SubmissionGate (its proof of work, or the budget of reports without
   * one); a refused retry of a report already stored still gets its receipt back.
   */
  async submit(input: ReportInput, options: SubmitOptions): Promise<Submitted> {
    // Only a report with an Idempotency-Key needs its key and its content hashed.
    const key: IdempotencyHashes | undefined = options.idempotencyKey
      ? {
          keyHash: this.keyring.mac('idempotency', options.idempotencyKey),
          requestHash: this.keyring.mac('idempotency', JSON.stringify(input)),
        }
      : undefined;
    try {
      await this.gate.admit(options.proofOfWork, options.client);
    } catch (error) {
      const previous = key && error instanceof HifazatError && error.code === 'rate_limited' ? await this.#replay(key) : undefined;
      if (previous) return previous;
      throw error;
    }
    const { report, receipt } = this.#sealed(input, { source: options.source, filedBy: null, key });
    // One statement (shared with reports arriving at the same time), so one round trip and one commit.
    const outcome = await this.store.write(report);
    if (outcome === 'stored') return { receipt, status: 'received', replayed: false };
    const previous = await this.#replay(key!);
    if (!previous) throw new HifazatError('internal', 'Idempotency key claimed without a report.');
    return previous;
  }

  /**
   * Stores a report that a member of staff files for a caller (CaseActions.fileOnBehalf, which
   * checks the caller's consent), inside the caller's transaction so that the filing's audit
   * entry commits with it. Returns the receipt to hand over and the report's id.
   */
  async fileInTransaction(tx: Tx, input: ReportInput, filedBy: string): Promise<Submitted & { reportId: string }> {
    const { report, receipt } = this.#sealed(input, { source: 'staff', filedBy, key: undefined });
    const outcome = await this.store.insertInTransaction(tx, report);
    if (outcome !== 'stored') throw new HifazatError('internal', 'A filed report was not stored.');
    return { receipt, status: 'received', replayed: false, reportId: report.id };
  }

  /** A new report as it is stored: a fresh id and receipt, its sensitive fields encrypted, its lookups keyed. */
  #sealed(
    input: ReportInput,
    options: { source: NewReport['source']; filedBy: string | null; key: IdempotencyHashes | undefined },
  ): { report: NewReport; receipt: string } {
    const { key } = options;
    const id = randomUUID();
    const receipt = newReceipt();
    const report: NewReport = {
      id,
      incidentId: randomUUID(),
      idempotency: key ? { ...key, receipt: this.keyring.encrypt(receipt, reportContexts.idempotentReceipt(key.keyHash)) } : null,
      receiptHash: this.keyring.mac('receipt-lookup', receipt),
      kind: input.kind,
      language: input.language,
      occurredOn: input.occurredOn ?? null,
      occurredPrecision: input.occurredPrecision,
      province: input.province,
      district: input.district ?? null,
      // Stored only if the district is not on the list; the statement looks that up.
      districtTyped: input.district === undefined ? null : this.keyring.encrypt(input.district, reportContexts.district(id)),
      area: input.area,
      childAgeBand: input.childAgeBand,
      childSex: input.childSex,
      abuserRelationship: input.abuserRelationship,
      place: input.place,
      inDangerNow: input.inDangerNow,
      policeStatus: input.policeStatus,
      reporterRelationship: input.reporterRelationship,
      contactConsent: input.contact?.consent ?? false,
      sensitive: this.keyring.encrypt(
        JSON.stringify({ site: input.site ?? null, description: input.description ?? null }),
        reportContexts.sensitive(id),
      ),
      contact: input.contact
        ? this.keyring.encrypt(
            JSON.stringify({ name: input.contact.name ?? null, phone: input.contact.phone ?? null, email: input.contact.email ?? null }),
            reportContexts.contact(id),
          )
        : null,
      source: options.source,
      filedBy: options.filedBy,
      urls: input.urls.map((url, position) => ({
        position,
        urlHash: this.keyring.mac('url-lookup', url),
        url: this.keyring.encrypt(url, reportContexts.url(id, position)),
      })),
    };
    return { report, receipt };
  }

  /** The answer given to the first submission with this Idempotency-Key, if there was one. */
  async #replay({ keyHash, requestHash }: IdempotencyHashes): Promise<Submitted | undefined> {
    const previous = await this.store.idempotentAnswer(keyHash);
    if (!previous) return undefined;
    if (!previous.requestHash.equals(requestHash)) {
      throw new HifazatError('idempotency_conflict', 'This Idempotency-Key was already used for a different report.');
    }
    return {
      receipt: this.keyring.decrypt(previous.receipt, reportContexts.idempotentReceipt(keyHash)),
      status: publicStatusOf(previous.state),
      replayed: true,
    };
  }

  /** Forgets idempotency answers after their window; run by the maintenance timer. */
  async purgeExpiredIdempotencyKeys(): Promise<void> {
    await this.store.purgeIdempotencyKeysOlderThan(idempotencyWindowHours);
  }
}
