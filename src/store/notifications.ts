import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type {
  AttemptOutcome,
  DeliveryStatus,
  DutyShift,
  MutableNotificationKind,
  Notifiable,
  NotificationChannel,
  NotificationKind,
  Weekday,
} from '../domain/notifications.ts';
import type { Language } from '../domain/report.ts';
import type { StaffRole } from '../domain/staff.ts';
import type { Database, Db, Tx } from './database.ts';
import { notificationDeliveries, notificationMutes, notifications, staffDutyShifts, staffUsers } from './schema.ts';

const rowsOf = <Row>(result: unknown) => (result as { rows: Row[] }).rows;
const iso = (d: Date) => d.toISOString();
/** timestamptz as a Date from either driver. */
const dateOf = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

/** A notification to store: one event and recipient. */
export interface NewNotification {
  dedupeKey: string;
  kind: NotificationKind;
  recipientId: string;
  caseId: string;
  muted: boolean;
}

/** A delivery this process claimed, with what sending it needs (never anything of the case). */
export interface ClaimedDelivery {
  id: number;
  notificationId: number;
  channel: NotificationChannel;
  /** Including this one. */
  attempts: number;
  kind: NotificationKind;
  createdAt: Date;
  recipientId: string;
  email: string;
  language: Language;
  /** The recipient's account is still active (a disabled account is sent nothing more). */
  active: boolean;
}

export interface DeliveryOutcome {
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date;
  outcome: AttemptOutcome;
}

export interface OwnNotification {
  id: number;
  kind: NotificationKind;
  createdAt: Date;
  muted: boolean;
  deliveries: { channel: NotificationChannel; status: DeliveryStatus; attempts: number; sentAt: Date | null; lastError: string | null }[];
}

export interface ShiftRow extends DutyShift {
  id: number;
}

export interface RotaMember {
  id: string;
  displayName: string;
  role: StaffRole;
}

/** The notifications' SQL: the rota, mutes, the events the scanner looks for, the queue and its deliveries. */
export class NotificationStore {
  constructor(private readonly database: Database) {}

  private get db(): Db {
    return this.database.db;
  }

  /** Whoever may be told: active analysts and supervisors. */
  async notifiable(): Promise<(Notifiable & { displayName: string })[]> {
    return this.db
      .select({ id: staffUsers.id, role: staffUsers.role, language: staffUsers.language, displayName: staffUsers.displayName })
      .from(staffUsers)
      .where(and(eq(staffUsers.status, 'active'), inArray(staffUsers.role, ['analyst', 'supervisor'])))
      .orderBy(asc(staffUsers.displayName), asc(staffUsers.id));
  }

  async shifts(tx: Tx | Db = this.db): Promise<ShiftRow[]> {
    const rows = await tx
      .select({
        id: staffDutyShifts.id,
        staffId: staffDutyShifts.staffId,
        weekday: staffDutyShifts.weekday,
        startMinute: staffDutyShifts.startMinute,
        endMinute: staffDutyShifts.endMinute,
      })
      .from(staffDutyShifts)
      .orderBy(asc(staffDutyShifts.weekday), asc(staffDutyShifts.startMinute), asc(staffDutyShifts.id));
    return rows.map((r) => ({ ...r, weekday: r.weekday as Weekday }));
  }

  async addShifts(tx: Tx, shifts: readonly DutyShift[], createdBy: string): Promise<number[]> {
    const rows = await tx
      .insert(staffDutyShifts)
      .values(shifts.map((s) => ({ ...s, createdBy })))
      .returning({ id: staffDutyShifts.id });
    return rows.map((r) => r.id);
  }

  /** Deletes a shift; its row as it was, or undefined when there is none. */
  async removeShift(tx: Tx, id: number): Promise<ShiftRow | undefined> {
    const [row] = await tx.delete(staffDutyShifts).where(eq(staffDutyShifts.id, id)).returning();
    return (
      row && { id: row.id, staffId: row.staffId, weekday: row.weekday as Weekday, startMinute: row.startMinute, endMinute: row.endMinute }
    );
  }

