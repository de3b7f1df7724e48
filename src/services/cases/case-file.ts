import { requirePermission, type StaffActor } from '../../domain/actor.ts';
import {
  noteSchema,
  referralSchema,
  referralUpdateSchema,
  taskSchema,
  type ReferralInput,
  type ReferralUpdate,
  type TaskInput,
} from '../../domain/case-work.ts';
import type { FirStatus } from '../../domain/classification.ts';
import { caseContexts } from '../../domain/encryption-contexts.ts';
import { HifazatError, parseInput } from '../../domain/errors.ts';
import { pakistanTimeZone, pakistanToday } from '../../domain/pakistan-time.ts';
import { defaultFollowUpOn } from '../../domain/referral-follow-up.ts';
import type { Agency, CaseFileStore, CaseReport, ReferralChanges } from '../../store/case-file.ts';
import type { CaseStore } from '../../store/cases.ts';
import type { Tx } from '../../store/database.ts';
import type { Keyring } from '../keys.ts';
import { invalidState, notFound, type CaseAccess } from './access.ts';
import { summary, type CaseSummary } from './summary.ts';

export type { Agency };

export interface TaskView {
  id: number;
  title: string;
  dueOn: string;
  assignedTo: string | null;
  createdBy: string;
  doneAt: Date | null;
  overdue: boolean;
}

export interface ReferralView {
  id: number;
  agencyId: string;
  agency: string;
  /** The agency's Urdu name; null: none given (the Urdu console shows `agency`). */
  agencyUr: string | null;
  referredAt: Date;
  method: string;
  agencyReference: string | null;
  firStatus: FirStatus;
  followUpOn: string | null;
  followUpOverdue: boolean;
  notes: string | null;
  createdBy: string;
}

export interface CaseView extends CaseSummary {
  reports: CaseReport[];
  notes: { id: number; authorId: string; body: string; createdAt: Date }[];
  tasks: TaskView[];
  referrals: ReferralView[];
}

/** A case's file: its notes (encrypted), tasks with due dates, and referrals to agencies. */
export class CaseFile {
  constructor(
    private readonly access: CaseAccess,
    private readonly store: Pick<
      CaseFileStore,
      | 'reports'
      | 'notes'
      | 'tasks'
      | 'referrals'
      | 'nextId'
      | 'insertNote'
      | 'insertTask'
      | 'task'
      | 'completeTask'
      | 'activeAgencies'
      | 'activeAgency'
      | 'countReferrals'
      | 'insertReferral'
      | 'referral'
      | 'updateReferral'
    >,
    private readonly cases: Pick<CaseStore, 'setIncidentPoliceStatus'>,
    private readonly keyring: Keyring,
    private readonly now: () => Date,
  ) {}

