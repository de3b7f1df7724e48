import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  date,
  foreignKey,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { CaseState, ClosureReason } from '../domain/case.ts';
import type { ContactDecision, ContactPurpose, CourtChecklistItem } from '../domain/case-handover.ts';
import type {
  AgencyKind,
  Category,
  ClassificationTag,
  FirStatus,
  LegalBasis,
  ReferralMethod,
  VictimAgeBand,
  VictimSex,
} from '../domain/classification.ts';
import type { DatePrecision, FilingChannel, Language, MessageAuthor, ReportKind, ReportSource } from '../domain/report.ts';
import type { ApiKeyScope, MatchVerdict, SignalType } from '../domain/signals.ts';
import type { StaffRole, StaffStatus } from '../domain/staff.ts';
import type { IncidentSource } from '../domain/statistics.ts';
import type {
  DeliveryStatus,
  MutableNotificationKind,
  NotificationChannel,
  NotificationKind,
  AttemptOutcome,
} from '../domain/notifications.ts';

/**
 * bytea comes back as Uint8Array from PGlite and as Buffer from pg; callers always get a Buffer.
 */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
  toDriver: (value) => value,
});

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () =>
  timestamptz('created_at')
    .notNull()
    .default(sql`now()`);

export const reports = pgTable('reports', {
  id: uuid('id').primaryKey(),
  receiptHash: bytea('receipt_hash').notNull().unique(),
  caseId: uuid('case_id').notNull(),
  kind: text('kind').$type<ReportKind>().notNull(),
  language: text('language').$type<Language>().notNull(),
  occurredOn: date('occurred_on', { mode: 'string' }),
  occurredPrecision: text('occurred_precision').$type<DatePrecision>().notNull().default('day'),
  province: text('province').notNull(),
  /** The district list's English name, or NULL: none given, or one not on the list (then in districtTyped). */
  district: text('district'),
  /** A district not on the list, as typed, encrypted (migration 0010). */
  districtTyped: bytea('district_typed'),
  area: text('area').notNull(),
  childAgeBand: text('child_age_band').notNull(),
  childSex: text('child_sex').notNull(),
  abuserRelationship: text('abuser_relationship').notNull(),
  place: text('place').notNull(),
  inDangerNow: boolean('in_danger_now'),
  policeStatus: text('police_status').notNull(),
  reporterRelationship: text('reporter_relationship').notNull(),
  contactConsent: boolean('contact_consent').notNull().default(false),
  sensitive: bytea('sensitive').notNull(),
  contact: bytea('contact'),
  source: text('source').$type<ReportSource>().notNull().default('portal'),
  filedBy: uuid('filed_by'),
  filingConsent: boolean('filing_consent'),
  /** How the caller reached the staff who filed it; null for reports not filed by staff (migration 0016). */
  filingChannel: text('filing_channel').$type<FilingChannel>(),
  /** The continuation token's SHA-256 and expiry, while it may still add details (migration 0014). */
  detailsTokenHash: bytea('details_token_hash'),
  detailsTokenExpiresAt: timestamptz('details_token_expires_at'),
  /** When the reporter added details after the receipt; null: never. */
  detailsAddedAt: timestamptz('details_added_at'),
  /** When a member of staff first opened its content in the console; null: nobody yet (migration 0013). */
  firstReadAt: timestamptz('first_read_at'),
  createdAt: createdAt(),
  updatedAt: timestamptz('updated_at')
    .notNull()
    .default(sql`now()`),
});

/** What a report says about the incident, kept in clear for triage and statistics. */
export type ReportFacts = Pick<
  typeof reports.$inferSelect,
  | 'kind'
  | 'language'
  | 'occurredOn'
  | 'occurredPrecision'
  | 'province'
  | 'district'
  | 'area'
  | 'childAgeBand'
  | 'childSex'
  | 'abuserRelationship'
  | 'place'
  | 'inDangerNow'
  | 'policeStatus'
  | 'reporterRelationship'
>;

