import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandLine } from './actor.ts';
import { checkDisable, checkEnable, type AccountState } from './staff-lifecycle.ts';

const admin: AccountState = { id: 'a1', email: 'a1@example.org', role: 'administrator', status: 'active' };
const otherAdmin: AccountState = { ...admin, id: 'a2', email: 'a2@example.org' };
const analyst: AccountState = { id: 's1', email: 's1@example.org', role: 'analyst', status: 'active' };

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
