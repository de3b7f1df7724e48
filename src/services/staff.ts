import { randomBytes, randomUUID } from 'node:crypto';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import QRCode from 'qrcode';
import { requirePermission, type Actor } from '../domain/actor.ts';
import { staffContexts } from '../domain/encryption-contexts.ts';
import { HifazatError } from '../domain/errors.ts';
import {
  enrolmentHours,
  recentlyReauthenticated,
  sessionAbsoluteHours,
  sessionIdleMinutes,
  staffRoles,
  totpDigits,
  type StaffRole,
} from '../domain/staff.ts';
import type { ThrottleRules } from '../domain/throttling.ts';
import type { StaffAccountStore, StaffRow } from '../store/staff-accounts.ts';
import type { AuditLog } from './audit.ts';
import type { Keyring } from './keys.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import {
  endSession,
  listSessions,
  sha256,
  toAccount,
  toStaff,
  token,
  type Session,
  type SessionInfo,
  type StaffAccount,
  type StaffMember,
} from './staff-records.ts';
import type { Client, ClientThrottles } from './throttle.ts';

export type { Session, SessionInfo, StaffAccount, StaffMember } from './staff-records.ts';

const recoveryCodeCount = 10;
/** A code as an authenticator app shows it: `totpDigits` digits. */
const totpCode = new RegExp(`^\\d{${totpDigits}}$`);

/** Recovery codes: 10 groups of 4 lower-case letters and digits (about 52 bits each), single use. */
function newRecoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  let code = '';
  for (const byte of randomBytes(10)) code += alphabet[byte % alphabet.length];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

export class StaffAccounts {
  constructor(
    private readonly store: Pick<
      StaffAccountStore,
      | 'insertInvited'
      | 'invitedByToken'
      | 'setTotpSecret'
      | 'activate'
      | 'byEmail'
      | 'claimTotpStep'
      | 'useRecoveryCode'
      | 'list'
      | 'insertSession'
      | 'sessionWithAccount'
      | 'touchSession'
      | 'deleteSession'
      | 'deleteSessionsOf'
      | 'deleteSessionsEnded'
      | 'setPassword'
      | 'sessionsOf'
      | 'deleteSessionOf'
      | 'deleteSessionsOfExcept'
      | 'setReauthenticated'
    >,
    private readonly keyring: Keyring,
    private readonly audit: Pick<AuditLog, 'transaction' | 'appendNow'>,
    private readonly throttles: Pick<ClientThrottles, 'take'>,
    private readonly rules: Pick<ThrottleRules, 'signInClient' | 'signInAccount'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Creates an account in the 'invited' state and returns a one-time enrolment token, valid
   * for `enrolmentHours` (domain/staff.ts), with which the person sets a password and a second
   * factor. Administrators (or the command line) only.
   */
  async invite(
    actor: Actor,
    input: { email: string; displayName: string; role: StaffRole },
  ): Promise<{ userId: string; enrolmentToken: string }> {
    requirePermission(actor, 'administer');
    const email = input.email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      throw new HifazatError('validation_failed', 'Not an email address.', { issues: [{ field: 'email', problem: 'invalid_email' }] });
    }
    if (!staffRoles.includes(input.role)) {
      throw new HifazatError('validation_failed', 'Unknown role.', { issues: [{ field: 'role', problem: 'invalid_choice' }] });
    }
    const userId = randomUUID();
    const enrolmentToken = token(32);
    await this.audit.transaction(actor, async (tx, audit) => {
      const inserted = await this.store.insertInvited(tx, {
        id: userId,
        email,
        displayName: input.displayName.trim() || email,
        role: input.role,
        enrolmentTokenHash: sha256(enrolmentToken),
        enrolmentExpiresAt: new Date(this.now().getTime() + enrolmentHours * 3_600_000),
      });
      if (!inserted) {
        throw new HifazatError('validation_failed', 'This email already has an account.', {
          issues: [{ field: 'email', problem: 'email_taken' }],
        });
      }
      audit({
        action: 'staff.invite',
        objectType: 'staff',
        objectId: userId,
        details: { role: input.role },
      });
    });
    return { userId, enrolmentToken };
  }