export const reportUrls = pgTable(
  'report_urls',
  {
    reportId: uuid('report_id')
      .notNull()
      .references(() => reports.id, { onDelete: 'cascade' }),
    position: smallint('position').notNull(),
    urlHash: bytea('url_hash').notNull(),
    url: bytea('url').notNull(),
  },
  (t) => [primaryKey({ columns: [t.reportId, t.position] })],
);

/** Typed districts stored before migration 0010, until the first start with the data key encrypts them. */
export const reportDistrictsToSeal = pgTable('report_districts_to_seal', {
  reportId: uuid('report_id')
    .primaryKey()
    .references(() => reports.id, { onDelete: 'cascade' }),
  typed: text('typed').notNull(),
});

export const reportMessages = pgTable('report_messages', {
  // int8 is a number in PGlite and a string in pg; mode 'number' gives a number from both.
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  reportId: uuid('report_id')
    .notNull()
    .references(() => reports.id, { onDelete: 'cascade' }),
  author: text('author').$type<MessageAuthor>().notNull(),
  staffId: uuid('staff_id'),
  body: bytea('body').notNull(),
  createdAt: createdAt(),
  /** A staff message: when the follow-up page or API first showed it to the reporter; null: not yet (migration 0013). */
  seenByReporterAt: timestamptz('seen_by_reporter_at'),
});

export const idempotencyKeys = pgTable('idempotency_keys', {
  keyHash: bytea('key_hash').primaryKey(),
  requestHash: bytea('request_hash').notNull(),
  reportId: uuid('report_id')
    .notNull()
    .references(() => reports.id, { onDelete: 'cascade' }),
  receipt: bytea('receipt').notNull(),
  createdAt: createdAt(),
});

/** Per-client throttles (migration 0008; written through store/client-throttles.ts). */
export const clientThrottles = pgTable(
  'client_throttles',
  {
    scope: text('scope').notNull(),
    subject: bytea('subject').notNull(),
    windowStart: timestamptz('window_start').notNull(),
    hits: integer('hits').notNull(),
    notBefore: timestamptz('not_before').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.subject, t.windowStart] })],
);

export const spentChallenges = pgTable('spent_challenges', {
  signatureHash: bytea('signature_hash').primaryKey(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export const districts = pgTable(
  'districts',
  {
    province: text('province').notNull(),
    nameEn: text('name_en').notNull(),
    nameUr: text('name_ur').notNull(),
    /** For matching a typed district whatever its case (migration 0007). */
    nameEnLower: text('name_en_lower').generatedAlwaysAs(sql`lower(name_en)`),
  },
  (t) => [primaryKey({ columns: [t.province, t.nameEn] })],
);

export const staffUsers = pgTable('staff_users', {
  id: uuid('id').primaryKey(),
  email: text('email').notNull().unique(),
  displayName: text('display_name').notNull(),
  role: text('role').$type<StaffRole>().notNull(),
  status: text('status').$type<StaffStatus>().notNull().default('invited'),
  passwordHash: text('password_hash'),
  totpSecret: bytea('totp_secret'),
  totpLastStep: bigint('totp_last_step', { mode: 'number' }).notNull().default(0),
  enrolmentTokenHash: bytea('enrolment_token_hash'),
  enrolmentExpiresAt: timestamptz('enrolment_expires_at'),
  language: text('language').$type<Language>().notNull().default('en'),
  createdAt: createdAt(),
  updatedAt: timestamptz('updated_at')
    .notNull()
    .default(sql`now()`),
});

export const staffRecoveryCodes = pgTable(
  'staff_recovery_codes',
  {
    userId: uuid('user_id').notNull(),
    codeHash: bytea('code_hash').notNull(),
    usedAt: timestamptz('used_at'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeHash] })],
);

export const staffSessions = pgTable('staff_sessions', {
  idHash: bytea('id_hash').primaryKey(),
  userId: uuid('user_id').notNull(),
  createdAt: createdAt(),
  lastSeenAt: timestamptz('last_seen_at')
    .notNull()
    .default(sql`now()`),
  expiresAt: timestamptz('expires_at').notNull(),
  /** When the password and second factor were last given again in this session (migration 0012). */
  reauthenticatedAt: timestamptz('reauthenticated_at'),
});

export const auditLog = pgTable('audit_log', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  at: timestamptz('at')
    .notNull()
    .default(sql`now()`),
  actorId: uuid('actor_id'),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  objectType: text('object_type'),
  objectId: text('object_id'),
  details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  prevHash: bytea('prev_hash').notNull(),
  hash: bytea('hash').notNull(),
});

