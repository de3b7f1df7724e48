import { pakistanTimeZone } from '../domain/pakistan-time.ts';
import { detailsWindowMinutes, type FilingChannel } from '../domain/report.ts';
import { statementSql, type Database, type NamedStatement, type Tx } from './database.ts';
import { districtNamedBy } from './districts.ts';
import type { ReportFacts } from './schema.ts';

/**
 * What one submission writes, already encrypted and hashed by the service. Its `district` is as
 * typed, and `districtTyped` is that text encrypted: the statement stores the list's English name
 * when the typed text is on the district list in either language, and otherwise only the
 * ciphertext (the clear column stays NULL). The typed text is a parameter of the statement, for
 * the look-up, and is never written.
 */
export interface NewReport extends ReportFacts {
  /** The typed district encrypted (reportContexts.district); set whenever `district` is. */
  districtTyped: Buffer | null;
  id: string;
  incidentId: string;
  /** With an Idempotency-Key: its keyed hash, the request's hash and the encrypted receipt to replay. */
  idempotency: { keyHash: Buffer; requestHash: Buffer; receipt: Buffer } | null;
  receiptHash: Buffer;
  contactConsent: boolean;
  sensitive: Buffer;
  contact: Buffer | null;
  source: 'portal' | 'api' | 'staff';
  filedBy: string | null;
  /** How the caller reached the staff who filed it; only with `filedBy`. */
  filingChannel?: FilingChannel | null | undefined;
  urls: { position: number; urlHash: Buffer; url: Buffer }[];
  /** A portal report's continuation token, hashed: it adds details for detailsWindowMinutes from the commit. */
  detailsTokenHash?: Buffer | null | undefined;
}

/**
 * What became of a submission: stored; not, because its Idempotency-Key was already used; or not,
 * because another report has its receipt (nothing was written: the caller tries another receipt).
 */
export type InsertOutcome = 'stored' | 'already_claimed' | 'receipt_taken';

/**
 * Whole submissions in one statement: the idempotency claims, the cases, the reports, the
 * anonymous incident records and the links of one or more reports. One statement is atomic
 * without BEGIN and COMMIT, so a batch is one round trip and one commit. The reports come as one
 * JSON array and their links as another (bytea as base64), so the statement is the same for any
 * number of reports and is prepared once per connection. Foreign keys between the parts are
 * checked at the end of the statement. A report whose Idempotency-Key another submission already
 * claimed writes nothing (a concurrent claim waits here for the other's commit); within one
 * batch the first with a key claims it. Returns the ids stored. Only PostgreSQL 15 features.
 */
