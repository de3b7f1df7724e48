import { sql } from 'drizzle-orm';
import {
  bigint, boolean, customType, date, integer, pgTable, primaryKey, smallint, text, timestamp, uuid,
} from 'drizzle-orm/pg-core';

/**
 * bytea comes back as Uint8Array from PGlite and as Buffer from pg; callers always get a Buffer.
 */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) =>
    Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  toDriver: (value) => value,
});

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`);

export const reports = pgTable('reports', {
  id: uuid('id').primaryKey(),
  receiptHash: bytea('receipt_hash').notNull().unique(),
  kind: text('kind').notNull(),
  language: text('language').notNull(),
  status: text('status').notNull().default('received'),
  occurredOn: date('occurred_on', { mode: 'string' }),
  occurredPrecision: text('occurred_precision').notNull().default('day'),
  province: text('province').notNull(),
  district: text('district'),
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
  source: text('source').notNull().default('portal'),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
});

export const reportUrls = pgTable(
  'report_urls',
  {
    reportId: uuid('report_id').notNull().references(() => reports.id, { onDelete: 'cascade' }),
    position: smallint('position').notNull(),
    urlHash: bytea('url_hash').notNull(),
    url: bytea('url').notNull(),
  },
  (t) => [primaryKey({ columns: [t.reportId, t.position] })],
);

export const reportMessages = pgTable('report_messages', {
  // int8 is a number in PGlite and a string in pg; mode 'number' gives a number from both.
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  reportId: uuid('report_id').notNull().references(() => reports.id, { onDelete: 'cascade' }),
  author: text('author').notNull(),
  body: bytea('body').notNull(),
  createdAt: createdAt(),
});

export const idempotencyKeys = pgTable('idempotency_keys', {
  keyHash: bytea('key_hash').primaryKey(),
  requestHash: bytea('request_hash').notNull(),
  reportId: uuid('report_id').notNull().references(() => reports.id, { onDelete: 'cascade' }),
  receipt: bytea('receipt').notNull(),
  createdAt: createdAt(),
});

export const throttleCounters = pgTable(
  'throttle_counters',
  {
    bucket: text('bucket').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true, mode: 'date' }).notNull(),
    hits: integer('hits').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] })],
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
  },
  (t) => [primaryKey({ columns: [t.province, t.nameEn] })],
);
