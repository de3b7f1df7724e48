import { sql } from 'drizzle-orm';
import { date, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Drizzle tables of migration 0004 (statistics), beside schema.ts. */

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const mediaReports = pgTable('media_reports', {
  id: uuid('id').primaryKey(),
  incidentId: uuid('incident_id').notNull().unique(),
  newspaper: text('newspaper').notNull(),
  publishedOn: date('published_on', { mode: 'string' }).notNull(),
  headline: text('headline').notNull(),
  url: text('url'),
  rowKey: text('row_key').notNull().unique(),
  createdBy: uuid('created_by'),
  createdAt: timestamptz('created_at').notNull().default(sql`now()`),
});

export const statisticsReleases = pgTable('statistics_releases', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  periodFrom: date('period_from', { mode: 'string' }).notNull(),
  periodTo: date('period_to', { mode: 'string' }).notNull(),
  k: integer('k').notNull(),
  createdBy: uuid('created_by'),
  createdByLabel: text('created_by_label').notNull(),
  createdAt: timestamptz('created_at').notNull().default(sql`now()`),
  tables: jsonb('tables').notNull(),
});