  async mutes(staffId?: string): Promise<{ staffId: string; kind: MutableNotificationKind }[]> {
    return this.db
      .select({ staffId: notificationMutes.staffId, kind: notificationMutes.kind })
      .from(notificationMutes)
      .where(staffId === undefined ? undefined : eq(notificationMutes.staffId, staffId));
  }

  /** The language a person's notifications are written in. */
  async languageOf(staffId: string): Promise<Language> {
    const [row] = await this.db.select({ language: staffUsers.language }).from(staffUsers).where(eq(staffUsers.id, staffId));
    return row?.language ?? 'en';
  }

  /** Sets the language of a person's notifications; whether it changed. */
  async setLanguage(tx: Tx, staffId: string, language: Language): Promise<boolean> {
    const rows = await tx
      .update(staffUsers)
      .set({ language })
      .where(and(eq(staffUsers.id, staffId), ne(staffUsers.language, language)))
      .returning({ id: staffUsers.id });
    return rows.length > 0;
  }

  /** Mutes or unmutes a kind for a person; whether anything changed. */
  async setMute(tx: Tx, staffId: string, kind: MutableNotificationKind, muted: boolean): Promise<boolean> {
    if (muted) {
      const rows = await tx
        .insert(notificationMutes)
        .values({ staffId, kind })
        .onConflictDoNothing()
        .returning({ kind: notificationMutes.kind });
      return rows.length > 0;
    }
    const rows = await tx
      .delete(notificationMutes)
      .where(and(eq(notificationMutes.staffId, staffId), eq(notificationMutes.kind, kind)))
      .returning({ kind: notificationMutes.kind });
    return rows.length > 0;
  }

  // --- The events the scanner looks for (each a small read over recent or open rows). ---

  /** Reports that a child is in danger now, received since `since`, whose case is open and not yet triaged. */
  async dangerReports(since: Date, now: Date): Promise<{ reportId: string; caseId: string }[]> {
    return rowsOf<{ reportId: string; caseId: string }>(
      await this.db.execute(sql`
        SELECT r.id AS "reportId", r.case_id AS "caseId"
        FROM reports r JOIN cases c ON c.id = r.case_id
        WHERE r.in_danger_now IS TRUE AND r.created_at >= ${iso(since)}::timestamptz AND r.created_at <= ${iso(now)}::timestamptz
          AND c.state <> 'closed'
          AND NOT EXISTS (SELECT 1 FROM report_classifications rc WHERE rc.report_id = r.id)`),
    );
  }

  /**
   * Open cases not yet triaged (no report classified, domain/classification.ts awaitsTriage) whose
   * first report arrived since `since`: their first receipt and whether any report says a child
   * is in danger now, from which the service works out the clock (triageDueAt).
   */
  async untriagedCases(since: Date): Promise<{ caseId: string; receivedAt: Date; inDangerNow: boolean }[]> {
    const rows = rowsOf<{ caseId: string; receivedAt: unknown; inDangerNow: boolean }>(
      await this.db.execute(sql`
        SELECT c.id AS "caseId", min(r.created_at) AS "receivedAt", bool_or(r.in_danger_now IS TRUE) AS "inDangerNow"
        FROM cases c JOIN reports r ON r.case_id = c.id
        WHERE c.state <> 'closed' AND c.merged_into IS NULL AND c.created_at >= ${iso(since)}::timestamptz
          AND NOT EXISTS (SELECT 1 FROM reports r2 JOIN report_classifications rc ON rc.report_id = r2.id WHERE r2.case_id = c.id)
        GROUP BY c.id`),
    );
    return rows.map((r) => ({ caseId: r.caseId, receivedAt: dateOf(r.receivedAt), inDangerNow: r.inDangerNow }));
  }

