import { isStaff, type Actor } from './actor.ts';
import { HifazatError } from './errors.ts';
import type { StaffRole, StaffStatus } from './staff.ts';

/** What the rules below read of the account acted on. */
export interface AccountState {
  readonly id: string;
  readonly email: string;
  readonly role: StaffRole;
  readonly status: StaffStatus;
}

/**
 * Throws `invalid_state` unless `account` may be disabled by `actor` now: it is active, it is not
 * the actor's own (nobody locks themselves out), and it is not the last active administrator
 * (`activeAdministratorIds`, read under lock by the caller), so someone can always manage staff.
 */
export function checkDisable(actor: Actor, account: AccountState, activeAdministratorIds: readonly string[]): void {
  if (account.status === 'disabled') throw new HifazatError('invalid_state', `${account.email} is already disabled.`);
  if (account.status === 'invited') {
    throw new HifazatError('invalid_state', `${account.email} has not enrolled yet: there is no access to end.`);
  }
  if (isStaff(actor) && actor.id === account.id) throw new HifazatError('invalid_state', 'You cannot disable your own account.');
  if (account.role === 'administrator' && activeAdministratorIds.every((id) => id === account.id)) {
    throw new HifazatError(
      'invalid_state',
      `${account.email} is the last active administrator: enable or invite another administrator first.`,
    );
  }
}

/** Throws `invalid_state` unless `account` is disabled: an account that never enrolled needs a new invitation instead. */
export function checkEnable(account: AccountState): void {
  if (account.status === 'active') throw new HifazatError('invalid_state', `${account.email} is already active.`);
  if (account.status === 'invited') {
    throw new HifazatError('invalid_state', `${account.email} never enrolled: send a new invitation instead.`);
  }
}
