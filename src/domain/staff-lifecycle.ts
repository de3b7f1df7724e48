import { isStaff, type Actor } from './actor.ts';
import { HifazatError } from './errors.ts';
import { staffRoles, type StaffRole, type StaffStatus } from './staff.ts';

/** What the rules below read of the account acted on. */
export interface AccountState {
  readonly id: string;
  readonly email: string;
  readonly role: StaffRole;
  readonly status: StaffStatus;
  /** Whether it has a password: it enrolled and was not reset or cancelled since. */
  readonly enrolled: boolean;
}

/**
 * The refusal of a change to an account: the sentence for the command line and the logs, and a
 * stable problem key (on the field 'account') that the console shows in the page's language.
 */
export const accountProblems = [
  'already_disabled',
  'already_active',
  'not_enrolled_yet',
  'never_enrolled',
  'no_password',
  'own_account',
  'last_administrator',
  'same_role',
  'no_invitation',
] as const;
export type AccountProblem = (typeof accountProblems)[number];
const refuse = (problem: AccountProblem, message: string) =>
  new HifazatError('invalid_state', message, { issues: [{ field: 'account', problem }] });

const ownAccount = (actor: Actor, account: AccountState) => isStaff(actor) && actor.id === account.id;

/** Whether taking `account` out of the active administrators leaves none (`activeAdministratorIds`, read under lock). */
const lastAdministrator = (account: AccountState, activeAdministratorIds: readonly string[]) =>
  account.role === 'administrator' && account.status === 'active' && activeAdministratorIds.every((id) => id === account.id);

/**
 * Throws `invalid_state` unless `account` may be disabled by `actor` now: it is active, it is not
 * the actor's own (nobody locks themselves out), and it is not the last active administrator
 * (`activeAdministratorIds`, read under lock by the caller), so someone can always manage staff.
 */
export function checkDisable(actor: Actor, account: AccountState, activeAdministratorIds: readonly string[]): void {
  if (account.status === 'disabled') throw refuse('already_disabled', `${account.email} is already disabled.`);
  if (account.status === 'invited') {
    throw refuse('not_enrolled_yet', `${account.email} has not enrolled yet: there is no access to end.`);
  }
  if (ownAccount(actor, account)) throw refuse('own_account', 'You cannot disable your own account.');
  if (lastAdministrator(account, activeAdministratorIds)) {
    throw refuse('last_administrator', `${account.email} is the last active administrator: enable or invite another administrator first.`);
  }
}

/**
 * Throws `invalid_state` unless `account` is disabled and has a password: an account that never
 * enrolled (or whose invitation was cancelled) needs a new enrolment link instead.
 */
export function checkEnable(account: AccountState): void {
  if (account.status === 'active') throw refuse('already_active', `${account.email} is already active.`);
  if (account.status === 'invited') {
    throw refuse('never_enrolled', `${account.email} never enrolled: send a new invitation instead.`);
  }
  if (!account.enrolled) {
    throw refuse('no_password', `${account.email} has no password: reset it to give them a new enrolment link.`);
  }
}

/**
 * Throws unless `actor` may give `account` the role `role`: a known role (`validation_failed`), a
 * change, not their own role (an administrator cannot demote themselves by mistake), and never
 * the last active administrator's demotion.
 */
export function checkRoleChange(actor: Actor, account: AccountState, role: string, activeAdministratorIds: readonly string[]): void {
  if (!(staffRoles as readonly string[]).includes(role)) {
    throw new HifazatError('validation_failed', 'Unknown role.', { issues: [{ field: 'role', problem: 'invalid_choice' }] });
  }
  if (account.role === role) throw refuse('same_role', `${account.email} already has this role.`);
  if (ownAccount(actor, account)) throw refuse('own_account', 'You cannot change your own role.');
  if (lastAdministrator(account, activeAdministratorIds)) {
    throw refuse('last_administrator', `${account.email} is the last active administrator: make another administrator first.`);
  }
}

/**
 * Throws `invalid_state` unless `actor` may reset `account`'s password and second factor: never
 * their own (they change their password themselves). The command line may reset anyone, the last
 * administrator included: that is how an administrator locked out of the console gets back in.
 */
export function checkReset(actor: Actor, account: AccountState): void {
  if (ownAccount(actor, account)) {
    throw refuse('own_account', 'You cannot reset your own account here: change your password on your account page.');
  }
}

/** Throws `invalid_state` unless `account` is an invitation not yet taken up. */
export function checkCancel(account: AccountState): void {
  if (account.status !== 'invited') {
    throw refuse('no_invitation', `${account.email} is not waiting to enrol: there is no invitation to cancel.`);
  }
}
