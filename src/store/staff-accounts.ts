import { and, asc, eq, gt, isNull, lt, lte, ne, or } from 'drizzle-orm';
import type { StaffRole, StaffStatus } from '../domain/staff.ts';
import type { Db, Tx } from './database.ts';
import { staffRecoveryCodes, staffSessions, staffUsers } from './schema.ts';

export type StaffRow = typeof staffUsers.$inferSelect;
export type SessionRow = typeof staffSessions.$inferSelect;

/** Staff accounts (staff_users), their recovery codes and their sessions. */
export class StaffAccountStore {
  constructor(private readonly db: Db) {}

  /** Inserts an invited account; false when the email already has one. */
  async insertInvited(
    tx: Tx,
    account: { id: string; email: string; displayName: string; role: StaffRole; enrolmentTokenHash: Buffer; enrolmentExpiresAt: Date },
  ): Promise<boolean> {
    const inserted = await tx.insert(staffUsers).values(account).onConflictDoNothing().returning({ id: staffUsers.id });
    return inserted.length === 1;
  }

  /** The invited account whose enrolment token has this hash, unless its link expired by `now`. */
  async invitedByToken(tokenHash: Buffer, now: Date): Promise<StaffRow | undefined> {
    const [user] = await this.db
      .select()
      .from(staffUsers)
      .where(and(eq(staffUsers.enrolmentTokenHash, tokenHash), eq(staffUsers.status, 'invited'), gt(staffUsers.enrolmentExpiresAt, now)));
    return user;
  }

  async setTotpSecret(userId: string, secret: Buffer, now: Date): Promise<void> {
    await this.db.update(staffUsers).set({ totpSecret: secret, updatedAt: now }).where(eq(staffUsers.id, userId));
  }