export const cases = pgTable('cases', {
  id: uuid('id').primaryKey(),
  reference: text('reference').notNull().unique(),
  state: text('state').$type<CaseState>().notNull().default('new'),
  closureReason: text('closure_reason').$type<ClosureReason>(),
  closureRequestedBy: uuid('closure_requested_by'),
  closureRequestedAt: timestamptz('closure_requested_at'),
  closureApprovedBy: uuid('closure_approved_by'),
  mergedInto: uuid('merged_into'),
  assignedTo: uuid('assigned_to'),
  unreadReporterMessages: integer('unread_reporter_messages').notNull().default(0),
  createdAt: createdAt(),
  updatedAt: timestamptz('updated_at')
    .notNull()
    .default(sql`now()`),
  closedAt: timestamptz('closed_at'),
  /** When a message from the reporter last reopened the closed case; null: never (migration 0013). */
  reopenedAt: timestamptz('reopened_at'),
  /** ZARRA 2020 (migration 0018, domain/zarra.ts): when 1099 was notified, its alert reference; null: not recorded. */
  zarra1099NotifiedAt: timestamptz('zarra_1099_notified_at'),
  zarra1099Reference: text('zarra_1099_reference'),
  /** ZARRA 2020: when the FIR was registered, its number; null: not recorded. */
  zarraFirRegisteredAt: timestamptz('zarra_fir_registered_at'),
  zarraFirNumber: text('zarra_fir_number'),
  /**
   * What the case's place in the queue is computed from (caseUrgency of its reports, whether one is
   * classified, their and their links' categories), written only by the triggers of migration 0020;
   * null for a case without reports. Read by store/case-queue.ts.
   */
  queueInDanger: boolean('queue_in_danger'),
  queueAgeRank: smallint('queue_age_rank'),
  queueReceivedAt: timestamptz('queue_received_at'),
  queueClassified: boolean('queue_classified'),
  queueCategories: text('queue_categories').array(),
  /** Its reports' first classification: when it was triaged (the supervisor's dashboard). */
  queueTriagedAt: timestamptz('queue_triaged_at'),
  /** The province of the report it was opened with (the dashboard's figures by province). */
  queueProvince: text('queue_province'),
});

const classificationColumns = () => ({
  category: text('category').$type<Category>().notNull(),
  legalBases: text('legal_bases')
    .array()
    .$type<LegalBasis[]>()
    .notNull()
    .default(sql`'{}'`),
  interpolBaseline: boolean('interpol_baseline'),
  tags: text('tags')
    .array()
    .$type<ClassificationTag[]>()
    .notNull()
    .default(sql`'{}'`),
  victimAgeBand: text('victim_age_band').$type<VictimAgeBand>().notNull().default('unknown'),
  victimSex: text('victim_sex').$type<VictimSex>().notNull().default('unknown'),
  materialViewed: boolean('material_viewed'),
  viewedBy: text('viewed_by'),
  classifiedBy: uuid('classified_by').notNull(),
  classifiedAt: timestamptz('classified_at')
    .notNull()
    .default(sql`now()`),
});

export const reportClassifications = pgTable('report_classifications', {
  reportId: uuid('report_id').primaryKey(),
  ...classificationColumns(),
});

export const reportUrlClassifications = pgTable(
  'report_url_classifications',
  {
    reportId: uuid('report_id').notNull(),
    position: smallint('position').notNull(),
    ...classificationColumns(),
  },
  (t) => [
    primaryKey({ columns: [t.reportId, t.position] }),
    foreignKey({ columns: [t.reportId, t.position], foreignColumns: [reportUrls.reportId, reportUrls.position] }),
  ],
);

