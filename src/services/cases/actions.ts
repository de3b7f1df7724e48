import { may, mayAssign, requirePermission, type StaffActor } from '../../domain/actor.ts';
import type { CaseState, ClosureReason } from '../../domain/case.ts';
import { canMoveCase, closureRequestSchema, messageSchema } from '../../domain/case-work.ts';
import { HifazatError, parseInput } from '../../domain/errors.ts';
import { filingIssues, type FilingChannel, type ReportInput } from '../../domain/report.ts';
import type { CaseRow, CaseStore } from '../../store/cases.ts';
import type { Tx } from '../../store/database.ts';
import type { Audit } from '../audit.ts';
import type { FollowUpService } from '../follow-up.ts';
import type { ReportService, Submitted } from '../reports.ts';
import { forbidden, invalidState, type CaseAccess } from './access.ts';

/**
 * What staff do to a case as a whole: assign it, move it along its states, ask for and approve
 * its closure, link it with another, and talk with its reporter; and file a report for a caller.
 */
export class CaseActions {
  constructor(
    private readonly access: CaseAccess,
    private readonly store: Pick<
      CaseStore,
      | 'setAssignee'
      | 'requestClosure'
      | 'approveClosure'
      | 'dropClosureRequest'
      | 'clearUnreadMessages'
      | 'moveContents'
      | 'addUnreadMessages'
      | 'closeAsDuplicate'
      | 'deleteIncidentRecord'
    >,
    private readonly reports: Pick<ReportService, 'fileInTransaction'>,
    private readonly followUp: Pick<FollowUpService, 'addStaffMessage'>,
    private readonly now: () => Date,
  ) {}

  /**
   * Assigns a case (null: unassigns it). Supervisors assign any open case to an active analyst
   * or supervisor; an analyst may only take an unassigned new case for themselves.
   */
  async assign(actor: StaffActor, caseId: string, staffId: string | null): Promise<void> {
    if (!mayAssign(actor, staffId)) {
      throw forbidden(may(actor, 'workCases') ? 'Analysts may only take a case themselves.' : undefined);
    }
    await this.access.audit.transaction(actor, async (tx, audit) => {
      // For an analyst, opening the case to work on it is what takes it.
      const row = await this.access.openCase(tx, actor, caseId, 'work', audit);
      if (!may(actor, 'superviseCases') || row.assignedTo === staffId) return;
      if (staffId !== null) await this.access.requireCaseWorker(tx, staffId, 'staffId');
      await this.store.setAssignee(tx, row.id, staffId, this.now());
      audit({ action: 'case.assign', objectType: 'case', objectId: row.id, details: { staffId, previous: row.assignedTo } });
    });
  }