  /** Makes an invited account active with its password, its first TOTP step and new recovery codes; the enrolment link stops working. */
  async activate(
    tx: Tx,
    userId: string,
    enrolled: { passwordHash: string; totpLastStep: number; recoveryCodeHashes: Buffer[] },
    now: Date,
  ): Promise<void> {
    await tx
      .update(staffUsers)
      .set({
        passwordHash: enrolled.passwordHash,
        status: 'active',
        totpLastStep: enrolled.totpLastStep,
        enrolmentTokenHash: null,
        enrolmentExpiresAt: null,
        updatedAt: now,
      })
      .where(eq(staffUsers.id, userId));
    await tx.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.userId, userId));
    await tx.insert(staffRecoveryCodes).values(enrolled.recoveryCodeHashes.map((codeHash) => ({ userId, codeHash })));
  }

  async byEmail(email: string): Promise<StaffRow | undefined> {
    const [user] = await this.db.select().from(staffUsers).where(eq(staffUsers.email, email));
    return user;
  }

  /** Records `timeStep` as the account's last TOTP step if it is later than the last: of two sign-ins racing with one code, one wins. */
  async claimTotpStep(userId: string, timeStep: number): Promise<boolean> {
    const claimed = await this.db
      .update(staffUsers)
      .set({ totpLastStep: timeStep })
      .where(and(eq(staffUsers.id, userId), lt(staffUsers.totpLastStep, timeStep)))
      .returning({ id: staffUsers.id });
    return claimed.length === 1;
  }

  /** Marks the account's unused recovery code with this hash used; false when there is none. */
  async useRecoveryCode(userId: string, codeHash: Buffer, now: Date): Promise<boolean> {
    const used = await this.db
      .update(staffRecoveryCodes)
      .set({ usedAt: now })
      .where(and(eq(staffRecoveryCodes.userId, userId), eq(staffRecoveryCodes.codeHash, codeHash), isNull(staffRecoveryCodes.usedAt)))
      .returning({ userId: staffRecoveryCodes.userId });
    return used.length === 1;
  }

  async list(): Promise<StaffRow[]> {
    return this.db.select().from(staffUsers).orderBy(staffUsers.email);
  }

  /**
   * The active administrators' ids, their rows locked until `tx` ends (in id order, so two
   * transactions cannot deadlock): of two administrators disabled at once, the second sees the first gone.
   */
  async lockActiveAdministrators(tx: Tx): Promise<string[]> {
    const rows = await tx
      .select({ id: staffUsers.id })
      .from(staffUsers)
      .where(and(eq(staffUsers.role, 'administrator'), eq(staffUsers.status, 'active')))
      .orderBy(staffUsers.id)
      .for('update');
    return rows.map((row) => row.id);
  }

  /** The account with this id, its row locked until `tx` ends. */
  async lockAccount(tx: Tx, userId: string): Promise<StaffRow | undefined> {
    const [user] = await tx.select().from(staffUsers).where(eq(staffUsers.id, userId)).for('update');
    return user;
  }

  async setStatus(tx: Tx, userId: string, status: StaffStatus, now: Date): Promise<void> {
    await tx.update(staffUsers).set({ status, updatedAt: now }).where(eq(staffUsers.id, userId));
  }

  async setRole(tx: Tx, userId: string, role: StaffRole, now: Date): Promise<void> {
    await tx.update(staffUsers).set({ role, updatedAt: now }).where(eq(staffUsers.id, userId));
  }

  /**
   * Takes the account back to needing enrolment with a new link: its password, second factor and
   * recovery codes are removed, so none of them works any more.
   */
  async resetToInvited(tx: Tx, userId: string, enrolment: { tokenHash: Buffer; expiresAt: Date }, now: Date): Promise<void> {
    await tx
      .update(staffUsers)
      .set({
        status: 'invited',
        passwordHash: null,
        totpSecret: null,
        enrolmentTokenHash: enrolment.tokenHash,
        enrolmentExpiresAt: enrolment.expiresAt,
        updatedAt: now,
      })
      .where(eq(staffUsers.id, userId));
    await tx.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.userId, userId));
  }

  /**
   * Cancels an invitation: the account is disabled and its enrolment link and any half-set-up
   * second factor removed. The row stays (the email may be reset to a new link later; audit
   * entries and cases may name it).
   */
  async cancelInvitation(tx: Tx, userId: string, now: Date): Promise<void> {
    await tx
      .update(staffUsers)
      .set({ status: 'disabled', passwordHash: null, totpSecret: null, enrolmentTokenHash: null, enrolmentExpiresAt: null, updatedAt: now })
      .where(eq(staffUsers.id, userId));
  }

  /** Sets a new password hash. */
  async setPassword(tx: Tx, userId: string, passwordHash: string, now: Date): Promise<void> {
    await tx.update(staffUsers).set({ passwordHash, updatedAt: now }).where(eq(staffUsers.id, userId));
  }

  /** The account's sessions not yet ended by `now` (absolute expiry) nor idle since `idleSince`, oldest first. */
  async sessionsOf(userId: string, now: Date, idleSince: Date): Promise<SessionRow[]> {
    return this.db
      .select()
      .from(staffSessions)
      .where(and(eq(staffSessions.userId, userId), gt(staffSessions.expiresAt, now), gt(staffSessions.lastSeenAt, idleSince)))
      .orderBy(asc(staffSessions.createdAt));
  }

  /** Ends one session of this account; false when it has no such session. */
  async deleteSessionOf(tx: Tx, userId: string, idHash: Buffer): Promise<boolean> {
    const deleted = await tx
      .delete(staffSessions)
      .where(and(eq(staffSessions.userId, userId), eq(staffSessions.idHash, idHash)))
      .returning({ userId: staffSessions.userId });
    return deleted.length === 1;
  }

  /** Ends every session of an account but `keep`; returns how many ended. */
  async deleteSessionsOfExcept(tx: Tx, userId: string, keep: Buffer): Promise<number> {
    const deleted = await tx
      .delete(staffSessions)
      .where(and(eq(staffSessions.userId, userId), ne(staffSessions.idHash, keep)))
      .returning({ userId: staffSessions.userId });
    return deleted.length;
  }

  /** Records that the session gave the password and a second factor again at `at`. */
  async setReauthenticated(tx: Tx, idHash: Buffer, at: Date): Promise<void> {
    await tx.update(staffSessions).set({ reauthenticatedAt: at }).where(eq(staffSessions.idHash, idHash));
  }

  /** Starts a session, last seen at its start. */
  async insertSession(tx: Tx, session: { idHash: Buffer; userId: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await tx.insert(staffSessions).values({ ...session, lastSeenAt: session.createdAt });
  }

  /** The session with this id hash and its account. */
  async sessionWithAccount(idHash: Buffer): Promise<{ session: SessionRow; user: StaffRow } | undefined> {
    const [row] = await this.db
      .select({ session: staffSessions, user: staffUsers })
      .from(staffSessions)
      .innerJoin(staffUsers, eq(staffUsers.id, staffSessions.userId))
      .where(eq(staffSessions.idHash, idHash));
    return row;
  }

  async touchSession(idHash: Buffer, now: Date): Promise<void> {
    await this.db.update(staffSessions).set({ lastSeenAt: now }).where(eq(staffSessions.idHash, idHash));
  }

  /** Ends one session, in `tx` when given. */
  async deleteSession(idHash: Buffer, tx: Tx | Db = this.db): Promise<void> {
    await tx.delete(staffSessions).where(eq(staffSessions.idHash, idHash));
  }

  /** Ends every session of an account; returns how many ended. */
  async deleteSessionsOf(tx: Tx, userId: string): Promise<number> {
    const deleted = await tx.delete(staffSessions).where(eq(staffSessions.userId, userId)).returning({ userId: staffSessions.userId });
    return deleted.length;
  }

  /** Deletes the sessions that expired by `expiredBy` or were last seen by `idleSince`. */
  async deleteSessionsEnded(expiredBy: Date, idleSince: Date): Promise<void> {
    await this.db.delete(staffSessions).where(or(lte(staffSessions.expiresAt, expiredBy), lte(staffSessions.lastSeenAt, idleSince)));
  }
}
