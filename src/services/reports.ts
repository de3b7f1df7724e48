import { randomUUID } from 'node:crypto';
import { asc, eq, lt, sql } from 'drizzle-orm';
import { HifazatError } from '../domain/errors.ts';
import { newReceipt, parseReceipt } from '../domain/receipt.ts';
import type { PublicStatus, ReportInput } from '../domain/report.ts';
import type { Database, Tx } from '../store/database.ts';
import { insertReportInTransaction, ReportWriter, type InsertOutcome, type NewReport } from '../store/report-insert.ts';
import { cases, idempotencyKeys, reportMessages, reports } from '../store/schema.ts';
import { publicStatusOf, type CaseState } from '../domain/case.ts';
import type { Keyring } from './keys.ts';
import type { SubmissionGate } from './submission-gate.ts';
import type { ThrottleRule } from '../domain/throttling.ts';
import type { Client, ClientThrottles } from './throttle.ts';

export interface Submitted {
  receipt: string;
  status: PublicStatus;
  /** True when the same idempotency key had already created this report. */
  replayed: boolean;
}

export interface ThreadMessage {
  author: 'reporter' | 'staff';
  body: string;
  createdAt: Date;
}

export interface FollowUpView {
  status: PublicStatus;
  kind: 'online_material' | 'abuse';
  receivedAt: Date;
  messages: ThreadMessage[];
}

/** An Idempotency-Key's keyed hash, and the keyed hash of the report sent with it. */
interface IdempotencyHashes {
  keyHash: Buffer;
  requestHash: Buffer;
}

/** How long a retried submission gets its first answer back. */
const idempotencyWindowHours = 24;

/** Encryption contexts: a ciphertext only decrypts in the row and column it was written for. */
const context = {
  sensitive: (id: string) => `reports/${id}/sensitive`,
  contact: (id: string) => `reports/${id}/contact`,
  /** A district not on the district list, as typed (store/report-insert.ts keeps only the list's names in clear). */
  district: (id: string) => `reports/${id}/district`,
  url: (id: string, position: number) => `report_urls/${id}/${position}`,
  message: (id: string, author: string) => `report_messages/${id}/${author}`,
  idempotentReceipt: (keyHash: Buffer) => `idempotency_keys/${keyHash.toString('hex')}`,
};

/** The console (services/cases.ts) decrypts what reports hold with the same contexts. */
export { context as reportContexts };

export class ReportService {
  readonly #writer: ReportWriter;

  constructor(
    private readonly database: Database,
    private readonly keyring: Keyring,
    private readonly throttles: ClientThrottles,
    /** Receipt look-ups that find nothing, per client (domain/throttling.ts). */
    private readonly receiptFailureRule: ThrottleRule,
    private readonly gate: SubmissionGate,
  ) {
    this.#writer = new ReportWriter(database);
  }

  /**
   * Stores a report and returns its receipt. The receipt exists for the caller only once the
   * transaction has committed; the database keeps just its keyed hash. A report from the public
   * is first let in by the SubmissionGate (its proof of work, or the budget of reports without
   * one); a refused retry of a report already stored still gets its receipt back.
   */
  async submit(
    input: ReportInput,
    options: {
      source: 'portal' | 'api' | 'staff';
      idempotencyKey?: string | undefined;
      /** Reports from the public (portal, API): the ALTCHA solution sent with it, if any. */
      proofOfWork?: string | undefined;
      /** Reports from the public: who sent it, for their throttle only. */
      client?: Client;
      /** Source 'staff' (the console's CaseWork.fileOnBehalf): who filed it, with the caller's consent. */
      filedBy?: string;
      /** Runs in the same transaction once the report is stored: the console audits the filing there. */
      alsoInTransaction?: (tx: Tx, reportId: string) => Promise<void>;
    },
  ): Promise<Submitted> {
    // Only a report with an Idempotency-Key needs its key and its content hashed.
    const key: IdempotencyHashes | undefined = options.idempotencyKey
      ? { keyHash: this.keyring.mac('idempotency', options.idempotencyKey), requestHash: this.keyring.mac('idempotency', JSON.stringify(input)) }
      : undefined;
    if (options.source !== 'staff') {
      if (!options.client) throw new HifazatError('internal', 'A public report needs its client for throttling.');
      try {
        await this.gate.admit(options.proofOfWork, options.client);
      } catch (error) {
        const previous = key && error instanceof HifazatError && error.code === 'rate_limited'
          ? await this.#replay(this.database.db, key)
          : undefined;
        if (previous) return previous;
        throw error;
      }
    }
    const id = randomUUID();
    const receipt = newReceipt();
    const report: NewReport = {
      id,
      incidentId: randomUUID(),
      idempotency: key
        ? { ...key, receipt: this.keyring.encrypt(receipt, context.idempotentReceipt(key.keyHash)) }
        : null,
      receiptHash: this.keyring.mac('receipt-lookup', receipt),
      kind: input.kind,
      language: input.language,
      occurredOn: input.occurredOn ?? null,
      occurredPrecision: input.occurredPrecision,
      province: input.province,
      district: input.district ?? null,
      // Stored only if the district is not on the list; the statement looks that up.
      districtTyped: input.district === undefined ? null : this.keyring.encrypt(input.district, context.district(id)),
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
        context.sensitive(id),
      ),
      contact: input.contact
        ? this.keyring.encrypt(
            JSON.stringify({ name: input.contact.name ?? null, phone: input.contact.phone ?? null, email: input.contact.email ?? null }),
            context.contact(id),
          )
        : null,
      source: options.source,
      // A staff member files only with the caller's consent recorded (checked by CaseWork).
      filedBy: options.filedBy ?? null,
      urls: input.urls.map((url, position) => ({
        position,
        urlHash: this.keyring.mac('url-lookup', url),
        url: this.keyring.encrypt(url, context.url(id, position)),
      })),
    };
    const answer = async (outcome: InsertOutcome, db: Tx | Database['db']): Promise<Submitted> => {
      if (outcome === 'stored') return { receipt, status: 'received', replayed: false };
      const previous = await this.#replay(db, key!);
      if (!previous) throw new HifazatError('internal', 'Idempotency key claimed without a report.');
      return previous;
    };
    const { alsoInTransaction } = options;
    if (alsoInTransaction) {
      return this.database.db.transaction(async (tx) => {
        const outcome = await insertReportInTransaction(this.database, report, tx);
        if (outcome === 'stored') await alsoInTransaction(tx, id);
        return answer(outcome, tx);
      });
    }
    // The common path: one statement (shared with reports arriving at the same time), so one round trip and one commit.
    return answer(await this.#writer.write(report), this.database.db);
  }