  /** Messages from reporters since `since`, with their case and its assignee. */
  async reporterReplies(since: Date): Promise<{ messageId: number; caseId: string; assignedTo: string | null }[]> {
    const rows = rowsOf<{ messageId: unknown; caseId: string; assignedTo: string | null }>(
      await this.db.execute(sql`
        SELECT m.id AS "messageId", r.case_id AS "caseId", c.assigned_to AS "assignedTo"
        FROM report_messages m JOIN reports r ON r.id = m.report_id JOIN cases c ON c.id = r.case_id
        WHERE m.author = 'reporter' AND m.created_at >= ${iso(since)}::timestamptz`),
    );
    return rows.map((r) => ({ ...r, messageId: Number(r.messageId) }));
  }

  /** Open cases whose closure was requested and awaits a supervisor. */
  async closureRequests(): Promise<{ caseId: string; requestedBy: string; requestedAt: Date }[]> {
    const rows = rowsOf<{ caseId: string; requestedBy: string; requestedAt: unknown }>(
      await this.db.execute(sql`
        SELECT id AS "caseId", closure_requested_by AS "requestedBy", closure_requested_at AS "requestedAt"
        FROM cases WHERE closure_requested_by IS NOT NULL AND closure_requested_at IS NOT NULL AND state <> 'closed'`),
    );
    return rows.map((r) => ({ ...r, requestedAt: dateOf(r.requestedAt) }));
  }

  /** Referrals whose follow-up falls on `day` (Pakistan's date), of open cases, with the case's assignee. */
  async followUpsDue(day: string): Promise<{ referralId: number; caseId: string; assignedTo: string | null }[]> {
    const rows = rowsOf<{ referralId: unknown; caseId: string; assignedTo: string | null }>(
      await this.db.execute(sql`
        SELECT f.id AS "referralId", f.case_id AS "caseId", c.assigned_to AS "assignedTo"
        FROM referrals f JOIN cases c ON c.id = f.case_id
        WHERE f.follow_up_on = ${day}::date AND c.state <> 'closed'`),
    );
    return rows.map((r) => ({ ...r, referralId: Number(r.referralId) }));
  }

  // --- The queue. ---

  /**
   * Stores the notifications not stored yet (their dedupe keys are unique: a second process that
   * found the same events stores nothing), each with a pending delivery per channel unless muted,
   * in one statement. What it stored, by kind.
   */
  async insert(tx: Tx, rows: readonly NewNotification[], channels: readonly NotificationChannel[], now: Date): Promise<NotificationKind[]> {
    if (rows.length === 0) return [];
    const payload = JSON.stringify(
      rows.map((r) => ({ dedupe_key: r.dedupeKey, kind: r.kind, recipient_id: r.recipientId, case_id: r.caseId, muted: r.muted })),
    );
    const created = rowsOf<{ kind: NotificationKind }>(
      await tx.execute(sql`
        WITH created AS (
          INSERT INTO notifications (dedupe_key, kind, recipient_id, case_id, muted, created_at)
          SELECT n.dedupe_key, n.kind, n.recipient_id, n.case_id, n.muted, ${iso(now)}::timestamptz
          FROM jsonb_to_recordset(${payload}::jsonb) AS n(dedupe_key text, kind text, recipient_id uuid, case_id uuid, muted boolean)
          ON CONFLICT (dedupe_key) DO NOTHING
          RETURNING id, kind, muted
        ), deliveries AS (
          INSERT INTO notification_deliveries (notification_id, channel, next_attempt_at)
          SELECT created.id, channel, ${iso(now)}::timestamptz
          FROM created CROSS JOIN unnest(${`{${channels.join(',')}}`}::text[]) AS channel
          WHERE NOT created.muted
        )
        SELECT kind FROM created`),
    );
    return created.map((r) => r.kind);
  }

