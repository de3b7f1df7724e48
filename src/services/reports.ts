import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { HifazatError } from '../domain/errors.ts';
import { newReceipt } from '../domain/receipt.ts';
import { detailAnswers, unknown, type FilingChannel, type PublicStatus, type ReportDetails, type ReportInput } from '../domain/report.ts';
import type { Tx } from '../store/database.ts';
import type { DetailFacts, DetailsChange, ReportDetailsStore, TokenReport } from '../store/report-details.ts';
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

/** A portal report's answer: its receipt, and the continuation token that adds details to it for detailsWindowMinutes. */
export type SubmittedReport = Submitted & { continuation?: string };

/**
 * A continuation token: 32 random bytes (256 bits) in base64url, URL-safe, 43 characters. Only
 * its SHA-256 is stored, as for staff sessions: it cannot be guessed, so a key adds nothing (and
 * a keyed hash would need a new subkey, which a key file written by a rotation does not hold).
 */
const newContinuation = () => randomBytes(32).toString('base64url');
const continuationShape = /^[A-Za-z0-9_-]{43}$/;
const continuationHash = (token: string) => createHash('sha256').update(token).digest();

/** How many receipts a submission draws before giving up: a second draw colliding too means something else is wrong. */
const receiptDraws = 3;

/** Unknown, used up, expired or malformed: one refusal, which says nothing about whether the report exists. */
const detailsLinkExpired = () => new HifazatError('details_link_expired', 'This link for adding details has expired or was already used.');

export class ReportService {
  constructor(
    private readonly store: Pick<ReportStore, 'write' | 'insertInTransaction' | 'idempotentAnswer' | 'purgeIdempotencyKeysOlderThan'>,
    private readonly keyring: Keyring,
    private readonly gate: SubmissionGate,
    private readonly details: Pick<ReportDetailsStore, 'addDetails' | 'tokenOpen' | 'renewToken' | 'forgetExpiredTokens'>,
    /** Draws a new receipt (tests force a collision through it). */
    private readonly drawReceipt: () => string = newReceipt,
  ) {}

