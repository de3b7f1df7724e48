import { sql } from 'drizzle-orm';
import { date, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Release } from '../domain/statistics.ts';

/** Drizzle tables of migrations 0004 (statistics) and 0006 (monthly counts), beside schema.ts. */

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const mediaReports = pgTable('media_reports', {
  id: uuid('id').primaryKey(),
  incidentId: uuid('incident_id').notNull().unique(),
  /** Always 'media': with incident_id, the key that ties the row to a newspaper incident record. */
  incidentSource: text('incident_source').$type<'media'>().notNull().default('media'),
  newspaper: text('newspaper').notNull(),
  publishedOn: date('published_on', { mode: 'string' }).notNull(),
  headline: text('headline').notNull(),
  url: text('url'),
  rowKey: text('row_key').notNull().unique(),
  createdBy: uuid('created_by'),
  createdAt: timestamptz('created_at')
    .notNull()
    .default(sql`now()`),
});

export const statisticsReleases = pgTable('statistics_releases', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  periodFrom: date('period_from', { mode: 'string' }).notNull(),
  periodTo: date('period_to', { mode: 'string' }).notNull(),
  k: integer('k').notNull(),
  createdBy: uuid('created_by'),
  createdByLabel: text('created_by_label').notNull(),
  createdAt: timestamptz('created_at')
    .notNull()
    .default(sql`now()`),
  /** The release as published, withheld cells already removed. */
  tables: jsonb('tables').$type<Release>().notNull(),
});

/** Incident records counted ahead of time, per month, source, province and dimension (see migration 0006). */
export const incidentMonthlyCounts = pgTable('incident_monthly_counts', {
  month: date('month', { mode: 'string' }).notNull(),
  source: text('source').notNull(),
  province: text('province').notNull(),
  dimension: text('dimension').notNull(),
  /** NULL only for records without a district. */
  value: text('value'),
  n: integer('n').notNull(),
});

/** Months whose monthly counts are out of date, marked by a trigger on incident_records. */
export const incidentCountsStale = pgTable('incident_counts_stale', {
  month: date('month', { mode: 'string' }).primaryKey(),
});
