import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { mediaRowKey, type MediaRecord } from '../domain/media.ts';
import type { IncidentSource } from '../domain/statistics.ts';
import type { Database, Tx } from './database.ts';
import { likelySameIncident as sameIncident, type IncidentFacts } from './same-incident.ts';
import { incidentRecords } from './schema.ts';
import { mediaReports } from './statistics-schema.ts';

export interface MediaEntry extends Pick<MediaRecord, 'date' | 'newspaper' | 'headline' | 'url' | 'category' | 'province' | 'district'> {
  incidentId: string;
  createdAt: Date;
}

export interface DuplicateSuggestion {
  media: MediaEntry;
  /** The other record: a hotline case (with its reference while the case exists) or another newspaper report. */
  other: {
    incidentId: string;
    source: IncidentSource;
    caseId: string | null;
    reference: string | null;
    headline: string | null;
    newspaper: string | null;
    date: string;
  };
}

/** Rows per statement, well within PostgreSQL's 65,535 parameters. */
const batchRows = 500;

/** Newspaper reports (media_reports) and the incident records they count as (source 'media'). */
export class MediaReportStore {
  constructor(private readonly database: Database) {}

  /** Row keys (mediaRowKey) already entered, of those in `keys`. */
  async existingRowKeys(tx: Tx, keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < keys.length; i += batchRows) {
      const rows = await tx
        .select({ key: mediaReports.rowKey })
        .from(mediaReports)
        .where(inArray(mediaReports.rowKey, keys.slice(i, i + batchRows)));
      for (const row of rows) found.add(row.key);
    }
    return found;
  }

  /** Stores each record as an incident record and its newspaper report; returns the incident records' ids, in order. */
  async insert(tx: Tx, records: readonly MediaRecord[], createdBy: string | null): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < records.length; i += batchRows) {
      const batch = records.slice(i, i + batchRows).map((r) => ({ r, id: randomUUID() }));
      await tx.insert(incidentRecords).values(
        batch.map(({ r, id }) => ({
          id,
          caseId: null,
          source: 'media' as const,
          category: r.category,
          occurredOn: null,
          reportedOn: r.date,
          province: r.province,
          district: r.district,
          area: r.area,
          victimSex: r.sex,
          ageBand: r.ageBand,
          abuserRelationship: r.relationship,
          place: r.place,
          policeStatus: r.policeStatus,
        })),
      );
      await tx.insert(mediaReports).values(
        batch.map(({ r, id }) => ({
          id: randomUUID(),
          incidentId: id,
          newspaper: r.newspaper,
          publishedOn: r.date,
          headline: r.headline,
          url: r.url,
          rowKey: mediaRowKey(r),
          createdBy,
        })),
      );
      ids.push(...batch.map((b) => b.id));
    }
    return ids;
  }

  /** The newest entered first. */
  recent(limit: number): Promise<MediaEntry[]> {
    return this.database.db
      .select({
        incidentId: mediaReports.incidentId,
        date: mediaReports.publishedOn,
        newspaper: mediaReports.newspaper,
        headline: mediaReports.headline,
        url: mediaReports.url,
        category: incidentRecords.category,
        province: incidentRecords.province,
        district: incidentRecords.district,
        createdAt: mediaReports.createdAt,
      })
      .from(mediaReports)
      .innerJoin(incidentRecords, eq(incidentRecords.id, mediaReports.incidentId))
      .orderBy(desc(mediaReports.createdAt), desc(mediaReports.publishedOn))
      .limit(limit);
  }

  /** Deletes a newspaper report's incident record (its media_reports row goes with it); false when there is none. */
  async remove(tx: Tx, incidentId: string): Promise<boolean> {
    const removed = await tx
      .delete(incidentRecords)
      .where(and(eq(incidentRecords.id, incidentId), eq(incidentRecords.source, 'media')))
      .returning({ id: incidentRecords.id });
    return removed.length > 0;
  }

  /**
   * Pairs of a newspaper report and another record, a hotline record or a newspaper report
   * entered before it, that are likely the same incident (store/same-incident.ts); newest
   * newspaper date first, at most `limit`.
   */
  async likelySameIncident(limit: number): Promise<DuplicateSuggestion[]> {
    const facts = (record: string): IncidentFacts => {
      const column = (name: string) => sql.raw(`${record}.${name}`);
      return {
        date: sql`coalesce(${column('occurred_on')}, ${column('reported_on')})`,
        district: column('district'),
        ageBand: column('age_band'),
        sex: column('victim_sex'),
        category: column('category'),
      };
    };
    const result = await this.database.db.execute(sql`
      SELECT m.id AS media_id, mr.published_on::text AS media_date, mr.newspaper, mr.headline, mr.url, m.category, m.province,
             m.district, mr.created_at, o.id AS other_id, o.source AS other_source, o.case_id, c.reference,
             omr.headline AS other_headline, omr.newspaper AS other_newspaper, coalesce(o.occurred_on, o.reported_on)::text AS other_date
      FROM incident_records m
      JOIN media_reports mr ON mr.incident_id = m.id
      JOIN incident_records o ON o.id <> m.id AND ${sameIncident(facts('m'), facts('o'))}
      LEFT JOIN media_reports omr ON omr.incident_id = o.id
      LEFT JOIN cases c ON c.id = o.case_id
      WHERE m.source = 'media'
        AND (o.source = 'hotline' OR omr.created_at < mr.created_at OR (omr.created_at = mr.created_at AND o.id < m.id))
      ORDER BY mr.published_on DESC, m.id, o.id
      LIMIT ${limit}`);
    return (result as unknown as { rows: Record<string, unknown>[] }).rows.map((row) => ({
      media: {
        incidentId: String(row.media_id),
        date: String(row.media_date),
        newspaper: String(row.newspaper),
        headline: String(row.headline),
        url: row.url === null ? null : String(row.url),
        category: String(row.category),
        province: String(row.province),
        district: row.district === null ? null : String(row.district),
        createdAt: new Date(row.created_at as string | Date),
      },
      other: {
        incidentId: String(row.other_id),
        source: row.other_source as IncidentSource,
        caseId: row.case_id === null ? null : String(row.case_id),
        reference: row.reference === null ? null : String(row.reference),
        headline: row.other_headline === null ? null : String(row.other_headline),
        newspaper: row.other_newspaper === null ? null : String(row.other_newspaper),
        date: String(row.other_date),
      },
    }));
  }
}
