import { requirePermission, type Actor } from '../domain/actor.ts';
import { HifazatError } from '../domain/errors.ts';
import { checkCancel, checkDisable, checkEnable, checkReset, checkRoleChange } from '../domain/staff-lifecycle.ts';
import { enrolmentHours, type StaffRole } from '../domain/staff.ts';
import { isUuid } from '../domain/uuid.ts';
import type { StaffAccountStore, StaffRow } from '../store/staff-accounts.ts';
import type { AuditLog } from './audit.ts';
import {
  endSession,
  listSessions,
  sha256,
  toAccount,
  toAccountState,
  toStaff,
  token,
  type SessionInfo,
  type StaffAccount,
  type StaffMember,
} from './staff-records.ts';

/**
 * What administrators (and the command line) do to other staff accounts: disable and enable,
 * change the role, reset the password and second factor, cancel an invitation, see and end the
 * sessions. Every change is audited; the rules are domain/staff-lifecycle.ts's.
 */
export class StaffAdministration {
  constructor(
    private readonly store: Pick<
      StaffAccountStore,
      | 'byEmail'
      | 'list'
      | 'lockActiveAdministrators'
      | 'lockAccount'
      | 'setStatus'
      | 'setRole'
      | 'resetToInvited'
      | 'cancelInvitation'
      | 'deleteSessionsOf'
      | 'sessionsOf'
      | 'deleteSessionOf'
    >,
    private readonly audit: Pick<AuditLog, 'transaction'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Disables an account and ends every session of it in the same transaction, so its next request
   * is refused (`session` refuses an account that is not active). Administrators (or the command
   * line) only; never oneself nor the last active administrator (domain/staff-lifecycle.ts).
   */
  async disable(actor: Actor, staffId: string): Promise<StaffMember> {
    return this.#changeStatus(actor, staffId, 'disabled');
  }

  /** Enables a disabled account again: its owner signs in with their password and second factor. */
  async enable(actor: Actor, staffId: string): Promise<StaffMember> {
    return this.#changeStatus(actor, staffId, 'active');
  }

  async #changeStatus(actor: Actor, staffId: string, status: 'active' | 'disabled'): Promise<StaffMember> {
    requirePermission(actor, 'administer');
    return this.audit.transaction(actor, async (tx, audit) => {
      // The administrators first, in the same order in every transaction, then the account.
      const administrators = status === 'disabled' ? await this.store.lockActiveAdministrators(tx) : [];
      const account = await this.#lockAccount(tx, staffId);
      if (status === 'disabled') checkDisable(actor, toAccountState(account), administrators);
      else checkEnable(toAccountState(account));
      await this.store.setStatus(tx, account.id, status, this.now());
      if (status === 'disabled') await this.store.deleteSessionsOf(tx, account.id);
      audit({
        action: status === 'disabled' ? 'staff.disable' : 'staff.enable',
        objectType: 'staff',
        objectId: account.id,
        details: { staffId: account.id, email: account.email },
      });
      return toStaff(account);
    });
  }

  /**
   * Gives another role, effective at the account's next request (each request reads the role).
   * Administrators (or the command line); never one's own role, never the last active
   * administrator's (domain/staff-lifecycle.ts).
   */
  async changeRole(actor: Actor, staffId: string, role: string): Promise<StaffAccount> {
    requirePermission(actor, 'administer');
    return this.audit.transaction(actor, async (tx, audit) => {
      const administrators = await this.store.lockActiveAdministrators(tx);
      const account = await this.#lockAccount(tx, staffId);
      checkRoleChange(actor, toAccountState(account), role, administrators);
      await this.store.setRole(tx, account.id, role as StaffRole, this.now());
      audit({
        action: 'staff.role',
        objectType: 'staff',
        objectId: account.id,
        details: { staffId: account.id, email: account.email, from: account.role, to: role },
      });
      return { ...toAccount(account), role: role as StaffRole };
    });
  }