const insertReportsStatement: NamedStatement = {
  name: 'hifazat_insert_reports',
  text: `
WITH submitted AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS s(
    id uuid, incident_id uuid, key_hash text, request_hash text, replay_receipt text, receipt_hash text,
    kind text, language text, occurred_on date, occurred_precision text, province text, district text, district_typed text, area text,
    child_age_band text, child_sex text, abuser_relationship text, place text, in_danger_now boolean,
    police_status text, reporter_relationship text, contact_consent boolean, sensitive text, contact text,
    source text, filed_by uuid, filing_channel text, details_token_hash text)
), claim AS (
  INSERT INTO idempotency_keys (key_hash, request_hash, report_id, receipt)
  SELECT decode(key_hash, 'base64'), decode(request_hash, 'base64'), id, decode(replay_receipt, 'base64')
  FROM submitted WHERE key_hash IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING report_id
), admitted AS (
  SELECT s.*, listed.name_en AS canonical_district
  FROM submitted s
  LEFT JOIN LATERAL (
    SELECT name_en FROM districts
    WHERE s.district IS NOT NULL AND ${districtNamedBy('s.district')}
    ORDER BY name_en LIMIT 1
  ) listed ON true
  WHERE s.key_hash IS NULL OR s.id IN (SELECT report_id FROM claim)
), new_case AS (
  -- A new case's place in the queue (migration 0020) is its one report's, unclassified: written here so
  -- that the reports trigger, which sees the keys already right, does not update the case again.
  INSERT INTO cases (id, reference, queue_in_danger, queue_age_rank, queue_received_at, queue_classified, queue_categories, queue_province)
  SELECT id, 'HZ-' || to_char(now() AT TIME ZONE '${pakistanTimeZone}', 'YYYY') || '-' || lpad(nextval('case_reference_seq')::text, 6, '0'),
         in_danger_now IS TRUE, queue_age_rank(child_age_band), now(), false, '{}', province
  FROM admitted
), new_report AS (
  INSERT INTO reports (
    id, case_id, receipt_hash, kind, language, occurred_on, occurred_precision, province, district, district_typed, area,
    child_age_band, child_sex, abuser_relationship, place, in_danger_now, police_status, reporter_relationship,
    contact_consent, sensitive, contact, source, filed_by, filing_consent, filing_channel, details_token_hash, details_token_expires_at
  )
  SELECT id, id, decode(receipt_hash, 'base64'), kind, language, occurred_on, occurred_precision, province, canonical_district,
         CASE WHEN canonical_district IS NULL THEN decode(district_typed, 'base64') END, area,
         child_age_band, child_sex, abuser_relationship, place, in_danger_now, police_status, reporter_relationship,
         contact_consent, decode(sensitive, 'base64'), decode(contact, 'base64'), source, filed_by,
         CASE WHEN filed_by IS NULL THEN NULL ELSE true END, filing_channel,
         decode(details_token_hash, 'base64'),
         CASE WHEN details_token_hash IS NOT NULL THEN now() + make_interval(mins => ${detailsWindowMinutes}) END
  FROM admitted
  RETURNING id
), incident AS (
  INSERT INTO incident_records (
    id, case_id, source, occurred_on, reported_on, province, district, area, victim_sex, age_band,
    abuser_relationship, place, police_status
  )
  SELECT incident_id, id, 'hotline', occurred_on, (now() AT TIME ZONE '${pakistanTimeZone}')::date, province, canonical_district, area,
         child_sex, child_age_band, abuser_relationship, place, police_status
  FROM admitted
), links AS (
  INSERT INTO report_urls (report_id, position, url_hash, url)
  SELECT link.report_id, link.position, decode(link.url_hash, 'base64'), decode(link.url, 'base64')
  FROM jsonb_to_recordset($2::jsonb) AS link(report_id uuid, position smallint, url_hash text, url text)
  WHERE link.report_id IN (SELECT id FROM new_report)
)
SELECT id FROM new_report`,
};

/** The statement's two parameters: the reports and their links, as JSON text. */
function statementParams(batch: readonly NewReport[]): [string, string] {
  const base64 = (bytes: Buffer | null | undefined) => bytes?.toString('base64') ?? null;
  // Without its ciphertext, a district not on the list would be lost.
  if (batch.some((r) => r.district !== null && r.districtTyped === null)) throw new Error('A typed district comes with its ciphertext.');
  const reports = batch.map((r) => ({
    id: r.id,
    incident_id: r.incidentId,
    key_hash: base64(r.idempotency?.keyHash),
    request_hash: base64(r.idempotency?.requestHash),
    replay_receipt: base64(r.idempotency?.receipt),
    receipt_hash: base64(r.receiptHash),
    kind: r.kind,
    language: r.language,
    occurred_on: r.occurredOn,
    occurred_precision: r.occurredPrecision,
    province: r.province,
    district: r.district,
    district_typed: base64(r.districtTyped),
    area: r.area,
    child_age_band: r.childAgeBand,
    child_sex: r.childSex,
    abuser_relationship: r.abuserRelationship,
    place: r.place,
    in_danger_now: r.inDangerNow,
    police_status: r.policeStatus,
    reporter_relationship: r.reporterRelationship,
    contact_consent: r.contactConsent,
    sensitive: base64(r.sensitive),
    contact: base64(r.contact),
    source: r.source,
    filed_by: r.filedBy,
    filing_channel: r.filingChannel ?? null,
    details_token_hash: base64(r.detailsTokenHash),
  }));
  const links = batch.flatMap((r) =>
    r.urls.map((u) => ({ report_id: r.id, position: u.position, url_hash: base64(u.urlHash), url: base64(u.url) })),
  );
  return [JSON.stringify(reports), JSON.stringify(links)];
}

