import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { caseStates, closureReasons } from '../../src/domain/case.ts';
import { contactDecisions, contactPurposes, courtChecklistItems } from '../../src/domain/case-handover.ts';
import { agencyKinds, firStatuses, referralMethods } from '../../src/domain/classification.ts';
import { datePrecisions, filingChannels, languages, messageAuthors, reportKinds, reportSources } from '../../src/domain/report.ts';
import { apiKeyScopes, matchVerdicts, signalTypes } from '../../src/domain/signals.ts';
import { staffRoles, staffStatuses } from '../../src/domain/staff.ts';
import { incidentSources } from '../../src/domain/statistics.ts';
import {
  attemptOutcomes,
  deliveryStatuses,
  mutableNotificationKinds,
  notificationChannels,
  notificationKinds,
} from '../../src/domain/notifications.ts';
import { monthlyCountsLocks } from '../../src/store/advisory-locks.ts';
import type { Database } from '../../src/store/database.ts';
import * as schema from '../../src/store/schema.ts';
import {
  agencies,
  apiKeys,
  caseContactRequests,
  caseCourtChecklist,
  cases,
  hashBankEntries,
  incidentRecords,
  matchFeedback,
  notificationAttempts,
  notificationDeliveries,
  notificationMutes,
  notifications,
  referrals,
  reportMessages,
  reports,
  staffUsers,
} from '../../src/store/schema.ts';
import * as statisticsSchema from '../../src/store/statistics-schema.ts';
import { mediaReports } from '../../src/store/statistics-schema.ts';
import { forEachEngine, testDatabase } from '../helpers/database.ts';

/**
 * The Drizzle tables (store/schema.ts, store/statistics-schema.ts) against what the migrations
 * made: every table and column with its type and nullability, and every CHECK (column IN (…)) list
 * against the domain array the column is typed with. A column added in SQL only, or a value added
 * to a CHECK list and not to the domain (or the other way round), fails here.
 */

type Element<T> = T extends readonly (infer E)[] ? E : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

interface DomainCheck {
  column: string;
  values: readonly string[];
}

/**
 * A column and the domain array its CHECK list must equal. It compiles only when the Drizzle column
 * is typed with exactly that array's values, so the database, the domain and the types agree.
 */
function typedBy<C extends AnyPgColumn, const V extends readonly string[]>(
  column: C,
  values: Same<Element<NonNullable<C['_']['data']>>, V[number]> extends true ? V : never,
): DomainCheck {
  return { column: `${getTableConfig(column.table).name}.${column.name}`, values };
}

/** Every column whose values the database checks against a list, and the domain array it must equal. */
const domainChecks: DomainCheck[] = [
  typedBy(reports.kind, reportKinds),
  typedBy(reports.language, languages),
  typedBy(reports.occurredPrecision, datePrecisions),
  typedBy(reports.source, reportSources),
  typedBy(reports.filingChannel, filingChannels),
  typedBy(reportMessages.author, messageAuthors),
  typedBy(staffUsers.role, staffRoles),
  typedBy(staffUsers.status, staffStatuses),
  typedBy(staffUsers.language, languages),
  typedBy(cases.state, caseStates),
  typedBy(cases.closureReason, closureReasons),
  typedBy(agencies.kind, agencyKinds),
  typedBy(referrals.method, referralMethods),
  typedBy(referrals.firStatus, firStatuses),
  typedBy(caseContactRequests.purpose, contactPurposes),
  typedBy(caseContactRequests.decision, contactDecisions),
  typedBy(caseCourtChecklist.item, courtChecklistItems),
  typedBy(incidentRecords.source, incidentSources),
  typedBy(hashBankEntries.signalType, signalTypes),
  typedBy(matchFeedback.verdict, matchVerdicts),
  typedBy(apiKeys.scopes, apiKeyScopes),
  typedBy(mediaReports.incidentSource, ['media']),
  typedBy(notificationMutes.kind, mutableNotificationKinds),
  typedBy(notifications.kind, notificationKinds),
  typedBy(notificationDeliveries.channel, notificationChannels),
  typedBy(notificationDeliveries.status, deliveryStatuses),
  typedBy(notificationAttempts.outcome, attemptOutcomes),
];

/** The migration runner's own bookkeeping, which no Drizzle query reads. */
const sqlOnlyTables = new Set(['schema_migrations']);

const exported: unknown[] = [...Object.values(schema), ...Object.values(statisticsSchema)];
const drizzleTables = exported.filter((value): value is PgTable => is(value, PgTable)).map((table) => getTableConfig(table));