  /**
   * Claims up to `limit` deliveries due at `now` that no process holds (a row locked by another
   * claim is skipped, one whose lease ended is taken over) under a new token until `leaseUntil`,
   * counting the attempt. Urgent kinds first, then the oldest.
   */
  async claim(now: Date, leaseUntil: Date, limit: number): Promise<{ token: string; deliveries: ClaimedDelivery[] }> {
    const token = randomUUID();
    const rows = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`
        WITH due AS (
          SELECT d.id FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= ${iso(now)}::timestamptz
            AND (d.claimed_until IS NULL OR d.claimed_until < ${iso(now)}::timestamptz)
          ORDER BY (n.kind IN ('danger_report', 'triage_due')) DESC, d.next_attempt_at, d.id
          LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED
        ), claimed AS (
          UPDATE notification_deliveries d
          SET claim_token = ${token}::uuid, claimed_until = ${iso(leaseUntil)}::timestamptz, attempts = d.attempts + 1
          FROM due WHERE d.id = due.id
          RETURNING d.id, d.notification_id, d.channel, d.attempts
        )
        SELECT claimed.id, claimed.notification_id, claimed.channel, claimed.attempts,
               n.kind, n.created_at, n.recipient_id, s.email, s.language, s.status = 'active' AS active
        FROM claimed JOIN notifications n ON n.id = claimed.notification_id JOIN staff_users s ON s.id = n.recipient_id`),
    );
    return {
      token,
      deliveries: rows.map((r) => ({
        id: Number(r.id),
        notificationId: Number(r.notification_id),
        channel: r.channel as NotificationChannel,
        attempts: Number(r.attempts),
        kind: r.kind as NotificationKind,
        createdAt: dateOf(r.created_at),
        recipientId: String(r.recipient_id),
        email: String(r.email),
        language: r.language as Language,
        active: r.active === true,
      })),
    };
  }

  /**
   * Records an attempt and its delivery's new state, releasing the claim, in one statement. The
   * delivery changes only while `token` still holds it (a lease taken over is the other's); the
   * attempt is recorded either way. Whether the delivery changed.
   */
  async finish(deliveryId: number, token: string, o: DeliveryOutcome): Promise<boolean> {
    const rows = rowsOf<{ id: unknown }>(
      await this.db.execute(sql`
        WITH attempt AS (
          INSERT INTO notification_attempts (delivery_id, started_at, finished_at, outcome, error)
          VALUES (${deliveryId}, ${iso(o.startedAt)}::timestamptz, ${iso(o.finishedAt)}::timestamptz, ${o.outcome}, ${o.error})
        )
        UPDATE notification_deliveries
        SET status = ${o.status}, next_attempt_at = COALESCE(${o.nextAttemptAt ? iso(o.nextAttemptAt) : null}::timestamptz, next_attempt_at),
            claim_token = NULL, claimed_until = NULL, last_error = ${o.error},
            sent_at = CASE WHEN ${o.status} = 'sent' THEN ${iso(o.finishedAt)}::timestamptz ELSE sent_at END
        WHERE id = ${deliveryId} AND claim_token = ${token}::uuid
        RETURNING id`),
    );
    return rows.length > 0;
  }

  /** A person's latest notifications with their deliveries, newest first. */
  async own(staffId: string, limit: number): Promise<OwnNotification[]> {
    const list = await this.db
      .select({ id: notifications.id, kind: notifications.kind, createdAt: notifications.createdAt, muted: notifications.muted })
      .from(notifications)
      .where(eq(notifications.recipientId, staffId))
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(limit);
    if (list.length === 0) return [];
    const deliveries = await this.db
      .select()
      .from(notificationDeliveries)
      .where(
        inArray(
          notificationDeliveries.notificationId,
          list.map((n) => n.id),
        ),
      )
      .orderBy(asc(notificationDeliveries.channel));
    return list.map((n) => ({
      ...n,
      deliveries: deliveries
        .filter((d) => d.notificationId === n.id)
        .map((d) => ({ channel: d.channel, status: d.status, attempts: d.attempts, sentAt: d.sentAt, lastError: d.lastError })),
    }));
  }

  /** Deletes notifications made before `before`, with their deliveries and attempts; how many. */
  async purgeBefore(before: Date): Promise<number> {
    const rows = await this.db
      .delete(notifications)
      .where(sql`${notifications.createdAt} < ${iso(before)}::timestamptz`)
      .returning({ id: notifications.id });
    return rows.length;
  }

  async rotaMembers(): Promise<RotaMember[]> {
    return (await this.notifiable()).map(({ id, displayName, role }) => ({ id, displayName, role }));
  }
}
