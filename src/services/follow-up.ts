import { publicStatusOf } from '../domain/case.ts';
import { reportContexts } from '../domain/encryption-contexts.ts';
import { HifazatError } from '../domain/errors.ts';
import { parseReceipt } from '../domain/receipt.ts';
import type { MessageAuthor, PublicStatus, ReportKind } from '../domain/report.ts';
import type { ThrottleRule } from '../domain/throttling.ts';
import type { Tx } from '../store/database.ts';
import type { ReportStore } from '../store/reports.ts';
import type { Keyring } from './keys.ts';
import type { Client, ClientThrottles } from './throttle.ts';

export interface ThreadMessage {
  author: MessageAuthor;
  body: string;
  createdAt: Date;
}

export interface FollowUpView {
  status: PublicStatus;
  kind: ReportKind;
  receivedAt: Date;
  messages: ThreadMessage[];
}

/** The reporter's side after the report: the status with the receipt, and the message thread with staff. */
export class FollowUpService {
  constructor(
    private readonly store: Pick<ReportStore, 'byReceiptHash' | 'messages' | 'addReporterMessage' | 'addMessage'>,
    private readonly keyring: Keyring,
    private readonly throttles: ClientThrottles,
    /** Receipt look-ups that find nothing, per client (domain/throttling.ts). */
    private readonly receiptFailureRule: ThrottleRule,
  ) {}

  /** What the reporter may see with their receipt: the status in plain words and the thread. */
  async view(receiptInput: string, client: Client): Promise<FollowUpView> {
    const report = await this.#findByReceipt(receiptInput, client);
    const rows = await this.store.messages(report.id);
    return {
      status: publicStatusOf(report.state),
      kind: report.kind,
      receivedAt: report.createdAt,
      messages: rows.map((m) => ({
        author: m.author,
        body: this.keyring.decrypt(m.body, reportContexts.message(report.id, m.author)),
        createdAt: m.createdAt,
      })),
    };
  }

  /** The reporter answers a question or adds information. */
  async addReporterMessage(receiptInput: string, body: string, client: Client): Promise<FollowUpView> {
    const report = await this.#findByReceipt(receiptInput, client);
    // New words from the reporter mark the case for its analyst.
    await this.store.addReporterMessage(report, this.keyring.encrypt(body, reportContexts.message(report.id, 'reporter')));
    return this.view(receiptInput, client);
  }

  /** Staff side of the thread; the console passes its transaction (`tx`) to audit with it. */
  async addStaffMessage(reportId: string, body: string, staffId?: string, tx?: Tx): Promise<void> {
    await this.store.addMessage(
      {
        reportId,
        author: 'staff',
        staffId: staffId ?? null,
        body: this.keyring.encrypt(body, reportContexts.message(reportId, 'staff')),
      },
      tx,
    );
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
    const report = await this.store.byReceiptHash(this.keyring.mac('receipt-lookup', parsed.receipt));
    if (!report) {
      await this.throttles.take(this.receiptFailureRule, client);
      throw new HifazatError('unknown_receipt', 'No report has this receipt code.');
    }
    return report;
  }
}