/** The values a CHECK constraint allows a column, as PostgreSQL prints it: IN (…), = …, or an array's <@ ARRAY[…]. */
function checkedValues(definition: string): { column: string; values: string[] } | undefined {
  const match =
    /\((\w+) = ANY \(\(?ARRAY\[([^\]]*)\]/.exec(definition) ??
    /\((\w+) <@ \(?ARRAY\[([^\]]*)\]/.exec(definition) ??
    /^CHECK \(\((\w+) = ('[^']*'::text)\)\)$/.exec(definition);
  if (!match) return undefined;
  return { column: match[1]!, values: [...match[2]!.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!) };
}

const listed = (values: readonly string[]) => `[${[...values].sort().join(', ')}]`;

/** What differs between the database and the Drizzle tables and domain arrays, one line each; empty when they agree. */
async function schemaDifferences(database: Database): Promise<string[]> {
  const { columns, checks } = await database.rawTransaction(async (raw) => ({
    columns: await raw.query<{ table: string; column: string; type: string; nullable: boolean }>(
      `SELECT c.table_name AS table, c.column_name AS column, format_type(a.atttypid, a.atttypmod) AS type,
              c.is_nullable = 'YES' AS nullable
       FROM information_schema.columns c
       JOIN pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND a.attname = c.column_name
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
       WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'`,
    ),
    checks: await raw.query<{ table: string; definition: string }>(
      `SELECT rel.relname AS table, pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con
       JOIN pg_class rel ON rel.oid = con.conrelid
       JOIN pg_namespace ns ON ns.oid = rel.relnamespace
       WHERE con.contype = 'c' AND ns.nspname = 'public'`,
    ),
  }));
  const differences: string[] = [];

  const inDatabase = new Map<string, Map<string, { type: string; nullable: boolean }>>();
  for (const c of columns) {
    if (sqlOnlyTables.has(c.table)) continue;
    if (!inDatabase.has(c.table)) inDatabase.set(c.table, new Map());
    inDatabase.get(c.table)!.set(c.column, { type: c.type, nullable: c.nullable });
  }
  const inDrizzle = new Map(drizzleTables.map((t) => [t.name, new Map(t.columns.map((c) => [c.name, c]))]));
  for (const table of inDatabase.keys()) if (!inDrizzle.has(table)) differences.push(`table ${table}: in the database only`);
  for (const [table, drizzleColumns] of inDrizzle) {
    const databaseColumns = inDatabase.get(table);
    if (!databaseColumns) {
      differences.push(`table ${table}: in Drizzle only`);
      continue;
    }
    for (const name of databaseColumns.keys())
      if (!drizzleColumns.has(name)) differences.push(`column ${table}.${name}: in the database only`);
    for (const [name, column] of drizzleColumns) {
      const actual = databaseColumns.get(name);
      if (!actual) {
        differences.push(`column ${table}.${name}: in Drizzle only`);
        continue;
      }
      if (actual.type !== column.getSQLType())
        differences.push(`column ${table}.${name}: ${actual.type} in the database, ${column.getSQLType()} in Drizzle`);
      if (actual.nullable === column.notNull) {
        const says = (notNull: boolean) => (notNull ? 'NOT NULL' : 'nullable');
        differences.push(`column ${table}.${name}: ${says(!actual.nullable)} in the database, ${says(column.notNull)} in Drizzle`);
      }
    }
  }

  const expected = new Map(domainChecks.map((c) => [c.column, c.values]));
  const checked = new Set<string>();
  for (const { table, definition } of checks) {
    const list = checkedValues(definition);
    if (!list) continue;
    const column = `${table}.${list.column}`;
    checked.add(column);
    const values = expected.get(column);
    if (!values) differences.push(`check ${column}: the database allows ${listed(list.values)}, and no domain array is named for it here`);
    else if (listed(values) !== listed(list.values)) {
      differences.push(`check ${column}: the database allows ${listed(list.values)}, the domain ${listed(values)}`);
    }
  }
  for (const column of expected.keys()) if (!checked.has(column)) differences.push(`check ${column}: the database checks no list`);
  return differences.sort();
}

forEachEngine('schema', (engine) => {
  let database: Database;
  before(async () => {
    database = await testDatabase(engine);
  });
  after(() => database.close());

  test('the Drizzle tables and the domain arrays match the migrated database', async () => {
    assert.deepEqual(await schemaDifferences(database), []);
  });

  test('a column, a nullability or a value changed in SQL only is found', async () => {
    const changed = await testDatabase(engine);
    try {
      // Only the owner changes the schema (on PostgreSQL the tests' application role may not).
      await changed.asOwner((owner) =>
        owner.rawTransaction((raw) =>
          raw.exec(`
          ALTER TABLE reports ADD COLUMN added_in_sql_only text;
          ALTER TABLE case_tasks ALTER COLUMN title DROP NOT NULL;
          ALTER TABLE cases DROP CONSTRAINT cases_state_check;
          ALTER TABLE cases ADD CONSTRAINT cases_state_check CHECK (state IN ('new', 'triaged', 'in_progress', 'referred', 'closed', 'archived'));
        `),
        ),
      );
      assert.deepEqual(await schemaDifferences(changed), [
        'check cases.state: the database allows [archived, closed, in_progress, new, referred, triaged], the domain [closed, in_progress, new, referred, triaged]',
        'column case_tasks.title: nullable in the database, NOT NULL in Drizzle',
        'column reports.added_in_sql_only: in the database only',
      ]);
    } finally {
      await changed.close();
    }
  });

  test('the monthly counts’ advisory locks fall in the range store/advisory-locks.ts keeps for them', async () => {
    const [keys] = await database.rawTransaction((raw) =>
      raw.query<{ first: string; last: string }>(
        "SELECT incident_counts_lock_key('0001-01-01')::text AS first, incident_counts_lock_key('9999-12-31')::text AS last",
      ),
    );
    assert.ok(Number(keys!.first) >= monthlyCountsLocks.from && Number(keys!.last) <= monthlyCountsLocks.to, JSON.stringify(keys));
  });
});
