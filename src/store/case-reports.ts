import { and, asc, desc, eq, isNull, ne, or, sql, type AnyColumn } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { CaseState } from '../domain/case.ts';
import { pakistanTimeZone } from '../domain/pakistan-time.ts';
import { effectiveFactsOf, type ReportRow } from './cases.ts';
import type { Tx } from './database.ts';
import { likelySameIncident, type IncidentFacts } from './same-incident.ts';
import { cases, reportClassifications, reportMessages, reports, reportUrlClassifications, reportUrls } from './schema.ts';

export type ClassificationRow = typeof reportClassifications.$inferSelect;
export type UrlClassificationRow = typeof reportUrlClassifications.$inferSelect;
/** What a classification stores besides the report (and link) it classifies. */
export type ClassificationValues = Omit<typeof reportClassifications.$inferInsert, 'reportId'>;

export interface DuplicateRow {
  reportId: string;
  caseId: string;
  reference: string;
  state: CaseState;
  assignedTo: string | null;
  receivedAt: Date;
  /** Shares one of the report's links (their keyed hashes). */
  sameUrl: boolean;
  /** Likely the same incident (store/same-incident.ts). */
  sameIncident: boolean;
}

/** What the console reads of a report beside its row, and the classifications it writes. */
export class CaseReportStore {
  async urls(tx: Tx, reportId: string): Promise<(typeof reportUrls.$inferSelect)[]> {
    return tx.select().from(reportUrls).where(eq(reportUrls.reportId, reportId)).orderBy(asc(reportUrls.position));
  }

  async url(tx: Tx, reportId: string, position: number): Promise<typeof reportUrls.$inferSelect | undefined> {
    const [url] = await tx
      .select()
      .from(reportUrls)
      .where(and(eq(reportUrls.reportId, reportId), eq(reportUrls.position, position)));
    return url;
  }

  async classification(tx: Tx, reportId: string): Promise<ClassificationRow | undefined> {
    const [classification] = await tx.select().from(reportClassifications).where(eq(reportClassifications.reportId, reportId));
    return classification;
  }

  async urlClassifications(tx: Tx, reportId: string): Promise<UrlClassificationRow[]> {
    return tx.select().from(reportUrlClassifications).where(eq(reportUrlClassifications.reportId, reportId));
  }

  /** Records that staff first opened the report's content now; later openings leave the first one. */
  async markFirstRead(tx: Tx, reportId: string): Promise<void> {
    await tx
      .update(reports)
      .set({ firstReadAt: sql`now()` })
      .where(and(eq(reports.id, reportId), isNull(reports.firstReadAt)));
  }

  async messages(tx: Tx, reportId: string): Promise<(typeof reportMessages.$inferSelect)[]> {
    return tx.select().from(reportMessages).where(eq(reportMessages.reportId, reportId)).orderBy(asc(reportMessages.id));
  }

  /** Sets the report's classification, replacing any earlier one. */
  async classify(tx: Tx, reportId: string, values: ClassificationValues): Promise<void> {
    await tx
      .insert(reportClassifications)
      .values({ reportId, ...values })
      .onConflictDoUpdate({ target: reportClassifications.reportId, set: values });
  }

  /** Sets the classification of the report's link at `position`, replacing any earlier one. */
  async classifyUrl(tx: Tx, reportId: string, position: number, values: ClassificationValues): Promise<void> {
    await tx
      .insert(reportUrlClassifications)
      .values({ reportId, position, ...values })
      .onConflictDoUpdate({ target: [reportUrlClassifications.reportId, reportUrlClassifications.position], set: values });
  }

  /**
   * Reports in other cases than `report`'s that share one of its links' keyed hashes, or that are
   * likely the same incident (store/same-incident.ts; a report's date is when it happened where
   * the reporter said, else the day it was received in Pakistan; its age band and sex as the
   * analyst judged them, else as reported). Newest first, at most `limit`.
   */
  async duplicates(tx: Tx, report: Pick<ReportRow, 'id' | 'caseId'>, limit: number): Promise<DuplicateRow[]> {
    const mine = alias(reports, 'mine');
    const mineClassified = alias(reportClassifications, 'mine_classified');
    type ReportColumns = Record<'occurredOn' | 'createdAt' | 'district' | 'childAgeBand' | 'childSex', AnyColumn>;
    type ClassificationColumns = Record<'victimAgeBand' | 'victimSex' | 'category', AnyColumn>;
    const facts = (r: ReportColumns, c: ClassificationColumns): IncidentFacts => ({
      date: sql`coalesce(${r.occurredOn}, (${r.createdAt} AT TIME ZONE ${pakistanTimeZone})::date)`,
      district: sql`${r.district}`,
      ...effectiveFactsOf(r, c),
      category: sql`${c.category}`,
    });
    const sameUrl = sql<boolean>`EXISTS (
      SELECT 1 FROM report_urls mine_url JOIN report_urls their_url ON their_url.url_hash = mine_url.url_hash
      WHERE mine_url.report_id = ${report.id} AND their_url.report_id = ${reports.id})`;
    const sameIncident = likelySameIncident(facts(mine, mineClassified), facts(reports, reportClassifications));
    const rows = await tx
      .select({
        reportId: reports.id,
        caseId: cases.id,
        reference: cases.reference,
        state: cases.state,
        assignedTo: cases.assignedTo,
        receivedAt: reports.createdAt,
        sameUrl: sql<boolean>`${sameUrl}`,
        sameIncident: sql<boolean>`coalesce(${sameIncident}, false)`,
      })
      .from(reports)
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .leftJoin(reportClassifications, eq(reportClassifications.reportId, reports.id))
      .innerJoin(mine, eq(mine.id, report.id))
      .leftJoin(mineClassified, eq(mineClassified.reportId, mine.id))
      .where(and(ne(reports.caseId, report.caseId), or(sameUrl, sameIncident)))
      .orderBy(desc(reports.createdAt))
      .limit(limit);
    return rows;
  }
}