export const caseNotes = pgTable('case_notes', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  caseId: uuid('case_id').notNull(),
  authorId: uuid('author_id').notNull(),
  body: bytea('body').notNull(),
  createdAt: createdAt(),
});

export const caseTasks = pgTable('case_tasks', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  caseId: uuid('case_id').notNull(),
  title: text('title').notNull(),
  dueOn: date('due_on', { mode: 'string' }).notNull(),
  assignedTo: uuid('assigned_to'),
  createdBy: uuid('created_by').notNull(),
  doneAt: timestamptz('done_at'),
  createdAt: createdAt(),
});

/** Requests to include the reporter's contact details in a case's exported bundle, and their decisions (migration 0019). */
export const caseContactRequests = pgTable('case_contact_requests', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  caseId: uuid('case_id').notNull(),
  purpose: text('purpose').$type<ContactPurpose>().notNull(),
  requestedBy: uuid('requested_by').notNull(),
  requestedAt: timestamptz('requested_at')
    .notNull()
    .default(sql`now()`),
  decision: text('decision').$type<ContactDecision>(),
  decidedBy: uuid('decided_by'),
  decidedAt: timestamptz('decided_at'),
  usedAt: timestamptz('used_at'),
});

/** A case's court-preparation checklist, one row per item recorded; the note encrypted (migration 0019). */
export const caseCourtChecklist = pgTable('case_court_checklist', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  caseId: uuid('case_id').notNull(),
  item: text('item').$type<CourtChecklistItem>().notNull(),
  done: boolean('done').notNull(),
  note: bytea('note'),
  updatedBy: uuid('updated_by').notNull(),
  updatedAt: timestamptz('updated_at')
    .notNull()
    .default(sql`now()`),
});

export const agencies = pgTable('agencies', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique(),
  kind: text('kind').$type<AgencyKind>().notNull(),
  contact: text('contact'),
  active: boolean('active').notNull().default(true),
  /** The Urdu console's name (migration 0018); null: none given, the English one is shown. */
  nameUr: text('name_ur'),
  /** Days to a new referral's follow-up; null: the kind's default (domain/referral-follow-up.ts). */
  followUpDays: smallint('follow_up_days'),
});

export const referrals = pgTable('referrals', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  caseId: uuid('case_id').notNull(),
  agencyId: uuid('agency_id').notNull(),
  referredAt: timestamptz('referred_at').notNull(),
  method: text('method').$type<ReferralMethod>().notNull(),
  agencyReference: text('agency_reference'),
  firStatus: text('fir_status').$type<FirStatus>().notNull(),
  followUpOn: date('follow_up_on', { mode: 'string' }),
  notes: bytea('notes'),
  createdBy: uuid('created_by').notNull(),
  createdAt: createdAt(),
});

export const incidentRecords = pgTable('incident_records', {
  id: uuid('id').primaryKey(),
  caseId: uuid('case_id').unique(),
  source: text('source').$type<IncidentSource>().notNull(),
  category: text('category').notNull().default('other'),
  occurredOn: date('occurred_on', { mode: 'string' }),
  reportedOn: date('reported_on', { mode: 'string' }).notNull(),
  province: text('province').notNull().default('unknown'),
  district: text('district'),
  area: text('area').notNull().default('unknown'),
  victimSex: text('victim_sex').notNull().default('unknown'),
  ageBand: text('age_band').notNull().default('unknown'),
  abuserRelationship: text('abuser_relationship').notNull().default('unknown'),
  place: text('place').notNull().default('unknown'),
  policeStatus: text('police_status').notNull().default('unknown'),
  updatedAt: timestamptz('updated_at')
    .notNull()
    .default(sql`now()`),
});

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamptz('updated_at')
    .notNull()
    .default(sql`now()`),
});

export const hashBanks = pgTable('hash_banks', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description'),
  createdAt: createdAt(),
});

