import { isStaff, requirePermission, system, type Actor, type StaffActor } from '../domain/actor.ts';
import { triageDueAt } from '../domain/classification.ts';
import { HifazatError, type FieldIssue } from '../domain/errors.ts';
import {
  dedupeKey,
  isMutable,
  isWeekday,
  maxShiftsPerPerson,
  minuteOfTime,
  notificationLookback,
  notificationRetentionDays,
  notificationScanIntervalMs,
  onDutyAt,
  recipientsOf,
  timeOfMinute,
  triageWarningMinutes,
  type DutyShift,
  type MutableNotificationKind,
  type NotificationEvent,
  type NotificationKind,
} from '../domain/notifications.ts';
import { pakistanToday } from '../domain/pakistan-time.ts';
import { languages, type Language } from '../domain/report.ts';
import { isUuid } from '../domain/uuid.ts';
import { OutboundClient } from '../outbound/http.ts';
import type { Database } from '../store/database.ts';
import {
  NotificationStore,
  type ClaimedDelivery,
  type NewNotification,
  type OwnNotification,
  type RotaMember,
  type ShiftRow,
} from '../store/notifications.ts';
import type { AuditLog } from './audit.ts';
import { EmailSender, NotificationDelivery, WebhookSender, type DeliveryRun, type NotificationSender } from './notification-delivery.ts';

/**
 * Notifications to staff (docs/ARCHITECTURE.md, "Notifications"). A scanner, run every
 * notificationScanIntervalMs by each process, finds the events (a danger-now report, a triage
 * clock near its end, a reporter's reply, a closure awaiting approval, a referral follow-up due
 * today) in what the database already holds, works out who is told (domain/notifications.ts,
 * recipientsOf, by role and the on-duty rota) and stores one notification per event and recipient
 * under a unique key, so several processes store each once; then NotificationDelivery sends what
 * is due. Nothing on the path of a report or a message waits for any of it.
 */

export type { OwnNotification, ShiftRow } from '../store/notifications.ts';

export interface RotaView {
  members: (RotaMember & { shifts: ShiftRow[]; onDuty: boolean })[];
  /** Nobody on duty now: urgent notices go to every supervisor. */
  nobodyOnDuty: boolean;
}

export interface OwnNotifications {
  notifications: OwnNotification[];
  muted: MutableNotificationKind[];
  /** The language they are written in (staff_users.language). */
  language: Language;
  /** The channels this process delivers by (none: the list here is the only place they show). */
  channels: string[];
}

export interface ShiftInput {
  staffId: string;
  weekdays: readonly string[];
  start: string;
  end: string;
}

/** The rota and one's own notifications are staff's: the command line and the system have neither. */
function staffOnly(actor: Actor): StaffActor {
  if (!isStaff(actor)) throw new HifazatError('forbidden', 'Only staff have a rota and notifications.');
  return actor;
}

/** How many stored dedupe keys a process remembers (a few MB at most). */
const knownKeysLimit = 100_000;

export class NotificationService {
  private timer: NodeJS.Timeout | undefined;
  /**
   * Dedupe keys this process knows are stored (it stored them, or found them there): a scan skips
   * them without a transaction, so an event that stays (a closure awaiting approval for days) costs
   * its reads only. Forgotten wholesale past knownKeysLimit; the unique key still holds.
   */
  private readonly known = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<
      NotificationStore,
      | 'notifiable'
      | 'shifts'
      | 'addShifts'
      | 'removeShift'
      | 'mutes'
      | 'setMute'
      | 'languageOf'
      | 'setLanguage'
      | 'dangerReports'
      | 'untriagedCases'
      | 'reporterReplies'
      | 'closureRequests'
      | 'followUpsDue'
      | 'insert'
      | 'own'
      | 'purgeBefore'
      | 'rotaMembers'
    >,
    private readonly delivery: NotificationDelivery,
    private readonly audit: Pick<AuditLog, 'transaction'>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The events found now, each once per recipient not yet told; how many notifications were stored, by kind. */
  async scan(): Promise<Partial<Record<NotificationKind, number>>> {
    const now = this.clock();
    // Independent reads: on PostgreSQL they run at once on the pool's connections.
    const [staff, shifts, mutes, events] = await Promise.all([
      this.store.notifiable(),
      this.store.shifts(),
      this.store.mutes(),
      this.events(now),
    ]);
    const onDuty = onDutyAt(shifts, now);
    const muted = new Set(mutes.map((m) => `${m.staffId}:${m.kind}`));
    const rows: NewNotification[] = events.flatMap((event) =>
      recipientsOf(event, staff, onDuty)
        .filter((recipientId) => !this.known.has(dedupeKey(event, recipientId)))
        .map((recipientId) => ({
          dedupeKey: dedupeKey(event, recipientId),
          kind: event.kind,
          recipientId,
          caseId: event.caseId,
          muted: isMutable(event.kind) && muted.has(`${recipientId}:${event.kind}`),
        })),
    );
    if (rows.length === 0) return {};
    const stored = await this.audit.transaction(system, async (tx, audit) => {
      const created = await this.store.insert(tx, rows, this.delivery.channels, now);
      const byKind: Partial<Record<NotificationKind, number>> = {};
      for (const kind of created) byKind[kind] = (byKind[kind] ?? 0) + 1;
      if (created.length > 0) audit({ action: 'notification.create', objectType: 'notification', details: { count: created.length } });
      return byKind;
    });
    if (this.known.size + rows.length > knownKeysLimit) this.known.clear();
    for (const row of rows) this.known.add(row.dedupeKey);
    return stored;
  }

