import { and, eq, gt, lte, sql } from 'drizzle-orm';
import { detailsWindowMinutes, type DatePrecision, type DetailAnswer } from '../domain/report.ts';
import type { Database, Tx } from './database.ts';
import { districtNamedBy } from './districts.ts';
import { idempotencyKeys, reports, type ReportFacts } from './schema.ts';

/** The report a continuation token names, as adding details to it needs it. */
export interface TokenReport {
  id: string;
  /** Its site and description (reportContexts.sensitive), which the details add to. */
  sensitive: Buffer;
}

/** The answers details set in clear (the date and the district have their own rules); one left out keeps what is stored. */
export type DetailFacts = Partial<Pick<ReportFacts, DetailAnswer>>;

/** What details change in a report, encrypted by the service; null keeps what is stored. */
export interface DetailsChange {
  facts: DetailFacts;
  occurred: { on: string; precision: DatePrecision } | null;
  /**
   * A district as typed, looked up on the district list as the insert does (districtNamedBy):
   * kept in clear only as the list's English name, else only its ciphertext (reportContexts.district).
   */
  district: { typed: string; sealed: Buffer } | null;
  /** The site and description with the new ones added. */
  sensitive: Buffer | null;
  /** Contact details replacing any before (reportContexts.contact), with the consent given for them. */
  contact: { sealed: Buffer; consent: boolean } | null;
}

/**
 * Details a reporter adds after the receipt, through the continuation token stored with a portal
 * report (store/report-insert.ts writes it with the report; migration 0014).
 */
export class ReportDetailsStore {
  constructor(private readonly database: Database) {}

  /**
   * In one transaction: takes the report whose token has this hash and has not expired (by the
   * database clock), clearing the token so that it works once (a concurrent use waits for this
   * one and then finds none); asks `change` what to write; writes it to the report, marking when,
   * and fills the facts the case's incident record does not know yet. Returns false, having
   * changed nothing, when no report has such a token. A `change` of null writes nothing but still
   * uses the token up.
   */
  async addDetails(tokenHash: Buffer, change: (report: TokenReport) => DetailsChange | null): Promise<boolean> {
    return this.database.db.transaction(async (tx) => {
      const [report] = await tx
        .update(reports)
        .set({ detailsTokenHash: null, detailsTokenExpiresAt: null })
        .where(and(eq(reports.detailsTokenHash, tokenHash), gt(reports.detailsTokenExpiresAt, sql`now()`)))
        .returning({ id: reports.id, sensitive: reports.sensitive });
      if (!report) return false;
      const changed = change(report);
      if (changed) await applyDetails(tx, report.id, changed);
      return true;
    });
  }

  /** Forgets the tokens that have expired (by the database clock): they can add nothing any more. */
  async forgetExpiredTokens(): Promise<void> {
    await this.database.db
      .update(reports)
      .set({ detailsTokenHash: null, detailsTokenExpiresAt: null })
      .where(and(sql`${reports.detailsTokenHash} IS NOT NULL`, lte(reports.detailsTokenExpiresAt, sql`now()`)));
  }

  /** Whether a report has a token with this hash that has not expired (by the database clock). */
  async tokenOpen(tokenHash: Buffer): Promise<boolean> {
    const [open] = await this.database.db
      .select({ id: reports.id })
      .from(reports)
      .where(and(eq(reports.detailsTokenHash, tokenHash), gt(reports.detailsTokenExpiresAt, sql`now()`)));
    return open !== undefined;
  }

  /**
   * A new token, for detailsWindowMinutes from now, for the portal report stored under this
   * Idempotency-Key (a retried submission), replacing the one before; none once details were
   * added. Returns whether the report took it.
   */
  async renewToken(keyHash: Buffer, tokenHash: Buffer): Promise<boolean> {
    const renewed = await this.database.db
      .update(reports)
      .set({ detailsTokenHash: tokenHash, detailsTokenExpiresAt: sql`now() + make_interval(mins => ${detailsWindowMinutes})` })
      .from(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.keyHash, keyHash),
          eq(reports.id, idempotencyKeys.reportId),
          eq(reports.source, 'portal'),
          sql`${reports.detailsAddedAt} IS NULL`,
        ),
      )
      .returning({ id: reports.id });
    return renewed.length > 0;
  }
}

/**
 * One statement: the report takes the facts given and the new ciphertexts, and the incident record
 * of its case (statistics; its trigger marks the months stale) takes each fact it does not know
 * yet. A fact the record knows already stays: an analyst's classification of the child's age band
 * and sex, or the police status a referral recorded, outranks the reporter's answer.
 */
