import { system } from '../domain/actor.ts';
import { publicStatusOf } from '../domain/case.ts';
import { reportContexts } from '../domain/encryption-contexts.ts';
import { HifazatError } from '../domain/errors.ts';
import { parseReceipt } from '../domain/receipt.ts';
import type { MessageAuthor, PublicStatus, ReportKind } from '../domain/report.ts';
import { reporterStatusOf, type ReporterStatus } from '../domain/reporter-status.ts';
import type { ThrottleRule } from '../domain/throttling.ts';
import type { Tx } from '../store/database.ts';
import type { ReportStore } from '../store/reports.ts';
import type { AuditLog } from './audit.ts';
import type { Keyring } from './keys.ts';
import type { Client, ClientThrottles } from './throttle.ts';

export interface ThreadMessage {
  author: MessageAuthor;
  body: string;
  createdAt: Date;
}

export interface FollowUpView {
  /** The case's state in four words, as the API has always answered. */
  status: PublicStatus;
  /** What staff did, each stage with its date and when to check again (domain/reporter-status.ts). */
  progress: ReporterStatus;
  kind: ReportKind;
  receivedAt: Date;
  messages: ThreadMessage[];
}

/** The reporter's side after the report: the status with the receipt, and the message thread with staff. */
export class FollowUpService {
  constructor(
    private readonly store: Pick<
      ReportStore,
      'byReceiptHash' | 'messages' | 'latestReferral' | 'markStaffMessagesSeen' | 'addReporterMessage' | 'addMessage'
    >,
    private readonly keyring: Keyring,
    private readonly throttles: ClientThrottles,
    /** Receipt look-ups that find nothing, per client (domain/throttling.ts). */
    private readonly receiptFailureRule: ThrottleRule,
    /** A closed case reopened by the reporter's message is audited, by the system. */
    private readonly audit: Pick<AuditLog, 'transaction'>,
  ) {}

  /**
   * What the reporter may see with their receipt: the status in plain words and the thread. The
   * staff messages it shows count as seen from then on: the status told of them this once.
   */
  async view(receiptInput: string, client: Client): Promise<FollowUpView> {
    const report = await this.#findByReceipt(receiptInput, client);
    const rows = await this.store.messages(report.id);
    const unseen = rows.filter((m) => m.author === 'staff' && m.seenByReporterAt === null);
    const progress = reporterStatusOf({
      ...report,
      receivedAt: report.createdAt,
      latestReferral: report.state === 'referred' ? ((await this.store.latestReferral(report.caseId)) ?? null) : null,
      unseenStaffMessagesAt: unseen.map((m) => m.createdAt),
    });
    if (unseen.length > 0) await this.store.markStaffMessagesSeen(report.id, Math.max(...unseen.map((m) => m.id)));
    return {
      status: publicStatusOf(report.state),
      progress,
      kind: report.kind,
      receivedAt: report.createdAt,
      messages: rows.map((m) => ({
        author: m.author,
        body: this.keyring.decrypt(m.body, reportContexts.message(report.id, m.author)),
        createdAt: m.createdAt,
      })),
    };
  }

  /**
   * The reporter answers a question or adds information. New words from her mark the case for its
   * analyst; on a closed case they reopen it for staff (audited as case.reopen by the system), in
   * the form and the API alike, so nothing she sends goes unread.
   */
  async addReporterMessage(receiptInput: string, body: string, client: Client): Promise<FollowUpView> {
    const report = await this.#findByReceipt(receiptInput, client);
    const sealed = this.keyring.encrypt(body, reportContexts.message(report.id, 'reporter'));
    const added = await this.audit.transaction(system, async (tx, audit) => {
      const outcome = await this.store.addReporterMessage(tx, report.id, sealed);
      if (outcome?.reopened) {
        audit({ action: 'case.reopen', objectType: 'case', objectId: outcome.caseId, details: { reason: 'reporter_message' } });
      }
      return outcome;
    });
    if (!added) throw new HifazatError('unknown_receipt', 'No report has this receipt code.');
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
    // finds nothing. Guesses sent together may pass one check together; the follow-up limit per
    // client (counted atomically) still bounds them, and ADR 0007's guessing figures assume that.
    await this.throttles.assertOpen(this.receiptFailureRule, client);
    const report = await this.store.byReceiptHash(this.keyring.mac('receipt-lookup', parsed.receipt));
    if (!report) {
      await this.throttles.take(this.receiptFailureRule, client);
      throw new HifazatError('unknown_receipt', 'No report has this receipt code.');
    }
    return report;
  }
}