  private async events(now: Date): Promise<NotificationEvent[]> {
    const since = (ms: number) => new Date(now.getTime() - ms);
    const today = pakistanToday(now);
    // A case's clock runs at most 24 hours; older cases past it by more than the look-back are left alone.
    const [danger, untriaged, replies, closures, followUps] = await Promise.all([
      this.store.dangerReports(since(notificationLookback.dangerReportMs), now),
      this.store.untriagedCases(since(24 * 3_600_000 + notificationLookback.triageOverdueMs)),
      this.store.reporterReplies(since(notificationLookback.reporterReplyMs)),
      this.store.closureRequests(),
      this.store.followUpsDue(today),
    ]);
    const events: NotificationEvent[] = danger.map((r) => ({ kind: 'danger_report', key: r.reportId, caseId: r.caseId }));
    for (const c of untriaged) {
      const due = triageDueAt(c.receivedAt, c.inDangerNow).getTime();
      const warnFrom = due - triageWarningMinutes * 60_000;
      if (now.getTime() >= warnFrom && now.getTime() < due + notificationLookback.triageOverdueMs) {
        events.push({ kind: 'triage_due', key: `${c.caseId}:${due}`, caseId: c.caseId });
      }
    }
    for (const m of replies) events.push({ kind: 'reporter_reply', key: String(m.messageId), caseId: m.caseId, assignedTo: m.assignedTo });
    for (const c of closures) {
      events.push({ kind: 'closure_request', key: `${c.caseId}:${c.requestedAt.getTime()}`, caseId: c.caseId, requestedBy: c.requestedBy });
    }
    for (const f of followUps) {
      events.push({ kind: 'referral_follow_up', key: `${f.referralId}:${today}`, caseId: f.caseId, assignedTo: f.assignedTo });
    }
    return events;
  }

  /** One scan, then every delivery due: what the timer runs, and what tests call. */
  async runOnce(): Promise<{ created: Partial<Record<NotificationKind, number>>; delivered: DeliveryRun }> {
    const created = await this.scan();
    const delivered = await this.delivery.deliverDue();
    return { created, delivered };
  }

