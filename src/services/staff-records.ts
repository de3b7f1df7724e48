import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../domain/actor.ts';
import { HifazatError } from '../domain/errors.ts';
import type { Language } from '../domain/report.ts';
import { sessionIdleMinutes, type StaffRole, type StaffStatus } from '../domain/staff.ts';
import { isUuid } from '../domain/uuid.ts';
import type { StaffAccountStore, StaffRow } from '../store/staff-accounts.ts';
import type { AuditLog } from './audit.ts';

/**
 * What the two staff services share (StaffAccounts: enrolment, sign-in and one's own account;
 * StaffAdministration: administrators' changes to others): an account and a session as they
 * read them from the store's rows, and listing and ending sessions.
 */

export interface StaffMember {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  language: Language;
}

export interface Session {
  staff: StaffMember;
  /** The hash under which the session is stored, to end just this one. */
  idHash: Buffer;
  /** When this session last gave the password and a second factor again (null: not since sign-in). */
  reauthenticatedAt: Date | null;
}

/**
 * A session as its owner and administrators see it: when it began, was last used and will end
 * (whichever of the idle and absolute limits comes first). Nothing else is stored about it: no
 * address, no browser. `handle` names it in a form: the hex of its stored SHA-256, from which the
 * cookie cannot be worked out.
 */
export interface SessionInfo {
  handle: string;
  createdAt: Date;
  lastSeenAt: Date;
  endsAt: Date;
  current: boolean;
}

/** An account as the staff pages and the command line list it. */
export type StaffAccount = StaffMember & { status: StaffStatus; enrolled: boolean };

export const sha256 = (value: string) => createHash('sha256').update(value).digest();
/** A 128-bit or longer random token, URL- and cookie-safe. */
export const token = (bytes: number) => randomBytes(bytes).toString('base64url');

/** An account's sessions still running, as the pages and the command line list them; `current` marks the caller's own. */
export async function listSessions(
  store: Pick<StaffAccountStore, 'sessionsOf'>,
  staffId: string,
  current: Buffer | undefined,
  now: Date,
): Promise<SessionInfo[]> {
  const idle = sessionIdleMinutes * 60_000;
  const rows = await store.sessionsOf(staffId, now, new Date(now.getTime() - idle));
  return rows.map((row) => ({
    handle: row.idHash.toString('hex'),
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    endsAt: new Date(Math.min(row.expiresAt.getTime(), row.lastSeenAt.getTime() + idle)),
    current: current !== undefined && row.idHash.equals(current),
  }));
}

/** Ends one session of an account by its handle, audited as `actor`; refused at its next request in every process. */
export async function endSession(
  store: Pick<StaffAccountStore, 'deleteSessionOf'>,
  audit: Pick<AuditLog, 'transaction'>,
  actor: Actor,
  staffId: string,
  handle: string,
): Promise<void> {
  if (!/^[0-9a-f]{64}$/.test(handle) || !isUuid(staffId)) throw new HifazatError('not_found', 'There is no such session.');
  await audit.transaction(actor, async (tx, audit) => {
    if (!(await store.deleteSessionOf(tx, staffId, Buffer.from(handle, 'hex')))) {
      throw new HifazatError('not_found', 'There is no such session.');
    }
    audit({ action: 'session.revoke', objectType: 'staff', objectId: staffId, details: { staffId } });
  });
}

export function toAccountState(user: StaffRow) {
  return { id: user.id, email: user.email, role: user.role, status: user.status, enrolled: user.passwordHash !== null };
}

export function toAccount(user: StaffRow): StaffAccount {
  return { ...toStaff(user), status: user.status, enrolled: user.passwordHash !== null };
}

export function toStaff(user: StaffRow): StaffMember {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    language: user.language,
  };
}