  /** Moves a case by hand along new → triaged → in_progress → referred (see canMoveCase). */
  async setState(actor: StaffActor, caseId: string, state: CaseState): Promise<void> {
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'work', audit);
      if (!canMoveCase(row.state, state)) {
        throw invalidState(`A case cannot move from ${row.state} to ${state}; closing needs a request and an approval.`);
      }
      await this.access.moveTo(tx, row, state, audit);
    });
  }

  /** Asks for the case to be closed; a supervisor other than the requester approves it. */
  async requestClosure(actor: StaffActor, caseId: string, reason: ClosureReason): Promise<void> {
    const input = parseInput(closureRequestSchema, { reason });
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'work', audit);
      if (row.closureRequestedBy) throw invalidState('Closure has already been requested.');
      await this.store.requestClosure(tx, row.id, input.reason, actor.id, this.now());
      audit({ action: 'case.closure_request', objectType: 'case', objectId: row.id, details: { reason: input.reason } });
    });
  }

  /**
   * Closes a case whose closure was requested. Four eyes: the approving supervisor must not be
   * the one who asked, so no single person can close a case (and with it start the clock to
   * its purge) alone.
   */
  async approveClosure(actor: StaffActor, caseId: string): Promise<void> {
    requirePermission(actor, 'superviseCases', 'You may not do this.');
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.#pendingClosure(tx, actor, caseId, audit);
      if (row.closureRequestedBy === actor.id) throw forbidden('Another supervisor must approve a closure you asked for.');
      await this.store.approveClosure(tx, row.id, actor.id, this.now());
      audit({
        action: 'case.close',
        objectType: 'case',
        objectId: row.id,
        details: { reason: row.closureReason, requestedBy: row.closureRequestedBy },
      });
    });
  }

  /** Refuses a requested closure; the case stays open as it was. */
  async rejectClosure(actor: StaffActor, caseId: string): Promise<void> {
    requirePermission(actor, 'superviseCases', 'You may not do this.');
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.#pendingClosure(tx, actor, caseId, audit);
      await this.store.dropClosureRequest(tx, row.id, this.now());
      audit({
        action: 'case.closure_reject',
        objectType: 'case',
        objectId: row.id,
        details: { reason: row.closureReason, requestedBy: row.closureRequestedBy },
      });
    });
  }

  async #pendingClosure(tx: Tx, actor: StaffActor, caseId: string, audit: Audit): Promise<CaseRow> {
    const row = await this.access.openCase(tx, actor, caseId, 'work', audit);
    if (!row.closureRequestedBy) throw invalidState('Nobody has asked to close this case.');
    return row;
  }

  /**
   * Links two cases found to be one: the other case's reports, notes, tasks and referrals move
   * into the target, and the other is closed as a duplicate (merged_into the target) with no
   * approval needed, since nothing is dropped. Its incident record is deleted: statistics count
   * the incident once.
   */
  async linkReports(actor: StaffActor, targetCaseId: string, otherCaseId: string): Promise<void> {
    if (targetCaseId === otherCaseId) throw invalidState('A case cannot be linked to itself.');
    await this.access.audit.transaction(actor, async (tx, audit) => {
      // Lock both cases in one order, so two opposite links cannot deadlock.
      const [firstId, secondId] = [targetCaseId, otherCaseId].sort() as [string, string];
      const first = await this.access.openCase(tx, actor, firstId, 'work', audit);
      const second = await this.access.openCase(tx, actor, secondId, 'work', audit);
      const [target, other] = first.id === targetCaseId ? [first, second] : [second, first];
      const now = this.now();
      const moved = await this.store.moveContents(tx, other.id, target.id, now);
      await this.store.deleteIncidentRecord(tx, other.id);
      await this.store.addUnreadMessages(tx, target.id, other.unreadReporterMessages, now);
      await this.store.closeAsDuplicate(tx, other.id, target.id, now);
      audit({ action: 'case.link', objectType: 'case', objectId: target.id, details: { mergedCaseId: other.id, reports: moved } });
    });
  }

  /** A question or word to the reporter, who reads it in the follow-up thread with their receipt. */
  async askReporter(actor: StaffActor, reportId: string, body: string): Promise<void> {
    const input = parseInput(messageSchema, { body });
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const { report, case: row } = await this.access.openReport(tx, actor, reportId, 'work', audit);
      await this.followUp.addStaffMessage(report.id, input.body, actor.id, tx);
      audit({ action: 'message.send', objectType: 'report', objectId: report.id, details: { caseId: row.id } });
    });
  }

  /** The reporter's new messages on this case have been read. */
  async markMessagesRead(actor: StaffActor, caseId: string): Promise<void> {
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'work', audit);
      if (row.unreadReporterMessages === 0) return;
      await this.store.clearUnreadMessages(tx, row.id, this.now());
      audit({ action: 'messages.read', objectType: 'case', objectId: row.id, details: { count: row.unreadReporterMessages } });
    });
  }

  /**
   * Files a report for a caller on the phone or at the desk, once the caller's consent is
   * recorded. Returns the receipt to hand over: it is never stored, so it cannot be shown again.
   */
  async fileOnBehalf(
    actor: StaffActor,
    input: ReportInput,
    filing: { consentRecorded: boolean; channel: FilingChannel },
  ): Promise<Submitted> {
    requirePermission(actor, 'workCases', 'You may not do this.');
    const issues = filingIssues(filing);
    if (issues.length > 0) {
      throw new HifazatError('validation_failed', "The channel and the caller's consent to filing must be recorded.", { issues });
    }
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const { reportId, ...submitted } = await this.reports.fileInTransaction(tx, input, actor.id, filing.channel);
      audit({ action: 'report.file', objectType: 'report', objectId: reportId, details: { channel: filing.channel } });
      return submitted;
    });
  }
}