  /** A case with its reports, notes (decrypted), tasks and referrals. Audited as it shows notes. */
  async viewCase(actor: StaffActor, caseId: string): Promise<CaseView> {
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'read', audit);
      const reports = await this.store.reports(tx, row.id);
      const notes = await this.store.notes(tx, row.id);
      const tasks = await this.store.tasks(tx, row.id);
      const referrals = await this.store.referrals(tx, row.id);
      const today = pakistanToday(this.now());
      audit({ action: 'case.view', objectType: 'case', objectId: row.id });
      return {
        ...summary(row),
        reports,
        notes: notes.map((n) => ({
          id: n.id,
          authorId: n.authorId,
          body: this.keyring.decrypt(n.body, caseContexts.note(n.id)),
          createdAt: n.createdAt,
        })),
        tasks: tasks.map((t) => ({
          id: t.id,
          title: t.title,
          dueOn: t.dueOn,
          assignedTo: t.assignedTo,
          createdBy: t.createdBy,
          doneAt: t.doneAt,
          overdue: t.doneAt === null && t.dueOn < today,
        })),
        referrals: referrals.map(({ referral: r, agency, agencyUr }) => ({
          id: r.id,
          agencyId: r.agencyId,
          agency,
          agencyUr,
          referredAt: r.referredAt,
          method: r.method,
          agencyReference: r.agencyReference,
          firStatus: r.firStatus,
          followUpOn: r.followUpOn,
          followUpOverdue: r.followUpOn !== null && r.followUpOn < today,
          notes: r.notes ? this.keyring.decrypt(r.notes, caseContexts.referralNotes(r.id)) : null,
          createdBy: r.createdBy,
        })),
      };
    });
  }

  /** Adds an encrypted note to a case; returns its id. */
  async addNote(actor: StaffActor, caseId: string, body: string): Promise<number> {
    const input = parseInput(noteSchema, { body });
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'work', audit);
      const id = await this.store.nextId(tx, 'case_notes');
      await this.store.insertNote(tx, {
        id,
        caseId: row.id,
        authorId: actor.id,
        body: this.keyring.encrypt(input.body, caseContexts.note(id)),
        createdAt: this.now(),
      });
      audit({ action: 'note.add', objectType: 'case', objectId: row.id, details: { noteId: id } });
      return id;
    });
  }

  /** Adds a task with a due date (Pakistan calendar); returns its id. */
  async addTask(actor: StaffActor, caseId: string, task: TaskInput): Promise<number> {
    const input = parseInput(taskSchema, task);
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'work', audit);
      if (input.assignedTo !== null) await this.access.requireCaseWorker(tx, input.assignedTo, 'assignedTo');
      const id = await this.store.insertTask(tx, {
        caseId: row.id,
        title: input.title,
        dueOn: input.dueOn,
        assignedTo: input.assignedTo,
        createdBy: actor.id,
      });
      audit({ action: 'task.add', objectType: 'case', objectId: row.id, details: { taskId: id, dueOn: input.dueOn } });
      return id;
    });
  }

  async completeTask(actor: StaffActor, taskId: number): Promise<void> {
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const task = Number.isSafeInteger(taskId) ? await this.store.task(tx, taskId) : undefined;
      if (!task) throw notFound('task');
      const row = await this.access.openCase(tx, actor, task.caseId, 'work', audit);
      if (task.doneAt) throw invalidState('This task is already done.');
      await this.store.completeTask(tx, task.id, this.now());
      audit({ action: 'task.complete', objectType: 'case', objectId: row.id, details: { taskId: task.id } });
    });
  }

  /** Agencies a case can be referred to (active ones), for staff who see cases. */
  async listAgencies(actor: StaffActor): Promise<Agency[]> {
    requirePermission(actor, 'readCases', 'You may not do this.');
    return this.store.activeAgencies();
  }

  /**
   * Records a referral to an agency (notes encrypted); returns its id. Without a follow-up date
   * (undefined; null is none) it is followed up after the agency's usual days (domain/referral-follow-up.ts).
   * The first referral moves the case to 'referred' from any open state, and a registered or refused FIR
   * is recorded on the incident record for statistics.
   */
  async addReferral(actor: StaffActor, caseId: string, referral: ReferralInput): Promise<number> {
    const input = parseInput(referralSchema, referral);
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'work', audit);
      const agency = await this.store.activeAgency(tx, input.agencyId);
      if (!agency) {
        throw new HifazatError('validation_failed', 'Unknown agency.', { issues: [{ field: 'agencyId', problem: 'invalid_choice' }] });
      }
      const agencyId = agency.id;
      const followUpOn = input.followUpOn === undefined ? defaultFollowUpOn(agency, this.now()) : input.followUpOn;
      const earlier = await this.store.countReferrals(tx, row.id);
      const id = await this.store.nextId(tx, 'referrals');
      await this.store.insertReferral(tx, {
        id,
        caseId: row.id,
        agencyId,
        referredAt: input.referredAt,
        method: input.method,
        agencyReference: input.agencyReference ?? null,
        firStatus: input.firStatus,
        followUpOn,
        notes: input.notes === undefined ? null : this.keyring.encrypt(input.notes, caseContexts.referralNotes(id)),
        createdBy: actor.id,
      });
      await this.#recordPoliceStatus(tx, row.id, input.firStatus);
      audit({
        action: 'referral.add',
        objectType: 'case',
        objectId: row.id,
        details: { referralId: id, agencyId, method: input.method, firStatus: input.firStatus, followUpOn },
      });
      if (earlier === 0 && row.state !== 'referred') await this.access.moveTo(tx, row, 'referred', audit);
      return id;
    });
  }

  /**
   * Follows a referral up: FIR status, the next follow-up date (null: none), the agency's reference, and
   * `notes`, which are added to the referral's notes under the date and the author, never put in their
   * place: case workers read the history of a referral there. Only what differs from the referral as
   * it stands is changed and audited (a form sends every field); the audit entry names the fields,
   * the FIR status and the follow-up date, never the notes' text.
   */
  async updateReferral(actor: StaffActor, referralId: number, update: ReferralUpdate): Promise<void> {
    const input = parseInput(referralUpdateSchema, update);
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const referral = Number.isSafeInteger(referralId) ? await this.store.referral(tx, referralId) : undefined;
      if (!referral) throw notFound('referral');
      const row = await this.access.openCase(tx, actor, referral.caseId, 'work', audit);
      const changes: ReferralChanges = {};
      if (input.firStatus !== undefined && input.firStatus !== referral.firStatus) changes.firStatus = input.firStatus;
      if (input.followUpOn !== undefined && input.followUpOn !== referral.followUpOn) changes.followUpOn = input.followUpOn;
      const agencyReference = input.agencyReference ?? null;
      if (input.agencyReference !== undefined && agencyReference !== referral.agencyReference) changes.agencyReference = agencyReference;
      if (input.notes !== undefined) {
        const earlier = referral.notes ? this.keyring.decrypt(referral.notes, caseContexts.referralNotes(referral.id)) : null;
        // The context written out here: test/integration/key-rotation.test.ts reads every encrypt call's context.
        changes.notes = this.keyring.encrypt(
          withLaterNote(earlier, input.notes, actor, this.now()),
          caseContexts.referralNotes(referral.id),
        );
      }
      const changed = Object.keys(changes);
      if (changed.length === 0) return;
      await this.store.updateReferral(tx, referral.id, changes);
      if (changes.firStatus) await this.#recordPoliceStatus(tx, row.id, changes.firStatus);
      audit({
        action: 'referral.update',
        objectType: 'case',
        objectId: row.id,
        details: {
          referralId: referral.id,
          changed,
          ...(changes.firStatus ? { firStatus: changes.firStatus } : {}),
          ...('followUpOn' in changes ? { followUpOn: { from: referral.followUpOn, to: changes.followUpOn } } : {}),
        },
      });
    });
  }

  /** The incident record counts police registration as Sahil does: registered, or refused. */
  async #recordPoliceStatus(tx: Tx, caseId: string, firStatus: FirStatus): Promise<void> {
    if (firStatus !== 'registered' && firStatus !== 'refused') return;
    await this.cases.setIncidentPoliceStatus(tx, caseId, firStatus, this.now());
  }
}

/** YYYY-MM-DD HH:MM in Pakistan, the same in every language the notes are read in. */
const noteTime = new Intl.DateTimeFormat('sv-SE', { timeZone: pakistanTimeZone, dateStyle: 'short', timeStyle: 'short' });

/**
 * A referral's notes with a later note added: a line naming when (Pakistan time) and who, then the
 * note, after a blank line. Stored in the one encrypted value, so key rotation and the purge see it.
 */
function withLaterNote(earlier: string | null, note: string, author: StaffActor, at: Date): string {
  const entry = `${noteTime.format(at)} · ${author.email}\n${note}`;
  return earlier ? `${earlier}\n\n${entry}` : entry;
}