/** Writes submissions in one statement and returns the ids stored. Inside a transaction (`tx`) it runs with the transaction's other work. */
async function insertReports(database: Database, batch: readonly NewReport[], tx?: Tx): Promise<Set<string>> {
  const params = statementParams(batch);
  type Row = { id: string };
  const rows = tx
    ? ((await tx.execute(statementSql(insertReportsStatement, params))) as unknown as { rows: Row[] }).rows
    : await database.run<Row>(insertReportsStatement, params);
  return new Set(rows.map((r) => r.id));
}

/**
 * Writes one submission inside a transaction, with the transaction's other work (a staff filing
 * and its audit entry). Under a savepoint: a receipt another report has fails this statement
 * alone, and the caller's transaction goes on to try another.
 */
export async function insertReportInTransaction(database: Database, report: NewReport, tx: Tx): Promise<InsertOutcome> {
  try {
    return await tx.transaction(async (savepoint) => outcomeOf(await insertReports(database, [report], savepoint), report));
  } catch (error) {
    if (isReceiptTaken(error)) return 'receipt_taken';
    throw error;
  }
}

function outcomeOf(stored: Set<string>, report: NewReport): InsertOutcome {
  return stored.has(report.id) ? 'stored' : 'already_claimed';
}

/**
 * Two reports drew one receipt: the unique violation of its keyed hash (pg's and PGlite's errors
 * alike; inside a transaction Drizzle wraps the driver's error as its cause).
 */
function isReceiptTaken(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown; cause?: unknown } | null;
  if (e?.code === '23505' && e.constraint === 'reports_receipt_hash_key') return true;
  return e?.cause !== undefined && e.cause !== error && isReceiptTaken(e.cause);
}

interface Pending {
  report: NewReport;
  settle: (outcome: Promise<InsertOutcome>) => void;
}

/** The most reports one statement takes. */
const maxBatch = 32;

/**
 * Writes submissions as they come, several to a statement when they come together. One
 * statement runs at a time (faster in bench/submissions.ts than two, three or four, with one or
 * two processes); the reports that arrive meanwhile wait and go together in the next, so under
 * load one round trip, one statement and one commit serve many reports, and a lone report goes
 * at once. Each caller's promise settles only when the statement holding its report has
 * committed. If a statement of several fails, its reports are written again one by one (the
 * failed statement wrote nothing), so one bad report fails alone; one whose receipt another report
 * already has settles as 'receipt_taken'.
 */
export class ReportWriter {
  readonly #queue: Pending[] = [];
  #writing = false;

  constructor(private readonly database: Database) {}

  write(report: NewReport): Promise<InsertOutcome> {
    return new Promise<InsertOutcome>((resolve) => {
      this.#queue.push({ report, settle: resolve });
      this.#next();
    });
  }

  #next(): void {
    if (this.#writing || this.#queue.length === 0) return;
    this.#writing = true;
    void this.#write(this.#queue.splice(0, maxBatch)).finally(() => {
      this.#writing = false;
      this.#next();
    });
  }

  /** Settles each report's promise; never rejects itself. */
  async #write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.#writeAlone(batch[0]!);
    try {
      const stored = await insertReports(
        this.database,
        batch.map((p) => p.report),
      );
      for (const p of batch) p.settle(Promise.resolve(outcomeOf(stored, p.report)));
    } catch {
      await Promise.all(batch.map((p) => this.#writeAlone(p)));
    }
  }

  async #writeAlone(pending: Pending): Promise<void> {
    const outcome = insertReports(this.database, [pending.report]).then(
      (stored) => outcomeOf(stored, pending.report),
      (error: unknown) => {
        if (isReceiptTaken(error)) return 'receipt_taken' as const;
        throw error;
      },
    );
    pending.settle(outcome);
    await outcome.catch(() => {});
  }
}