async function applyDetails(tx: Tx, reportId: string, change: DetailsChange): Promise<void> {
  const base64 = (bytes: Buffer | undefined) => bytes?.toString('base64') ?? null;
  const { facts } = change;
  const given = JSON.stringify({
    occurred_on: change.occurred?.on ?? null,
    occurred_precision: change.occurred?.precision ?? null,
    province: facts.province ?? null,
    district: change.district?.typed ?? null,
    district_typed: base64(change.district?.sealed),
    area: facts.area ?? null,
    child_age_band: facts.childAgeBand ?? null,
    child_sex: facts.childSex ?? null,
    abuser_relationship: facts.abuserRelationship ?? null,
    place: facts.place ?? null,
    police_status: facts.policeStatus ?? null,
    reporter_relationship: facts.reporterRelationship ?? null,
    sensitive: base64(change.sensitive ?? undefined),
    contact: base64(change.contact?.sealed),
    contact_consent: change.contact?.consent ?? null,
  });
  await tx.execute(sql`
WITH given AS (
  SELECT g.*, listed.name_en AS canonical_district
  FROM jsonb_to_record(${given}::jsonb) AS g(
    occurred_on date, occurred_precision text, province text, district text, district_typed text, area text,
    child_age_band text, child_sex text, abuser_relationship text, place text, police_status text,
    reporter_relationship text, sensitive text, contact text, contact_consent boolean)
  LEFT JOIN LATERAL (
    SELECT name_en FROM districts
    WHERE g.district IS NOT NULL AND ${sql.raw(districtNamedBy('g.district'))}
    ORDER BY name_en LIMIT 1
  ) listed ON true
), report AS (
  UPDATE reports r SET
    occurred_on = coalesce(g.occurred_on, r.occurred_on),
    occurred_precision = CASE WHEN g.occurred_on IS NULL THEN r.occurred_precision ELSE g.occurred_precision END,
    province = coalesce(g.province, r.province),
    district = CASE WHEN g.district IS NULL THEN r.district ELSE g.canonical_district END,
    district_typed = CASE WHEN g.district IS NULL THEN r.district_typed
                          WHEN g.canonical_district IS NULL THEN decode(g.district_typed, 'base64') END,
    area = coalesce(g.area, r.area),
    child_age_band = coalesce(g.child_age_band, r.child_age_band),
    child_sex = coalesce(g.child_sex, r.child_sex),
    abuser_relationship = coalesce(g.abuser_relationship, r.abuser_relationship),
    place = coalesce(g.place, r.place),
    police_status = coalesce(g.police_status, r.police_status),
    reporter_relationship = coalesce(g.reporter_relationship, r.reporter_relationship),
    sensitive = coalesce(decode(g.sensitive, 'base64'), r.sensitive),
    contact = coalesce(decode(g.contact, 'base64'), r.contact),
    contact_consent = coalesce(g.contact_consent, r.contact_consent),
    details_added_at = now(),
    updated_at = now()
  FROM given g
  WHERE r.id = ${reportId}
  RETURNING r.case_id
)
UPDATE incident_records i SET
  occurred_on = coalesce(i.occurred_on, g.occurred_on),
  province = CASE WHEN i.province = 'unknown' THEN coalesce(g.province, i.province) ELSE i.province END,
  district = coalesce(i.district, g.canonical_district),
  area = CASE WHEN i.area = 'unknown' THEN coalesce(g.area, i.area) ELSE i.area END,
  age_band = CASE WHEN i.age_band = 'unknown' THEN coalesce(g.child_age_band, i.age_band) ELSE i.age_band END,
  victim_sex = CASE WHEN i.victim_sex = 'unknown' THEN coalesce(g.child_sex, i.victim_sex) ELSE i.victim_sex END,
  abuser_relationship = CASE WHEN i.abuser_relationship = 'unknown' THEN coalesce(g.abuser_relationship, i.abuser_relationship)
                             ELSE i.abuser_relationship END,
  place = CASE WHEN i.place = 'unknown' THEN coalesce(g.place, i.place) ELSE i.place END,
  police_status = CASE WHEN i.police_status = 'unknown' THEN coalesce(g.police_status, i.police_status) ELSE i.police_status END,
  updated_at = now()
FROM report, given g
WHERE i.case_id = report.case_id`);
}