export const hashBankEntries = pgTable('hash_bank_entries', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  bankId: uuid('bank_id').notNull(),
  signalType: text('signal_type').$type<SignalType>().notNull(),
  signal: text('signal').notNull(),
  quality: smallint('quality'),
  label: text('label'),
  source: text('source'),
  addedAt: timestamptz('added_at')
    .notNull()
    .default(sql`now()`),
  disabledAt: timestamptz('disabled_at'),
  disabledReason: text('disabled_reason'),
  changedAt: timestamptz('changed_at')
    .notNull()
    .default(sql`clock_timestamp()`),
});

export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  keyHash: bytea('key_hash').notNull().unique(),
  scopes: text('scopes').array().$type<ApiKeyScope[]>().notNull(),
  createdAt: createdAt(),
  revokedAt: timestamptz('revoked_at'),
  expiresAt: timestamptz('expires_at'),
  lastUsedAt: timestamptz('last_used_at'),
});

export const apiKeyBanks = pgTable(
  'api_key_banks',
  {
    apiKeyId: uuid('api_key_id').notNull(),
    bankId: uuid('bank_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.bankId] })],
);

export const matchFeedback = pgTable('match_feedback', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  entryId: integer('entry_id').notNull(),
  apiKeyId: uuid('api_key_id'),
  verdict: text('verdict').$type<MatchVerdict>().notNull(),
  confirmed: boolean('confirmed').notNull().default(false),
  createdAt: createdAt(),
});

/** Entries hidden from one key's matches by its own confirmed false positive (0009). */
export const apiKeyHiddenEntries = pgTable(
  'api_key_hidden_entries',
  {
    apiKeyId: uuid('api_key_id').notNull(),
    entryId: integer('entry_id').notNull(),
    hiddenAt: timestamptz('hidden_at')
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.entryId] })],
);

/** The on-duty rota: a person's shifts in Pakistan time (0017, domain/notifications.ts). */
export const staffDutyShifts = pgTable('staff_duty_shifts', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  staffId: uuid('staff_id').notNull(),
  weekday: smallint('weekday').notNull(),
  startMinute: smallint('start_minute').notNull(),
  endMinute: smallint('end_minute').notNull(),
  createdBy: uuid('created_by').notNull(),
  createdAt: createdAt(),
});

/** The non-urgent kinds a person muted for themselves (0017). */
export const notificationMutes = pgTable(
  'notification_mutes',
  {
    staffId: uuid('staff_id').notNull(),
    kind: text('kind').$type<MutableNotificationKind>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.staffId, t.kind] })],
);

/** One notification per event and recipient (0017); no content, only its kind and case. */
export const notifications = pgTable('notifications', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  dedupeKey: text('dedupe_key').notNull().unique(),
  kind: text('kind').$type<NotificationKind>().notNull(),
  recipientId: uuid('recipient_id').notNull(),
  caseId: uuid('case_id'),
  muted: boolean('muted').notNull().default(false),
  createdAt: createdAt(),
});

/** A notification's delivery by one channel, claimed under a lease and retried with backoff (0017). */
export const notificationDeliveries = pgTable('notification_deliveries', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  notificationId: bigint('notification_id', { mode: 'number' }).notNull(),
  channel: text('channel').$type<NotificationChannel>().notNull(),
  status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: timestamptz('next_attempt_at')
    .notNull()
    .default(sql`now()`),
  claimToken: uuid('claim_token'),
  claimedUntil: timestamptz('claimed_until'),
  sentAt: timestamptz('sent_at'),
  lastError: text('last_error'),
});

/** Every attempt of a delivery and its outcome (0017). */
export const notificationAttempts = pgTable('notification_attempts', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  deliveryId: bigint('delivery_id', { mode: 'number' }).notNull(),
  startedAt: timestamptz('started_at').notNull(),
  finishedAt: timestamptz('finished_at').notNull(),
  outcome: text('outcome').$type<AttemptOutcome>().notNull(),
  error: text('error'),
});