  /**
   * Takes an account back to needing enrolment, in one transaction: every session of it ends, its
   * password, second factor and recovery codes stop working, and a new one-time enrolment link
   * (valid `enrolmentHours`) is returned, for the administrator to pass on. Never one's own; the
   * command line may reset anyone (an administrator locked out of the console).
   */
  async reset(actor: Actor, staffId: string): Promise<{ account: StaffAccount; enrolmentToken: string }> {
    requirePermission(actor, 'administer');
    const enrolmentToken = token(32);
    return this.audit.transaction(actor, async (tx, audit) => {
      const account = await this.#lockAccount(tx, staffId);
      checkReset(actor, toAccountState(account));
      const now = this.now();
      await this.store.resetToInvited(
        tx,
        account.id,
        { tokenHash: sha256(enrolmentToken), expiresAt: new Date(now.getTime() + enrolmentHours * 3_600_000) },
        now,
      );
      const sessionsEnded = await this.store.deleteSessionsOf(tx, account.id);
      audit({
        action: 'staff.reset',
        objectType: 'staff',
        objectId: account.id,
        details: { staffId: account.id, email: account.email, sessionsEnded },
      });
      return { account: { ...toAccount(account), status: 'invited', enrolled: false }, enrolmentToken };
    });
  }

  /** Cancels an invitation not yet taken up: its enrolment link stops working and the account is disabled. */
  async cancelInvitation(actor: Actor, staffId: string): Promise<StaffAccount> {
    requirePermission(actor, 'administer');
    return this.audit.transaction(actor, async (tx, audit) => {
      const account = await this.#lockAccount(tx, staffId);
      checkCancel(toAccountState(account));
      await this.store.cancelInvitation(tx, account.id, this.now());
      audit({ action: 'staff.cancel', objectType: 'staff', objectId: account.id, details: { staffId: account.id, email: account.email } });
      return { ...toAccount(account), status: 'disabled', enrolled: false };
    });
  }

  async #lockAccount(tx: Parameters<StaffAccountStore['lockAccount']>[0], staffId: string): Promise<StaffRow> {
    const account = isUuid(staffId) ? await this.store.lockAccount(tx, staffId) : undefined;
    if (!account) throw new HifazatError('not_found', 'There is no such staff account.');
    return account;
  }

  /** One account, for its page. Administrators (or the command line). */
  async account(actor: Actor, staffId: string): Promise<StaffAccount> {
    requirePermission(actor, 'administer');
    const account = (await this.store.list()).find((row) => row.id === staffId);
    if (!account) throw new HifazatError('not_found', 'There is no such staff account.');
    return toAccount(account);
  }

  /** The account with this email (any case), for the command line. */
  async accountByEmail(actor: Actor, email: string): Promise<StaffAccount> {
    requirePermission(actor, 'administer');
    const wanted = email.trim().toLowerCase();
    const account = await this.store.byEmail(wanted);
    if (!account) throw new HifazatError('not_found', `No staff account has the email ${wanted}.`);
    return toAccount(account);
  }

  /** An account's sessions still running. Administrators (or the command line). */
  async sessionsOf(actor: Actor, staffId: string): Promise<SessionInfo[]> {
    requirePermission(actor, 'administer');
    if (!isUuid(staffId)) throw new HifazatError('not_found', 'There is no such staff account.');
    return listSessions(this.store, staffId, undefined, this.now());
  }

  /**
   * Ends one session of an account (by its handle), refused at its next request in every process.
   * Administrators (or the command line), for any account.
   */
  async revokeSession(actor: Actor, staffId: string, handle: string): Promise<void> {
    requirePermission(actor, 'administer');
    await endSession(this.store, this.audit, actor, staffId, handle);
  }

  /** Ends every session of an account; returns how many ended. Administrators (or the command line). */
  async revokeSessions(actor: Actor, staffId: string): Promise<number> {
    requirePermission(actor, 'administer');
    return this.audit.transaction(actor, async (tx, audit) => {
      const account = await this.#lockAccount(tx, staffId);
      const ended = await this.store.deleteSessionsOf(tx, account.id);
      audit({
        action: 'sessions.revoke',
        objectType: 'staff',
        objectId: account.id,
        details: { staffId: account.id, email: account.email, sessionsEnded: ended },
      });
      return ended;
    });
  }
}