  /**
   * Stores a report and returns its receipt. The receipt exists for the caller only once the
   * transaction has committed; the database keeps just its keyed hash. A report from the public
   * is first let in by the SubmissionGate (its proof of work, or the budget of reports without
   * one); a refused retry of a report already stored still gets its receipt back. A report from
   * the portal also gets a continuation token (addDetails), stored with it; a retried one a new
   * token replacing the first, unless its details were added already. A receipt another report
   * drew already (its keyed hash is unique) is drawn again.
   */
  async submit(input: ReportInput, options: SubmitOptions): Promise<SubmittedReport> {
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
      const previous =
        key && error instanceof HifazatError && error.code === 'rate_limited' ? await this.#replay(key, options.source) : undefined;
      if (previous) return previous;
      throw error;
    }
    const continuation = options.source === 'portal' ? newContinuation() : undefined;
    const detailsTokenHash = continuation === undefined ? null : continuationHash(continuation);
    for (let draw = 1; draw <= receiptDraws; draw++) {
      const { report, receipt } = this.#sealed(input, { source: options.source, filedBy: null, channel: null, key, detailsTokenHash });
      // One statement (shared with reports arriving at the same time), so one round trip and one commit.
      const outcome = await this.store.write(report);
      if (outcome === 'stored') {
        return { receipt, status: 'received', replayed: false, ...(continuation === undefined ? {} : { continuation }) };
      }
      if (outcome === 'already_claimed') {
        const previous = await this.#replay(key!, options.source);
        if (!previous) throw new HifazatError('internal', 'Idempotency key claimed without a report.');
        return previous;
      }
    }
    throw new HifazatError('internal', `${receiptDraws} receipts drawn in a row were all taken.`);
  }

  /**
   * Adds the details a reporter gives after the receipt to the report its continuation token names
   * (validated by the caller with reportDetailsSchema, so a refused form leaves the token unused).
   * In one transaction the token is used up and the report takes what was given: each fact
   * answered (an "unknown" keeps what is there), a district as the insert keeps one, the site and
   * description added to any before (after a blank line), contact details with their consent; the
   * case's incident record takes the facts it lacks. A token that is unknown, used or expired is
   * refused with details_link_expired, the same answer for each.
   */
  async addDetails(token: string, details: ReportDetails): Promise<void> {
    const added =
      continuationShape.test(token) && (await this.details.addDetails(continuationHash(token), (r) => this.#change(r, details)));
    if (!added) throw detailsLinkExpired();
  }

  /** Refuses, as addDetails would, a token that can no longer add details (the details form is not shown for one). */
  async assertDetailsOpen(token: string): Promise<void> {
    const open = continuationShape.test(token) && (await this.details.tokenOpen(continuationHash(token)));
    if (!open) throw detailsLinkExpired();
  }

  /** What `details` change in `report`, sealed; null when they answer nothing. */
  #change(report: TokenReport, details: ReportDetails): DetailsChange | null {
    const facts: DetailFacts = {};
    for (const fact of detailAnswers) if (details[fact] !== unknown) facts[fact] = details[fact];
    const occurred = details.occurredOn === undefined ? null : { on: details.occurredOn, precision: details.occurredPrecision };
    const district =
      details.district === undefined
        ? null
        : { typed: details.district, sealed: this.keyring.encrypt(details.district, reportContexts.district(report.id)) };
    const sensitive = details.site === undefined && details.description === undefined ? null : this.#withAdded(report, details);
    // Any contact detail needs consent (reportInputSchema's rule), so consent is what says some were given.
    const contact = details.contact?.consent ? { sealed: this.#sealedContact(report.id, details.contact), consent: true } : null;
    if (!Object.keys(facts).length && !occurred && !district && !sensitive && !contact) return null;
    return { facts, occurred, district, sensitive, contact };
  }

  /** The report's site and description with the details' added after a blank line (an abuse report has its description already). */
  #withAdded(report: TokenReport, details: ReportDetails): Buffer {
    const before = JSON.parse(this.keyring.decrypt(report.sensitive, reportContexts.sensitive(report.id))) as {
      site: string | null;
      description: string | null;
    };
    const added = (text: string | null, more: string | undefined) => (more === undefined ? text : text ? `${text}\n\n${more}` : more);
    return this.keyring.encrypt(
      JSON.stringify({ site: added(before.site, details.site), description: added(before.description, details.description) }),
      reportContexts.sensitive(report.id),
    );
  }

  #sealedContact(reportId: string, contact: NonNullable<ReportInput['contact']>): Buffer {
    return this.keyring.encrypt(
      JSON.stringify({ name: contact.name ?? null, phone: contact.phone ?? null, email: contact.email ?? null }),
      reportContexts.contact(reportId),
    );
  }

  /**
   * Stores a report that a member of staff files for a caller (CaseActions.fileOnBehalf, which
   * checks the caller's consent), inside the caller's transaction so that the filing's audit
   * entry commits with it. Returns the receipt to hand over and the report's id.
   */
  async fileInTransaction(tx: Tx, input: ReportInput, filedBy: string, channel: FilingChannel): Promise<Submitted & { reportId: string }> {
    for (let draw = 1; draw <= receiptDraws; draw++) {
      const { report, receipt } = this.#sealed(input, { source: 'staff', filedBy, channel, key: undefined, detailsTokenHash: null });
      const outcome = await this.store.insertInTransaction(tx, report);
      if (outcome === 'stored') return { receipt, status: 'received', replayed: false, reportId: report.id };
      if (outcome !== 'receipt_taken') throw new HifazatError('internal', 'A filed report was not stored.');
    }
    throw new HifazatError('internal', `${receiptDraws} receipts drawn in a row were all taken.`);
  }

  /** A new report as it is stored: a fresh id and receipt, its sensitive fields encrypted, its lookups keyed. */
  #sealed(
    input: ReportInput,
    options: {
      source: NewReport['source'];
      filedBy: string | null;
      channel: FilingChannel | null;
      key: IdempotencyHashes | undefined;
      detailsTokenHash: Buffer | null;
    },
  ): { report: NewReport; receipt: string } {
    const { key } = options;
    const id = randomUUID();
    const receipt = this.drawReceipt();
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
      contact: input.contact ? this.#sealedContact(id, input.contact) : null,
      source: options.source,
      filedBy: options.filedBy,
      filingChannel: options.channel,
      urls: input.urls.map((url, position) => ({
        position,
        urlHash: this.keyring.mac('url-lookup', url),
        url: this.keyring.encrypt(url, reportContexts.url(id, position)),
      })),
      detailsTokenHash: options.detailsTokenHash,
    };
    return { report, receipt };
  }

  /**
   * The answer given to the first submission with this Idempotency-Key, if there was one; from
   * the portal with a new continuation token, unless the report's details were added already.
   */
  async #replay(key: IdempotencyHashes, source: SubmitOptions['source']): Promise<SubmittedReport | undefined> {
    const previous = await this.#previousAnswer(key);
    if (!previous || source !== 'portal') return previous;
    const continuation = newContinuation();
    return (await this.details.renewToken(key.keyHash, continuationHash(continuation))) ? { ...previous, continuation } : previous;
  }

  async #previousAnswer({ keyHash, requestHash }: IdempotencyHashes): Promise<Submitted | undefined> {
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

  /** Forgets idempotency answers after their window, and continuation tokens after theirs; run by the maintenance timer. */
  async purgeExpired(): Promise<void> {
    await this.store.purgeIdempotencyKeysOlderThan(idempotencyWindowHours);
    await this.details.forgetExpiredTokens();
  }
}
