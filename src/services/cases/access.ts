import { caseReachOf, mayTakeCaseWork, requirePermission, type StaffActor } from '../../domain/actor.ts';
import type { CaseState } from '../../domain/case.ts';
import { HifazatError } from '../../domain/errors.ts';
import type { Permission } from '../../domain/staff.ts';
import { isUuid } from '../../domain/uuid.ts';
import type { CaseRow, CaseStore, ReportRow } from '../../store/cases.ts';
import type { Tx } from '../../store/database.ts';
import type { Audit, AuditLog } from '../audit.ts';

/** Reading a case, or working on it (which changes it). */
export type Access = 'read' | 'work';
const permissionFor: Record<Access, Permission> = { read: 'readCases', work: 'workCases' };

export const forbidden = (message = 'You may not do this.') => new HifazatError('forbidden', message);
export const notFound = (what: string) => new HifazatError('not_found', `No such ${what}.`);
export const invalidState = (message: string) => new HifazatError('invalid_state', message);

/**
 * How every case use case reaches its object: in one audited transaction (AuditLog.transaction),
 * the actor's role checked, and the case within the actor's reach (domain/actor.ts, CaseReach).
 */
export class CaseAccess {
  constructor(
    private readonly store: Pick<CaseStore, 'find' | 'report' | 'setAssignee' | 'setState' | 'staffStanding'>,
    readonly audit: Pick<AuditLog, 'transaction'>,
    private readonly now: () => Date,
  ) {}

  /**
   * Loads a case the actor may read or work on. Work locks the row (concurrent changes to one
   * case queue up), refuses a closed case, and has an analyst take an unassigned new case.
   */
  async openCase(tx: Tx, actor: StaffActor, caseId: string, access: Access, audit: Audit): Promise<CaseRow> {
    requirePermission(actor, permissionFor[access], 'You may not do this.');
    if (!isUuid(caseId)) throw notFound('case');
    const reach = caseReachOf(actor);
    const found = await this.store.find(tx, caseId, reach, { lock: access === 'work' });
    if (!found) throw notFound('case');
    const { row } = found;
    if (!found.reached) throw forbidden('This case is not assigned to you.');
    if (access === 'read') return row;
    if (row.state === 'closed') throw invalidState('This case is closed.');
    // Reached only as an unassigned new case: working on it takes it.
    if (!reach.every && row.assignedTo === null) {
      await this.store.setAssignee(tx, row.id, actor.id, this.now());
      audit({ action: 'case.assign', objectType: 'case', objectId: row.id, details: { staffId: actor.id, taken: true } });
      return { ...row, assignedTo: actor.id };
    }
    return row;
  }

  /** Loads a report and opens its case as openCase does. */
  async openReport(
    tx: Tx,
    actor: StaffActor,
    reportId: string,
    access: Access,
    audit: Audit,
  ): Promise<{ report: ReportRow; case: CaseRow }> {
    requirePermission(actor, permissionFor[access], 'You may not do this.');
    if (!isUuid(reportId)) throw notFound('report');
    const report = await this.store.report(tx, reportId);
    if (!report) throw notFound('report');
    return { report, case: await this.openCase(tx, actor, report.caseId, access, audit) };
  }

  /** Moves an open case to `state`, audited; callers check the move is allowed. */
  async moveTo(tx: Tx, row: CaseRow, state: CaseState, audit: Audit): Promise<void> {
    await this.store.setState(tx, row.id, state, this.now());
    audit({ action: 'case.state', objectType: 'case', objectId: row.id, details: { from: row.state, to: state } });
  }

  /** Refuses (as a problem with `field`) giving case work to anyone who may not take it (domain/actor.ts, mayTakeCaseWork). */
  async requireCaseWorker(tx: Tx, staffId: string, field: string): Promise<void> {
    const standing = isUuid(staffId) ? await this.store.staffStanding(tx, staffId) : undefined;
    if (!standing || !mayTakeCaseWork(standing)) {
      throw new HifazatError('validation_failed', 'Only active analysts and supervisors take case work.', {
        issues: [{ field, problem: 'invalid_choice' }],
      });
    }
  }
}