  /** Runs runOnce every notificationScanIntervalMs (never two at once in this process) until stop. */
  start(onError: (error: unknown) => void, intervalMs = notificationScanIntervalMs): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.runOnce()
        .then(() => undefined, onError)
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run under way; closes the channels. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    this.delivery.close();
  }

  /** Deletes notifications older than notificationRetentionDays (the maintenance job). */
  async purgeOld(): Promise<number> {
    return this.store.purgeBefore(new Date(this.clock().getTime() - notificationRetentionDays * 86_400_000));
  }

  // --- The rota (supervisors). ---

  async rota(actor: Actor): Promise<RotaView> {
    requirePermission(actor, 'superviseCases', 'Only supervisors set the rota.');
    const [members, shifts] = [await this.store.rotaMembers(), await this.store.shifts()];
    const onDuty = onDutyAt(shifts, this.clock());
    return {
      members: members.map((m) => ({ ...m, shifts: shifts.filter((s) => s.staffId === m.id), onDuty: onDuty.has(m.id) })),
      nobodyOnDuty: !members.some((m) => onDuty.has(m.id)),
    };
  }

  /** Adds a shift on each weekday chosen, for one analyst or supervisor, audited. */
  async addShifts(actor: Actor, input: ShiftInput): Promise<number> {
    requirePermission(actor, 'superviseCases', 'Only supervisors set the rota.');
    const issues: FieldIssue[] = [];
    const members = await this.store.rotaMembers();
    if (!input.staffId) issues.push({ field: 'staffId', problem: 'required' });
    else if (!isUuid(input.staffId) || !members.some((m) => m.id === input.staffId)) issues.push({ field: 'staffId', problem: 'invalid' });
    const days = [...new Set(input.weekdays)].map(Number);
    if (days.length === 0) issues.push({ field: 'weekdays', problem: 'required' });
    else if (!days.every(isWeekday)) issues.push({ field: 'weekdays', problem: 'invalid' });
    const start = minuteOfTime(input.start);
    const end = minuteOfTime(input.end);
    if (start === undefined) issues.push({ field: 'start', problem: input.start ? 'invalid_time' : 'required' });
    if (end === undefined) issues.push({ field: 'end', problem: input.end ? 'invalid_time' : 'required' });
    if (issues.length === 0) {
      const existing = (await this.store.shifts()).filter((s) => s.staffId === input.staffId).length;
      if (existing + days.length > maxShiftsPerPerson) issues.push({ field: 'weekdays', problem: 'too_many_shifts' });
    }
    if (issues.length) throw new HifazatError('validation_failed', 'The shift is not complete.', { issues });
    const shifts: DutyShift[] = days.map((weekday) => ({
      staffId: input.staffId,
      weekday: weekday as DutyShift['weekday'],
      startMinute: start!,
      endMinute: end!,
    }));
    const creator = staffOnly(actor);
    return this.audit.transaction(actor, async (tx, audit) => {
      const ids = await this.store.addShifts(tx, shifts, creator.id);
      audit({
        action: 'rota.add',
        objectType: 'staff',
        objectId: input.staffId,
        details: { staffId: input.staffId, weekdays: days, start: input.start, end: input.end },
      });
      return ids.length;
    });
  }

  async removeShift(actor: Actor, shiftId: number): Promise<void> {
    requirePermission(actor, 'superviseCases', 'Only supervisors set the rota.');
    await this.audit.transaction(actor, async (tx, audit) => {
      const removed = await this.store.removeShift(tx, shiftId);
      if (!removed) throw new HifazatError('not_found', 'No such shift.');
      audit({
        action: 'rota.remove',
        objectType: 'staff',
        objectId: removed.staffId,
        details: {
          staffId: removed.staffId,
          weekdays: [removed.weekday],
          start: timeOfMinute(removed.startMinute),
          end: timeOfMinute(removed.endMinute),
        },
      });
    });
  }

  // --- One's own notifications. ---

  async own(actor: Actor, limit = 100): Promise<OwnNotifications> {
    requirePermission(actor, 'workCases', 'Notifications are for staff who work cases.');
    const staff = staffOnly(actor);
    return {
      notifications: await this.store.own(staff.id, limit),
      muted: (await this.store.mutes(staff.id)).map((m) => m.kind),
      language: await this.store.languageOf(staff.id),
      channels: this.delivery.channels,
    };
  }

  /** Mutes or unmutes one of one's own non-urgent kinds, audited; urgent kinds are refused. */
  async setMute(actor: Actor, kind: string, muted: boolean): Promise<void> {
    requirePermission(actor, 'workCases', 'Notifications are for staff who work cases.');
    if (!isStaff(actor)) throw new HifazatError('forbidden', 'Only staff mute their notifications.');
    if (!isMutable(kind)) {
      throw new HifazatError('validation_failed', 'Urgent notifications cannot be muted.', {
        issues: [{ field: 'kind', problem: 'not_mutable' }],
      });
    }
    await this.audit.transaction(actor, async (tx, audit) => {
      if (await this.store.setMute(tx, actor.id, kind, muted)) {
        audit({ action: 'notification.mute', objectType: 'staff', objectId: actor.id, details: { kind, muted } });
      }
    });
  }

  /** Chooses the language of one's own notifications, audited; anything but a site language is refused. */
  async setLanguage(actor: Actor, language: string): Promise<void> {
    requirePermission(actor, 'workCases', 'Notifications are for staff who work cases.');
    const staff = staffOnly(actor);
    if (!(languages as readonly string[]).includes(language)) {
      throw new HifazatError('validation_failed', 'Choose English or Urdu.', {
        issues: [{ field: 'language', problem: 'invalid_choice' }],
      });
    }
    await this.audit.transaction(actor, async (tx, audit) => {
      if (await this.store.setLanguage(tx, staff.id, language as Language)) {
        audit({ action: 'notification.language', objectType: 'staff', objectId: staff.id, details: { language } });
      }
    });
  }
}

/** The channels and addresses notifications use (config.ts, NotificationConfig, and PUBLIC_URL). */
export interface NotificationSettings {
  /** PUBLIC_URL: the sign-in page a notification names is built from it. */
  publicUrl: string;
  smtpUrl?: string | undefined;
  from?: string | undefined;
  webhookUrl?: string | undefined;
  webhookSecret?: string | undefined;
  /** OUTBOUND_ALLOW_ADDRESSES. */
  outboundAllowAddresses?: readonly string[];
}

/** The notification service of one process over `database`, with the channels `settings` configure. */
export function createNotificationService(
  database: Database,
  audit: Pick<AuditLog, 'transaction'>,
  settings: NotificationSettings,
  clock: () => Date = () => new Date(),
  onGiveUp?: (delivery: ClaimedDelivery, error: string) => void,
): NotificationService {
  const store = new NotificationStore(database);
  const senders: NotificationSender[] = [];
  if (settings.smtpUrl) senders.push(new EmailSender(settings.smtpUrl, settings.from ?? `hifazat@${new URL(settings.publicUrl).hostname}`));
  if (settings.webhookUrl && settings.webhookSecret) {
    const client = new OutboundClient({ allowAddresses: settings.outboundAllowAddresses ?? [] });
    senders.push(new WebhookSender(settings.webhookUrl, settings.webhookSecret, client, clock));
  }
  return new NotificationService(store, new NotificationDelivery(store, senders, settings.publicUrl, clock, onGiveUp), audit, clock);
}
