import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  auditIdentity,
  caseReachOf,
  commandLine,
  may,
  mayAssign,
  maySeeContact,
  mayTakeCaseWork,
  requirePermission,
  system,
  type StaffActor,
} from './actor.ts';
import { HifazatError } from './errors.ts';
import { staffRoles, staffStatuses, type StaffRole } from './staff.ts';

const staff = (role: StaffRole, id = `${role}-1`): StaffActor => ({ id, email: `${id}@hifazat.test`, role });
const apiKey = { kind: 'api_key', id: 'k-1', name: 'A platform' } as const;

test('the audit log names each kind of actor', () => {
  assert.deepEqual(auditIdentity(staff('analyst')), { actorId: 'analyst-1', actor: 'analyst-1@hifazat.test' });
  assert.deepEqual(auditIdentity(commandLine), { actorId: null, actor: 'cli' });
  assert.deepEqual(auditIdentity(system), { actorId: null, actor: 'system' });
  assert.deepEqual(auditIdentity(apiKey), { actorId: 'k-1', actor: 'api key "A platform"' });
});

test('staff may what their role permits; the command line and the system what they run; an API key no staff permission', () => {
  assert.equal(may(staff('supervisor'), 'publishStatistics'), true);
  assert.equal(may(staff('analyst'), 'publishStatistics'), false);
  assert.equal(may(staff('administrator'), 'readCases'), false);
  assert.equal(may(commandLine, 'publishStatistics'), true);
  assert.equal(may(system, 'administer'), true);
  assert.equal(may(apiKey, 'readCases'), false);
  assert.throws(
    () => requirePermission(staff('auditor'), 'workCases'),
    (error) => error instanceof HifazatError && error.code === 'forbidden',
  );
});

test('analysts reach their own cases and unassigned new ones; the other roles every case', () => {
  assert.deepEqual(caseReachOf(staff('analyst')), { every: false, assignedTo: 'analyst-1', orUnassignedIn: 'new' });
  for (const role of ['supervisor', 'auditor', 'administrator'] as const) assert.deepEqual(caseReachOf(staff(role)), { every: true });
});

test('only active analysts and supervisors take case work', () => {
  const takers = staffRoles.flatMap((role) =>
    staffStatuses.filter((status) => mayTakeCaseWork({ role, status })).map((s) => `${role}/${s}`),
  );
  assert.deepEqual(takers, ['supervisor/active', 'analyst/active']);
});

test('contact details: a supervisor, or the analyst the case is assigned to', () => {
  assert.equal(maySeeContact(staff('supervisor'), { assignedTo: null }), true);
  assert.equal(maySeeContact(staff('analyst'), { assignedTo: 'analyst-1' }), true);
  assert.equal(maySeeContact(staff('analyst'), { assignedTo: null }), false);
  assert.equal(maySeeContact(staff('analyst'), { assignedTo: 'analyst-2' }), false);
  assert.equal(maySeeContact(staff('auditor'), { assignedTo: 'auditor-1' }), false);
});

test('supervisors assign anyone; an analyst only takes a case for themselves; others assign nothing', () => {
  assert.equal(mayAssign(staff('supervisor'), 'analyst-2'), true);
  assert.equal(mayAssign(staff('supervisor'), null), true);
  assert.equal(mayAssign(staff('analyst'), 'analyst-1'), true);
  assert.equal(mayAssign(staff('analyst'), 'analyst-2'), false);
  assert.equal(mayAssign(staff('analyst'), null), false);
  assert.equal(mayAssign(staff('auditor'), 'auditor-1'), false);
  assert.equal(mayAssign(staff('administrator'), 'administrator-1'), false);
});
