import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandLine } from './actor.ts';
import { checkCancel, checkDisable, checkEnable, checkReset, checkRoleChange, type AccountState } from './staff-lifecycle.ts';

const admin: AccountState = { id: 'a1', email: 'a1@example.org', role: 'administrator', status: 'active', enrolled: true };
const otherAdmin: AccountState = { ...admin, id: 'a2', email: 'a2@example.org' };
const analyst: AccountState = { id: 's1', email: 's1@example.org', role: 'analyst', status: 'active', enrolled: true };

test('an administrator disables an active account, another administrator while one stays, never themselves', () => {
  assert.doesNotThrow(() => checkDisable(admin, analyst, ['a1']));
  assert.doesNotThrow(() => checkDisable(admin, otherAdmin, ['a1', 'a2']));
  assert.throws(() => checkDisable(admin, admin, ['a1', 'a2']), { code: 'invalid_state', message: /your own account/ });
});

test('the last active administrator cannot be disabled, not even from the command line', () => {
  assert.throws(() => checkDisable(commandLine, admin, ['a1']), { code: 'invalid_state', message: /last active administrator/ });
  assert.doesNotThrow(() => checkDisable(commandLine, admin, ['a1', 'a2']));
});

test('only an active account is disabled, only a disabled one enabled', () => {
  assert.throws(() => checkDisable(commandLine, { ...analyst, status: 'disabled' }, ['a1']), { code: 'invalid_state', message: /already/ });
  assert.throws(() => checkDisable(commandLine, { ...analyst, status: 'invited' }, ['a1']), {
    code: 'invalid_state',
    message: /not enrolled/,
  });
  assert.doesNotThrow(() => checkEnable({ ...analyst, status: 'disabled' }));
  assert.throws(() => checkEnable(analyst), { code: 'invalid_state', message: /already active/ });
  assert.throws(() => checkEnable({ ...analyst, status: 'invited' }), { code: 'invalid_state', message: /new invitation/ });
});

test('a disabled account without a password (a cancelled invitation) is not enabled: it needs a new enrolment link', () => {
  assert.throws(() => checkEnable({ ...analyst, status: 'disabled', enrolled: false }), { code: 'invalid_state', message: /reset it/ });
});

test('roles change for others only, to a known role, never demoting the last active administrator', () => {
  assert.doesNotThrow(() => checkRoleChange(admin, analyst, 'supervisor', ['a1']));
  assert.throws(() => checkRoleChange(admin, analyst, 'owner', ['a1']), { code: 'validation_failed' });
  assert.throws(() => checkRoleChange(admin, analyst, 'analyst', ['a1']), { code: 'invalid_state', message: /already/ });
  assert.throws(() => checkRoleChange(admin, admin, 'analyst', ['a1', 'a2']), { code: 'invalid_state', message: /your own role/ });
  assert.throws(() => checkRoleChange(commandLine, admin, 'analyst', ['a1']), { code: 'invalid_state', message: /last active/ });
  assert.doesNotThrow(() => checkRoleChange(admin, otherAdmin, 'auditor', ['a1', 'a2']));
  // A disabled administrator is not one of the active ones: demoting it leaves them as they were.
  assert.doesNotThrow(() => checkRoleChange(commandLine, { ...otherAdmin, status: 'disabled' }, 'analyst', ['a1']));
});

test('resets are for others (the command line may reset the last administrator); only invitations are cancelled', () => {
  assert.doesNotThrow(() => checkReset(admin, otherAdmin));
  assert.doesNotThrow(() => checkReset(commandLine, admin));
  assert.throws(() => checkReset(admin, admin), { code: 'invalid_state', message: /your own/ });
  assert.doesNotThrow(() => checkCancel({ ...analyst, status: 'invited', enrolled: false }));
  assert.throws(() => checkCancel(analyst), { code: 'invalid_state', message: /no invitation/ });
});
