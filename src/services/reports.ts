import { randomUUID } from 'node:crypto';
import { asc, eq, lt, sql } from 'drizzle-orm';
import { HifazatError } from '../domain/errors.ts';
import { newReceipt, parseReceipt } from '../domain/receipt.ts';
import type { PublicStatus, ReportInput } from '../domain/report.ts';
import type { Database, Tx } from '../store/database.ts';
import { idempotencyKeys, reportMessages, reports, reportUrls } from '../store/schema.ts';
import type { Keyring } from './keys.ts';
import type { Throttle } from './throttle.ts';
import type { DistrictDirectory } from './districts.ts';

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

/** How long a retried submission gets its first answer back. */
const idempotencyWindowHours = 24;

/** Encryption contexts: a ciphertext only decrypts in the row and column it was written for. */
const context = {
  sensitive: (id: string) => `reports/${id}/sensitive`,
  contact: (id: string) => `reports/${id}/contact`,
  url: (id: string, position: number) => `report_urls/${id}/${position}`,
  message: (id: string, author: string) => `report_messages/${id}/${author}`,
  idempotentReceipt: (keyHash: Buffer) => `idempotency_keys/${keyHash.toString('hex')}`,
};

export class ReportService {
  constructor(
    private readonly database: Database,
    private readonly keyring: Keyring,
    private readonly followUpThrottle: Throttle,
    private readonly districts: DistrictDirectory,
  ) {}

  /**
   * Stores a report and returns its receipt. The receipt exists for the caller only once the
   * transaction has committed; the database keeps just its keyed hash.
   */
  async submit(
    input: ReportInput,
    options: { source: 'portal' | 'api'; idempotencyKey?: string | undefined },
  ): Promise<Submitted> {
    const id = randomUUID();
    const receipt = newReceipt();
    const keyHash = options.idempotencyKey ? this.keyring.mac('idempotency', options.idempotencyKey) : undefined;
    const requestHash = this.keyring.mac('idempotency', JSON.stringify(input));
    const district = input.district === undefined ? null : await this.districts.canonical(input.district);

    return this.database.db.transaction(async (tx) => {
      if (keyHash) {
        // Claim the key first: a concurrent retry waits here for our commit, then finds the row.
        const claimed = await tx
          .insert(idempotencyKeys)
          .values({
            keyHash,
            requestHash,
            reportId: id,
            receipt: this.keyring.encrypt(receipt, context.idempotentReceipt(keyHash)),
          })
          .onConflictDoNothing()
          .returning({ keyHash: idempotencyKeys.keyHash });
        if (claimed.length === 0) return this.#replay(tx, keyHash, requestHash);
      }
      await tx.insert(reports).values({
        id,
        receiptHash: this.keyring.mac('receipt-lookup', receipt),
        kind: input.kind,
        language: input.language,
        occurredOn: input.occurredOn ?? null,
        occurredPrecision: input.occurredPrecision,
        province: input.province,
        district,
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
              JSON.stringify({
                name: input.contact.name ?? null,
                phone: input.contact.phone ?? null,
                email: input.contact.email ?? null,
              }),
              context.contact(id),
            )
          : null,
        source: options.source,
      });
      if (input.urls.length > 0) {
        await tx.insert(reportUrls).values(
          input.urls.map((url, position) => ({
            reportId: id,
            position,
            urlHash: this.keyring.mac('url-lookup', url),
            url: this.keyring.encrypt(url, context.url(id, position)),
          })),
        );
      }
      return { receipt, status: 'received', replayed: false };
    });
  }

  async #replay(tx: Tx, keyHash: Buffer, requestHash: Buffer): Promise<Submitted> {
    const [previous] = await tx
      .select({
        requestHash: idempotencyKeys.requestHash,
        receipt: idempotencyKeys.receipt,
        status: reports.status,
      })
      .from(idempotencyKeys)
      .innerJoin(reports, eq(reports.id, idempotencyKeys.reportId))
      .where(eq(idempotencyKeys.keyHash, keyHash));
    if (!previous) throw new HifazatError('internal', 'Idempotency key claimed without a report.');
    if (!previous.requestHash.equals(requestHash)) {
      throw new HifazatError('idempotency_conflict', 'This Idempotency-Key was already used for a different report.');
    }
    return {
      receipt: this.keyring.decrypt(previous.receipt, context.idempotentReceipt(keyHash)),
      status: previous.status as PublicStatus,
      replayed: true,
    };
  }

  /** What the reporter may see with their receipt: the status in plain words and the thread. */
  async followUp(receiptInput: string): Promise<FollowUpView> {
    const report = await this.#findByReceipt(receiptInput);
    const rows = await this.database.db
      .select()
      .from(reportMessages)
      .where(eq(reportMessages.reportId, report.id))
      .orderBy(asc(reportMessages.id));
    return {
      status: report.status as PublicStatus,
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
  async addReporterMessage(receiptInput: string, body: string): Promise<FollowUpView> {
    const report = await this.#findByReceipt(receiptInput);
    await this.database.db.transaction(async (tx) => {
      await tx.insert(reportMessages).values({
        reportId: report.id,
        author: 'reporter',
        body: this.keyring.encrypt(body, context.message(report.id, 'reporter')),
      });
      await tx.update(reports).set({ updatedAt: sql`now()` }).where(eq(reports.id, report.id));
    });
    return this.followUp(receiptInput);
  }

  /** Staff side of the thread (the console builds on this). */
  async addStaffMessage(reportId: string, body: string): Promise<void> {
    await this.database.db.insert(reportMessages).values({
      reportId,
      author: 'staff',
      body: this.keyring.encrypt(body, context.message(reportId, 'staff')),
    });
  }

  async #findByReceipt(receiptInput: string) {
    const parsed = parseReceipt(receiptInput);
    if ('problem' in parsed) {
      // A typo caught by the check digit says nothing about any report, so it costs no attempt.
      throw new HifazatError('validation_failed', 'The receipt code is not in the right form.', {
        issues: [{ field: 'receipt', problem: parsed.problem }],
      });
    }
    await this.followUpThrottle.assertOpen();
    const [report] = await this.database.db
      .select({ id: reports.id, status: reports.status, kind: reports.kind, createdAt: reports.createdAt })
      .from(reports)
      .where(eq(reports.receiptHash, this.keyring.mac('receipt-lookup', parsed.receipt)));
    if (!report) {
      await this.followUpThrottle.recordFailure();
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

