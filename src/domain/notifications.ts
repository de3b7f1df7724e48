import type { Language } from './report.ts';
import type { StaffRole } from './staff.ts';

/**
 * Notifications to staff (issue 16): which events notify whom, the on-duty rota that decides it,
 * which kinds are urgent (never muted), and how a failed delivery is retried. A notification says
 * only that something is waiting and where to sign in: never a narrative, a name, a case
 * reference or a link to a case (domain/notification-messages.ts holds every word of it).
 */

/**
 * What happened: a report that a child is in danger now; a triage clock 30 minutes from its end;
 * a reporter's reply; a closure awaiting a supervisor's approval; a referral's follow-up due today.
 */
export const notificationKinds = ['danger_report', 'triage_due', 'reporter_reply', 'closure_request', 'referral_follow_up'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/** Urgent kinds reach whoever is on duty and cannot be muted. */
export const urgentNotificationKinds = ['danger_report', 'triage_due'] as const satisfies readonly NotificationKind[];
/** The kinds each person may mute for themselves. */
export const mutableNotificationKinds = [
  'reporter_reply',
  'closure_request',
  'referral_follow_up',
] as const satisfies readonly NotificationKind[];
export type MutableNotificationKind = (typeof mutableNotificationKinds)[number];

export const isUrgent = (kind: NotificationKind): boolean => (urgentNotificationKinds as readonly string[]).includes(kind);
export const isMutable = (kind: string): kind is MutableNotificationKind => (mutableNotificationKinds as readonly string[]).includes(kind);

/** How a notification leaves Hifazat: an email through SMTP_URL, a signed POST to WEBHOOK_URL. */
export const notificationChannels = ['email', 'webhook'] as const;
export type NotificationChannel = (typeof notificationChannels)[number];

/** A delivery waits (first try or a retry), was handed over, or was given up after giveUpAfterMs. */
export const deliveryStatuses = ['pending', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];
export const attemptOutcomes = ['sent', 'failed'] as const;
export type AttemptOutcome = (typeof attemptOutcomes)[number];

/** How often a process looks for new events and deliveries due: a danger-now report is handed over within a minute. */
export const notificationScanIntervalMs = 15_000;
/** A triage clock escalates to supervisors this long before it ends. */
export const triageWarningMinutes = 30;
/**
 * How far back the scanner looks for each event, so that a first start (or a long outage) does
 * not notify about every report ever received: danger-now reports during their 2-hour clock,
 * triage clocks up to 2 hours past their end, reporters' replies of the last day.
 */
export const notificationLookback = { dangerReportMs: 2 * 3_600_000, triageOverdueMs: 2 * 3_600_000, reporterReplyMs: 24 * 3_600_000 };
/** A claimed delivery is another process's to retry once this lease ends (a crash mid-send); far above a send's timeouts. */
export const deliveryLeaseMs = 120_000;
/** Deliveries one process claims at a time, sent together. */
export const deliveryBatchSize = 10;
/** After this long since the notification was made, a delivery still failing is given up (status failed). */
export const giveUpAfterMs = 24 * 3_600_000;
/** Notifications, their deliveries and attempts are deleted after this many days (the maintenance job). */
export const notificationRetentionDays = 90;

/** The wait before attempt `attempts + 1` after `attempts` failed ones: 15 s, 30 s, 1 min … at most 15 min. */
export function retryDelayMs(attempts: number): number {
  const n = Math.max(1, Math.min(attempts, 20));
  return Math.min(15_000 * 2 ** (n - 1), 15 * 60_000);
}

/**
 * When to try a failed delivery again, or null to give up: the backoff after `attempts` failures,
 * unless that falls past giveUpAfterMs from the notification's creation.
 */
export function nextAttemptAt(attempts: number, createdAt: Date, now: Date): Date | null {
  const next = new Date(now.getTime() + retryDelayMs(attempts));
  return next.getTime() - createdAt.getTime() > giveUpAfterMs ? null : next;
}

// ---------------------------------------------------------------------------------------------
// The on-duty rota: per person, shifts of a weekday and a start and end time, in Pakistan time.

/** ISO weekdays: 1 Monday … 7 Sunday. */
export const weekdays = [1, 2, 3, 4, 5, 6, 7] as const;
export type Weekday = (typeof weekdays)[number];
export const minutesPerDay = 24 * 60;
/** Shifts one person may have (a few a day). */
export const maxShiftsPerPerson = 50;

/**
 * A shift: from `startMinute` on `weekday` to `endMinute` (minutes after midnight, Pakistan
 * time). An end at or before the start ends on the next day (22:00–06:00); the same start and
 * end is a whole day.
 */
export interface DutyShift {
  staffId: string;
  weekday: Weekday;
  startMinute: number;
  endMinute: number;
}

const pakistanOffsetMs = 5 * 3_600_000;

/** Pakistan's weekday (ISO) and minute of the day at an instant. */
export function pakistanWeekMinute(now: Date): { weekday: Weekday; minute: number } {
  const local = new Date(now.getTime() + pakistanOffsetMs);
  const day = local.getUTCDay();
  return { weekday: (day === 0 ? 7 : day) as Weekday, minute: local.getUTCHours() * 60 + local.getUTCMinutes() };
}

const nextWeekday = (w: Weekday): Weekday => ((w % 7) + 1) as Weekday;

/** Whether a shift covers an instant. */
export function shiftCovers(shift: Omit<DutyShift, 'staffId'>, now: Date): boolean {
  const { weekday, minute } = pakistanWeekMinute(now);
  const { startMinute: s, endMinute: e } = shift;
  if (e > s) return weekday === shift.weekday && minute >= s && minute < e;
  // Past midnight: from the start to midnight, then from midnight to the end on the next day.
  return (weekday === shift.weekday && minute >= s) || (weekday === nextWeekday(shift.weekday) && minute < e);
}

/** The people some shift of the rota covers at `now`. */
export function onDutyAt(shifts: readonly DutyShift[], now: Date): Set<string> {
  return new Set(shifts.filter((s) => shiftCovers(s, now)).map((s) => s.staffId));
}

/** "HH:MM" (00:00–23:59) as minutes after midnight; undefined for anything else. */
export function minuteOfTime(value: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** Minutes after midnight as "HH:MM". */
export function timeOfMinute(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

export const isWeekday = (value: number): value is Weekday => Number.isInteger(value) && value >= 1 && value <= 7;

// ---------------------------------------------------------------------------------------------
// Who is told.

/** A member of staff who may be notified: active, and an analyst or a supervisor. */
export interface Notifiable {
  id: string;
  role: StaffRole;
  language: Language;
}

/** Roles that receive notifications: those who work cases. */
export const notifiedRoles: readonly StaffRole[] = ['analyst', 'supervisor'];

/** An event the scanner found, with what decides its recipients. */
export type NotificationEvent =
  | { kind: 'danger_report'; key: string; caseId: string }
  | { kind: 'triage_due'; key: string; caseId: string }
  | { kind: 'reporter_reply'; key: string; caseId: string; assignedTo: string | null }
  | { kind: 'closure_request'; key: string; caseId: string; requestedBy: string }
  | { kind: 'referral_follow_up'; key: string; caseId: string; assignedTo: string | null };

/**
 * The recipients of an event, given who may be notified and who is on duty now:
 * - a danger-now report: analysts and supervisors on duty;
 * - a triage clock near its end: supervisors on duty;
 * - a reporter's reply, a referral follow-up: the case's assignee (when still notifiable), else
 *   the supervisors on duty;
 * - a closure awaiting approval: every supervisor but the one who asked (four eyes).
 * Wherever "on duty" finds nobody, every supervisor is told (the rota page says so): an event is
 * never left with no recipient while a supervisor exists.
 */
export function recipientsOf(event: NotificationEvent, staff: readonly Notifiable[], onDuty: ReadonlySet<string>): string[] {
  const active = staff.filter((s) => notifiedRoles.includes(s.role));
  const supervisors = active.filter((s) => s.role === 'supervisor');
  const onDutyOr = (candidates: readonly Notifiable[]) => {
    const present = candidates.filter((s) => onDuty.has(s.id));
    return (present.length ? present : supervisors).map((s) => s.id);
  };
  switch (event.kind) {
    case 'danger_report':
      return onDutyOr(active);
    case 'triage_due':
      return onDutyOr(supervisors);
    case 'reporter_reply':
    case 'referral_follow_up': {
      const assignee = event.assignedTo === null ? undefined : active.find((s) => s.id === event.assignedTo);
      return assignee ? [assignee.id] : onDutyOr(supervisors);
    }
    case 'closure_request':
      return supervisors.filter((s) => s.id !== event.requestedBy).map((s) => s.id);
  }
}

/** A notification's unique key: one per event and recipient, so two processes scanning together make it once. */
export const dedupeKey = (event: NotificationEvent, recipientId: string): string => `${event.kind}:${event.key}:${recipientId}`;
