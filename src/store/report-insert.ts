import { statementSql, type Database, type NamedStatement, type Tx } from './database.ts';

/** What one submission writes, already encrypted and hashed by the service. */
export interface NewReport {
  id: string;
  incidentId: string;
  /** With an Idempotency-Key: its keyed hash, the request's hash and the encrypted receipt to replay. */
  idempotency: { keyHash: Buffer; requestHash: Buffer; receipt: Buffer } | null;
  /** A report without proof of work: the budget row to count it in, and the window's rows and limit (services/throttle.ts). */
  budget: { row: string; rows: readonly string[]; windowStart: Date; limit: number } | null;
  receiptHash: Buffer;
  kind: string;
  language: string;
  occurredOn: string | null;
  occurredPrecision: string;
  province: string;
  /** As typed; stored as the list's English name when it is on the district list in either language. */
  district: string | null;
  area: string;
  childAgeBand: string;
  childSex: string;
  abuserRelationship: string;
  place: string;
  inDangerNow: boolean | null;
  policeStatus: string;
  reporterRelationship: string;
  contactConsent: boolean;
  sensitive: Buffer;
  contact: Buffer | null;
  source: 'portal' | 'api' | 'staff';
  filedBy: string | null;
  urls: { position: number; urlHash: Buffer; url: Buffer }[];
}

/** What became of a submission: stored; refused, the budget of reports without proof of work being spent; or its Idempotency-Key already used. */
export type InsertOutcome = 'stored' | 'over_budget' | 'already_claimed';

/**
 * The whole submission in one statement: the budget count, the idempotency claim, the case, the
 * report, the anonymous incident record and the links. One statement is atomic without BEGIN and
 * COMMIT, so a submission is one round trip to the database. Foreign keys between the parts are
 * checked at the end of the statement. Over budget, only the count is written (as a refused
 * attempt counts). With an Idempotency-Key that another submission already claimed, nothing else
 * is written (a concurrent claim waits here for the other's commit). Only PostgreSQL 15 features.
 */
const insertReportStatement: NamedStatement = {
  name: 'hifazat_insert_report',
  text: `
WITH counted AS (
  INSERT INTO throttle_counters (bucket, window_start, hits)
  SELECT $27::text, $28::timestamptz, 1 WHERE $27::text IS NOT NULL
  ON CONFLICT (bucket, window_start) DO UPDATE SET hits = throttle_counters.hits + 1
  RETURNING hits
), within_budget AS (
  SELECT 1 WHERE $27::text IS NULL OR (SELECT hits FROM counted) + (
    SELECT coalesce(sum(hits), 0) FROM throttle_counters
    WHERE bucket = ANY (string_to_array($29::text, ' ')) AND bucket <> $27::text AND window_start = $28::timestamptz
  ) <= $30::int
), claim AS (
  INSERT INTO idempotency_keys (key_hash, request_hash, report_id, receipt)
  SELECT $1::bytea, $2::bytea, $3::uuid, $4::bytea FROM within_budget WHERE $1::bytea IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING report_id
), admitted AS (
  SELECT 1 FROM within_budget WHERE $1::bytea IS NULL OR EXISTS (SELECT 1 FROM claim)
), district AS (
  SELECT coalesce(
    (SELECT name_en FROM districts
     WHERE $11::text IS NOT NULL AND (name_en_lower = lower($11::text) OR name_ur = $11::text)
     ORDER BY name_en LIMIT 1),
    $11::text
  ) AS name
), new_case AS (
  INSERT INTO cases (id, reference)
  SELECT $3::uuid, 'HZ-' || to_char(now() AT TIME ZONE 'Asia/Karachi', 'YYYY') || '-' || lpad(nextval('case_reference_seq')::text, 6, '0')
  FROM admitted
  RETURNING id
), new_report AS (
  INSERT INTO reports (
    id, case_id, receipt_hash, kind, language, occurred_on, occurred_precision, province, district, area,
    child_age_band, child_sex, abuser_relationship, place, in_danger_now, police_status, reporter_relationship,
    contact_consent, sensitive, contact, source, filed_by, filing_consent
  )
  SELECT new_case.id, new_case.id, $5::bytea, $6::text, $7::text, $8::date, $9::text, $10::text, district.name, $12::text,
         $13::text, $14::text, $15::text, $16::text, $17::boolean, $18::text, $19::text,
         $20::boolean, $21::bytea, $22::bytea, $23::text, $24::uuid, CASE WHEN $24::uuid IS NULL THEN NULL ELSE true END
  FROM new_case, district
  RETURNING id
), incident AS (
  INSERT INTO incident_records (
    id, case_id, source, occurred_on, reported_on, province, district, area, victim_sex, age_band,
    abuser_relationship, place, police_status
  )
  SELECT $25::uuid, new_case.id, 'hotline', $8::date, (now() AT TIME ZONE 'Asia/Karachi')::date, $10::text, district.name, $12::text,
         $14::text, $13::text, $15::text, $16::text, $18::text
  FROM new_case, district
), links AS (
  INSERT INTO report_urls (report_id, position, url_hash, url)
  SELECT new_report.id, link.position, decode(link.url_hash, 'base64'), decode(link.url, 'base64')
  FROM new_report, jsonb_to_recordset($26::jsonb) AS link(position smallint, url_hash text, url text)
)
SELECT (SELECT count(*) FROM new_report)::int AS stored, EXISTS (SELECT 1 FROM within_budget) AS within_budget`,
};

/** Writes a submission. Inside a transaction (`tx`) it runs with the transaction's other work. */
export async function insertReport(database: Database, report: NewReport, tx?: Tx): Promise<InsertOutcome> {
  const params = [
    report.idempotency?.keyHash ?? null,
    report.idempotency?.requestHash ?? null,
    report.id,
    report.idempotency?.receipt ?? null,
    report.receiptHash,
    report.kind,
    report.language,
    report.occurredOn,
    report.occurredPrecision,
    report.province,
    report.district,
    report.area,
    report.childAgeBand,
    report.childSex,
    report.abuserRelationship,
    report.place,
    report.inDangerNow,
    report.policeStatus,
    report.reporterRelationship,
    report.contactConsent,
    report.sensitive,
    report.contact,
    report.source,
    report.filedBy,
    report.incidentId,
    JSON.stringify(
      report.urls.map((u) => ({ position: u.position, url_hash: u.urlHash.toString('base64'), url: u.url.toString('base64') })),
    ),
    report.budget?.row ?? null,
    report.budget?.windowStart ?? null,
    // Bucket names have no spaces; one text parameter keeps arrays out of the drivers' hands.
    report.budget?.rows.join(' ') ?? null,
    report.budget?.limit ?? null,
  ];
  type Row = { stored: number; within_budget: boolean };
  const [row] = tx
    ? ((await tx.execute(statementSql(insertReportStatement, params))) as unknown as { rows: Row[] }).rows
    : await database.run<Row>(insertReportStatement, params);
  if (!row?.within_budget) return 'over_budget';
  return row.stored === 1 ? 'stored' : 'already_claimed';
}
