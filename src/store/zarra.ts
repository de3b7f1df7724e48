import { eq, sql } from 'drizzle-orm';
import type { Tx } from './database.ts';
import { cases, reportClassifications, reports, reportUrlClassifications } from './schema.ts';

/** What the ZARRA clock reads of a case besides its row: its first receipt and its reports' and links' categories. */
export interface ZarraCaseFacts {
  /** The first receipt of the case's reports; null for a case without reports (none is kept so). */
  receivedAt: Date | null;
  /** Every category its reports and their links are classified with, each once. */
  categories: string[];
}

/** What is recorded of ZARRA on a case (migration 0018); null: not recorded. */
export interface ZarraColumns {
  notifiedAt: Date | null;
  reference: string | null;
  firRegisteredAt: Date | null;
  firNumber: string | null;
}

/** The ZARRA clock's statements (domain/zarra.ts holds the rule, services/cases/zarra.ts the use cases). */
export class ZarraStore {
  async facts(tx: Tx, caseId: string): Promise<ZarraCaseFacts> {
    const [first] = await tx
      .select({ receivedAt: sql<Date | null>`min(${reports.createdAt})`.mapWith(reports.createdAt) })
      .from(reports)
      .where(eq(reports.caseId, caseId));
    const onReports = tx
      .select({ category: reportClassifications.category })
      .from(reportClassifications)
      .innerJoin(reports, eq(reports.id, reportClassifications.reportId))
      .where(eq(reports.caseId, caseId));
    const onLinks = tx
      .select({ category: reportUrlClassifications.category })
      .from(reportUrlClassifications)
      .innerJoin(reports, eq(reports.id, reportUrlClassifications.reportId))
      .where(eq(reports.caseId, caseId));
    const found = await onReports.union(onLinks);
    return { receivedAt: first?.receivedAt ?? null, categories: found.map((c) => c.category) };
  }

  async record(tx: Tx, caseId: string, values: ZarraColumns, at: Date): Promise<void> {
    await tx
      .update(cases)
      .set({
        zarra1099NotifiedAt: values.notifiedAt,
        zarra1099Reference: values.reference,
        zarraFirRegisteredAt: values.firRegisteredAt,
        zarraFirNumber: values.firNumber,
        updatedAt: at,
      })
      .where(eq(cases.id, caseId));
  }
}