  async #invitedBy(enrolmentToken: string): Promise<StaffRow> {
    const user = await this.store.invitedByToken(sha256(enrolmentToken), this.now());
    if (!user) throw new HifazatError('not_found', 'This enrolment link is not valid or has expired.');
    return user;
  }

  /**
   * The first step of enrolment: a TOTP secret for the person's authenticator app, kept
   * encrypted on the account until a code from it is confirmed. Returns what the page shows.
   */
  async beginEnrolment(enrolmentToken: string): Promise<{ email: string; secret: string; qrSvg: string }> {
    const user = await this.#invitedBy(enrolmentToken);
    // The same secret until enrolment completes: reloading the page must not undo a scan.
    let secret = user.totpSecret ? this.keyring.decrypt(user.totpSecret, staffContexts.totpSecret(user.id)) : undefined;
    if (!secret) {
      secret = generateSecret();
      await this.store.setTotpSecret(user.id, this.keyring.encrypt(secret, staffContexts.totpSecret(user.id)), this.now());
    }
    const uri = generateURI({ issuer: 'Hifazat', label: user.email, secret, digits: totpDigits });
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { email: user.email, secret, qrSvg };
  }

  /**
   * Completes enrolment: the password (NIST rules) and a current code from the new
   * authenticator. Returns the ten recovery codes, shown once.
   */
  async completeEnrolment(enrolmentToken: string, password: string, code: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.#invitedBy(enrolmentToken);
    const problem = passwordProblem(password, user.email);
    if (problem) throw new HifazatError('validation_failed', 'Choose another password.', { issues: [{ field: 'password', problem }] });
    if (!user.totpSecret)
      throw new HifazatError('validation_failed', 'Start enrolment again.', { issues: [{ field: 'code', problem: 'code_wrong' }] });
    const timeStep = await this.#totpStep(this.keyring.decrypt(user.totpSecret, staffContexts.totpSecret(user.id)), code, 0);
    if (timeStep === undefined) {
      throw new HifazatError('validation_failed', 'That code is not right.', { issues: [{ field: 'code', problem: 'code_wrong' }] });
    }
    const recoveryCodes = Array.from({ length: recoveryCodeCount }, newRecoveryCode);
    const passwordHash = await hashPassword(password);
    await this.audit.transaction(toStaff(user), async (tx, audit) => {
      await this.store.activate(
        tx,
        user.id,
        {
          passwordHash,
          totpLastStep: timeStep,
          recoveryCodeHashes: recoveryCodes.map((c) => this.keyring.mac('recovery-code', c)),
        },
        this.now(),
      );
      audit({ action: 'staff.enrol', objectType: 'staff', objectId: user.id });
    });
    return { recoveryCodes };
  }

  /**
   * Signs in with email, password and a TOTP code (or one recovery code). Every failure looks
   * the same to the caller. Each attempt is counted before the password is checked, per client
   * and per client and account (so a burst cannot pass one check together), and given back when
   * it succeeds: failures slow the client that makes them, never the account's owner signing in
   * from another client (ADR 0005). Returns the session token for the cookie.
   */
  async signIn(input: { email: string; password: string; code: string }, client: Client): Promise<{ token: string; staff: StaffMember }> {
    const email = input.email.trim().toLowerCase();
    const { fromClient, forAccount } = await this.#takeSignInAttempt(email, client);
    const user = await this.store.byEmail(email);
    const active = user?.status === 'active' ? user : undefined;
    const passwordOk = await verifyPassword(active?.passwordHash ?? null, input.password);
    const secondFactor = active && passwordOk ? await this.#checkSecondFactor(active, input.code) : undefined;
    if (!active || !secondFactor) {
      await this.audit.appendNow({
        actorId: active?.id ?? null,
        // The account name as typed (it may be empty: the audit entry still needs an actor).
        actor: email.slice(0, 254) || '(no email)',
        action: 'sign_in.failed',
        objectType: 'staff',
        objectId: active?.id,
      });
      throw new HifazatError('sign_in_failed', 'The email, password or code is not right.');
    }
    const staff = toStaff(active);
    const sessionToken = token(32);
    const now = this.now();
    await this.audit.transaction(staff, async (tx, audit) => {
      await this.store.insertSession(tx, {
        idHash: sha256(sessionToken),
        userId: active.id,
        createdAt: now,
        expiresAt: new Date(now.getTime() + sessionAbsoluteHours * 3_600_000),
      });
      audit({
        action: 'sign_in',
        objectType: 'staff',
        objectId: active.id,
        details: { secondFactor },
      });
    });
    await forAccount.forget();
    await fromClient.refund();
    return { token: sessionToken, staff };
  }

  /** 'totp' or 'recovery_code' when the code is right and unused; undefined otherwise. */
  async #checkSecondFactor(user: StaffRow, code: string): Promise<'totp' | 'recovery_code' | undefined> {
    const cleaned = code.trim().toLowerCase();
    if (totpCode.test(cleaned.replace(/\s/g, '')) && user.totpSecret) {
      const timeStep = await this.#totpStep(
        this.keyring.decrypt(user.totpSecret, staffContexts.totpSecret(user.id)),
        cleaned,
        user.totpLastStep,
      );
      if (timeStep === undefined) return undefined;
      // Claim the time step atomically: of two sign-ins racing with one code, only one wins.
      return (await this.store.claimTotpStep(user.id, timeStep)) ? 'totp' : undefined;
    }
    const used = await this.store.useRecoveryCode(user.id, this.keyring.mac('recovery-code', cleaned.replace(/\s/g, '')), this.now());
    return used ? 'recovery_code' : undefined;
  }

  /**
   * The time step of a valid TOTP code (one step of clock drift either way), or undefined.
   * Codes of steps up to `afterStep` were already used and are refused.
   */
  async #totpStep(secret: string, code: string, afterStep: number): Promise<number | undefined> {
    const token = code.replace(/\s/g, '');
    // otplib throws on any other length (a 7-digit code was a 500): such a code is just wrong.
    if (!totpCode.test(token)) return undefined;
    const result = await verifyTotp({
      secret,
      token,
      digits: totpDigits,
      epochTolerance: 30,
      epoch: Math.floor(this.now().getTime() / 1000),
      afterTimeStep: afterStep,
    });
    return result.valid && 'timeStep' in result ? result.timeStep : undefined;
  }

  /**
   * The staff member behind a session cookie, or undefined when it is unknown or expired (idle
   * for 30 minutes, or 12 hours old). A valid session's idle clock restarts.
   */
  async session(sessionToken: string | undefined): Promise<Session | undefined> {
    if (!sessionToken || sessionToken.length > 100) return undefined;
    const idHash = sha256(sessionToken);
    const now = this.now();
    const row = await this.store.sessionWithAccount(idHash);
    if (!row) return undefined;
    const idleLimit = row.session.lastSeenAt.getTime() + sessionIdleMinutes * 60_000;
    if (now >= row.session.expiresAt || now.getTime() >= idleLimit || row.user.status !== 'active') {
      await this.store.deleteSession(idHash);
      return undefined;
    }
    await this.store.touchSession(idHash, now);
    return { staff: toStaff(row.user), idHash, reauthenticatedAt: row.session.reauthenticatedAt };
  }

  async signOut(session: Session): Promise<void> {
    await this.audit.transaction(session.staff, async (tx, audit) => {
      await this.store.deleteSession(session.idHash, tx);
      audit({ action: 'sign_out', objectType: 'staff', objectId: session.staff.id });
    });
  }

  /** Ends every session of this staff member, on every device. */
  async signOutEverywhere(session: Session): Promise<void> {
    await this.audit.transaction(session.staff, async (tx, audit) => {
      await this.store.deleteSessionsOf(tx, session.staff.id);
      audit({
        action: 'sign_out.everywhere',
        objectType: 'staff',
        objectId: session.staff.id,
      });
    });
  }

  /** The signed-in member's own sessions still running, this one marked. */
  async ownSessions(session: Session): Promise<SessionInfo[]> {
    return listSessions(this.store, session.staff.id, session.idHash, this.now());
  }

  /** Ends one of one's own sessions; true when it was this one (the caller then clears the cookie). */
  async endOwnSession(session: Session, handle: string): Promise<boolean> {
    await endSession(this.store, this.audit, session.staff, session.staff.id, handle);
    return handle === session.idHash.toString('hex');
  }

  /** Ends every session of the signed-in member but this one; returns how many ended. */
  async endOtherSessions(session: Session): Promise<number> {
    return this.audit.transaction(session.staff, async (tx, audit) => {
      const ended = await this.store.deleteSessionsOfExcept(tx, session.staff.id, session.idHash);
      audit({ action: 'sign_out.others', objectType: 'staff', objectId: session.staff.id, details: { sessionsEnded: ended } });
      return ended;
    });
  }

  /**
   * Changes one's own password: the current one, then a new one by the enrolment rules (length,
   * not common). Every other session ends; this one stays. Attempts count against the sign-in
   * throttles, so a session left open cannot be used to guess the password faster than sign-in.
   */
  async changePassword(session: Session, input: { currentPassword: string; newPassword: string }, client: Client): Promise<void> {
    const user = await this.store.byEmail(session.staff.email);
    const problem = passwordProblem(input.newPassword, session.staff.email);
    if (problem) throw new HifazatError('validation_failed', 'Choose another password.', { issues: [{ field: 'newPassword', problem }] });
    const { fromClient, forAccount } = await this.#takeSignInAttempt(session.staff.email, client);
    if (!user || user.status !== 'active' || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
      throw new HifazatError('validation_failed', 'The current password is not right.', {
        issues: [{ field: 'currentPassword', problem: 'password_wrong' }],
      });
    }
    const passwordHash = await hashPassword(input.newPassword);
    await this.audit.transaction(session.staff, async (tx, audit) => {
      await this.store.setPassword(tx, user.id, passwordHash, this.now());
      const sessionsEnded = await this.store.deleteSessionsOfExcept(tx, user.id, session.idHash);
      audit({ action: 'password.change', objectType: 'staff', objectId: user.id, details: { sessionsEnded } });
    });
    await forAccount.forget();
    await fromClient.refund();
  }

  /**
   * Re-authentication for the most sensitive actions: the password and a current TOTP code (or a
   * recovery code) again. When right, the session may do those actions for
   * `reauthenticationMinutes` (domain/staff.ts). Counted by the sign-in throttles, as sign-in is,
   * so failures slow this client and never lock the owner out elsewhere.
   */
  async reauthenticate(session: Session, input: { password: string; code: string }, client: Client): Promise<void> {
    const { fromClient, forAccount } = await this.#takeSignInAttempt(session.staff.email, client);
    const user = await this.store.byEmail(session.staff.email);
    const active = user?.status === 'active' && user.id === session.staff.id ? user : undefined;
    const passwordOk = await verifyPassword(active?.passwordHash ?? null, input.password);
    const secondFactor = active && passwordOk ? await this.#checkSecondFactor(active, input.code) : undefined;
    if (!active || !secondFactor) {
      await this.audit.appendNow({
        actorId: session.staff.id,
        actor: session.staff.email,
        action: 'reauthenticate.failed',
        objectType: 'staff',
        objectId: session.staff.id,
      });
      throw new HifazatError('validation_failed', 'The password or code is not right.', {
        issues: [{ field: 'reauthCode', problem: 'reauth_failed' }],
      });
    }
    const now = this.now();
    await this.audit.transaction(session.staff, async (tx, audit) => {
      await this.store.setReauthenticated(tx, session.idHash, now);
      audit({ action: 'reauthenticate', objectType: 'staff', objectId: active.id, details: { secondFactor } });
    });
    session.reauthenticatedAt = now;
    await forAccount.forget();
    await fromClient.refund();
  }

  /** Whether this session re-authenticated recently enough for the most sensitive actions. */
  recentlyReauthenticated(session: Session): boolean {
    return recentlyReauthenticated(session.reauthenticatedAt, this.now());
  }

  /** One attempt counted by each sign-in throttle (per client, per client and account), as sign-in counts. */
  async #takeSignInAttempt(email: string, client: Client) {
    const fromClient = await this.throttles.take(this.rules.signInClient, client);
    const forAccount = await this.throttles.take(this.rules.signInAccount, client, email);
    return { fromClient, forAccount };
  }

  async list(): Promise<StaffAccount[]> {
    const rows = await this.store.list();
    return rows.map(toAccount);
  }

  /** Removes sessions past their absolute expiry or idle limit. */
  async purgeExpired(): Promise<void> {
    const now = this.now();
    await this.store.deleteSessionsEnded(now, new Date(now.getTime() - sessionIdleMinutes * 60_000));
  }
}
