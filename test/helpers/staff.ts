import { randomBytes, randomUUID } from 'node:crypto';
import type { StaffRole } from '../../src/domain/staff.ts';
import type { StaffMember } from '../../src/services/staff.ts';
import type { Database } from '../../src/store/database.ts';
import { staffUsers } from '../../src/store/schema.ts';

/**
 * An active staff account inserted directly (no invitation, password or second factor), for
 * tests of what staff may do once signed in.
 */
export async function createStaff(
  database: Database,
  role: StaffRole,
  options: { displayName?: string; status?: 'active' | 'invited' | 'disabled' } = {},
): Promise<StaffMember> {
  const member: StaffMember = {
    id: randomUUID(),
    email: `${role}-${randomBytes(4).toString('hex')}@hifazat.test`,
    displayName: options.displayName ?? `Test ${role}`,
    role,
    language: 'en',
  };
  await database.db.insert(staffUsers).values({ ...member, status: options.status ?? 'active' });
  return member;
}

export interface StaffTeam {
  administrator: StaffMember;
  supervisor: StaffMember;
  /** A second supervisor, to approve what the first asked for (four eyes). */
  otherSupervisor: StaffMember;
  analyst: StaffMember;
  otherAnalyst: StaffMember;
  auditor: StaffMember;
}

/** One active account of each role, and a second supervisor and analyst. */
export async function createStaffTeam(database: Database): Promise<StaffTeam> {
  return {
    administrator: await createStaff(database, 'administrator'),
    supervisor: await createStaff(database, 'supervisor'),
    otherSupervisor: await createStaff(database, 'supervisor'),
    analyst: await createStaff(database, 'analyst'),
    otherAnalyst: await createStaff(database, 'analyst'),
    auditor: await createStaff(database, 'auditor'),
  };
}