  /** The answer given to the first submission with this Idempotency-Key, if there was one. */
  async #replay(tx: Tx | Database['db'], { keyHash, requestHash }: IdempotencyHashes): Promise<Submitted | undefined> {
    const [previous] = await tx
      .select({
        requestHash: idempotencyKeys.requestHash,
        receipt: idempotencyKeys.receipt,
        state: cases.state,
      })
      .from(idempotencyKeys)
      .innerJoin(reports, eq(reports.id, idempotencyKeys.reportId))
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .where(eq(idempotencyKeys.keyHash, keyHash));
    if (!previous) return undefined;
    if (!previous.requestHash.equals(requestHash)) {
      throw new HifazatError('idempotency_conflict', 'This Idempotency-Key was already used for a different report.');
    }
    return {
      receipt: this.keyring.decrypt(previous.receipt, context.idempotentReceipt(keyHash)),
      status: publicStatusOf(previous.state as CaseState),
      replayed: true,
    };
  }

  /** What the reporter may see with their receipt: the status in plain words and the thread. */
  async followUp(receiptInput: string, client: Client): Promise<FollowUpView> {
    const report = await this.#findByReceipt(receiptInput, client);
    const rows = await this.database.db
      .select()
      .from(reportMessages)
      .where(eq(reportMessages.reportId, report.id))
      .orderBy(asc(reportMessages.id));
    return {
      status: publicStatusOf(report.state as CaseState),
      kind: report.kind as FollowUpView['kind'],
      receivedAt: report.createdAt,
      messages: rows.map((m) => ({
        author: m.author as ThreadMessage['author'],
        body: this.keyring.decrypt(m.body, context.message(report.id, m.author)),
        createdAt: m.createdAt,
      })),
    };
  }

  /** The reporter answers a question or adds information. */
  async addReporterMessage(receiptInput: string, body: string, client: Client): Promise<FollowUpView> {
    const report = await this.#findByReceipt(receiptInput, client);
    await this.database.db.transaction(async (tx) => {
      await tx.insert(reportMessages).values({
        reportId: report.id,
        author: 'reporter',
        body: this.keyring.encrypt(body, context.message(report.id, 'reporter')),
      });
      await tx.update(reports).set({ updatedAt: sql`now()` }).where(eq(reports.id, report.id));
      // New words from the reporter mark the case for its analyst.
      await tx
        .update(cases)
        .set({ unreadReporterMessages: sql`${cases.unreadReporterMessages} + 1`, updatedAt: sql`now()` })
        .where(eq(cases.id, report.caseId));
    });
    return this.followUp(receiptInput, client);
  }

  /** Staff side of the thread; the console passes its transaction (`tx`) to audit with it. */
  async addStaffMessage(reportId: string, body: string, staffId?: string, tx: Tx | Database['db'] = this.database.db): Promise<void> {
    await tx.insert(reportMessages).values({
      reportId,
      author: 'staff',
      staffId: staffId ?? null,
      body: this.keyring.encrypt(body, context.message(reportId, 'staff')),
    });
  }

  async #findByReceipt(receiptInput: string, client: Client) {
    const parsed = parseReceipt(receiptInput);
    if ('problem' in parsed) {
      // A typo caught by the check digit says nothing about any report, so it costs no attempt.
      throw new HifazatError('validation_failed', 'The receipt code is not in the right form.', {
        issues: [{ field: 'receipt', problem: parsed.problem }],
      });
    }
    // A client that must wait is refused before the look-up; a look-up is counted only when it
    // finds nothing. Guesses sent together may pass one check together: with 116-bit receipts that
    // gains nothing, and the follow-up limit per client (counted atomically) still bounds them.
    await this.throttles.assertOpen(this.receiptFailureRule, client);
    const [report] = await this.database.db
      .select({ id: reports.id, caseId: reports.caseId, state: cases.state, kind: reports.kind, createdAt: reports.createdAt })
      .from(reports)
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .where(eq(reports.receiptHash, this.keyring.mac('receipt-lookup', parsed.receipt)));
    if (!report) {
      await this.throttles.take(this.receiptFailureRule, client);
      throw new HifazatError('unknown_receipt', 'No report has this receipt code.');
    }
    return report;
  }

  /** Forgets idempotency answers after their window; run by the maintenance timer. */
  async purgeExpiredIdempotencyKeys(): Promise<void> {
    await this.database.db
      .delete(idempotencyKeys)
      .where(lt(idempotencyKeys.createdAt, sql`now() - make_interval(hours => ${idempotencyWindowHours})`));
  }
}

