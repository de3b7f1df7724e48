/** Staff roles, least privilege first in what they may see of reports. */
export const staffRoles = ['administrator', 'supervisor', 'analyst', 'auditor'] as const;
export type StaffRole = (typeof staffRoles)[number];

/**
 * What each role may do. Routes and services check these; object-level rules (an analyst works
 * on the cases assigned to them) are checked where the object is loaded.
 */
export const permissions = {
  /** See the triage queue and read reports and cases. */
  readCases: ['supervisor', 'analyst', 'auditor'],
  /** Triage, classify, message the reporter, notes, tasks, referrals (own cases for analysts). */
  workCases: ['supervisor', 'analyst'],
  /** Assign and reassign cases, approve closures. */
  superviseCases: ['supervisor'],
  /** See a reporter's contact details (supervisor, or the analyst assigned to the case). */
  revealContact: ['supervisor', 'analyst'],
  /** Publish statistics. */
  publishStatistics: ['supervisor'],
  /**
   * The dashboard of how the hotline keeps its promises (aggregate figures, no case content): supervisors, who answer
   * for it, and auditors, whose oversight it serves. Not analysts (their colleagues' work) nor administrators (no cases).
   */
  readDashboard: ['supervisor', 'auditor'],
  /** Staff accounts and settings. */
  administer: ['administrator'],
  /** Read the audit log. */
  readAudit: ['auditor', 'administrator'],
} as const satisfies Record<string, readonly StaffRole[]>;
export type Permission = keyof typeof permissions;

export function can(role: StaffRole, permission: Permission): boolean {
  return (permissions[permission] as readonly StaffRole[]).includes(role);
}

/** How long an enrolment link works after the invitation. */
export const enrolmentHours = 72;

/** The length of an authenticator app's (TOTP) code. */
export const totpDigits = 6;

/** Session lifetimes: idle and absolute. */
export const sessionIdleMinutes = 30;
export const sessionAbsoluteHours = 12;

/**
 * How long after giving the password and a second factor again a session may reveal a reporter's
 * contact details, copy a live link or publish statistics without being asked once more.
 */
export const reauthenticationMinutes = 5;

/** Whether a session re-authenticated at `at` (null: not since sign-in) is still within the window at `now`. */
export function recentlyReauthenticated(at: Date | null, now: Date): boolean {
  return at !== null && now.getTime() - at.getTime() < reauthenticationMinutes * 60_000 && at.getTime() <= now.getTime();
}

export const passwordMinLength = 12;
export const passwordMaxLength = 256;

/** An account's state: invited (not yet enrolled), active, or disabled. */
export const staffStatuses = ['invited', 'active', 'disabled'] as const;
export type StaffStatus = (typeof staffStatuses)[number];
