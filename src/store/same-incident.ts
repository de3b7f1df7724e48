import { sql, type SQL } from 'drizzle-orm';
import { sameIncidentWithinDays } from '../domain/same-incident.ts';

/** One side of the comparison: SQL for each fact of a record ('unknown' or NULL where it is not known). */
export interface IncidentFacts {
  /** When it happened where known, else when it was reported (a date). */
  date: SQL;
  district: SQL;
  ageBand: SQL;
  sex: SQL;
  category: SQL;
}

const agree = (a: SQL, b: SQL) => sql`(coalesce(${a}, 'unknown') = 'unknown' OR coalesce(${b}, 'unknown') = 'unknown' OR ${a} = ${b})`;

/**
 * domain/same-incident.ts's rule as a condition on two records: the one place it is written, for
 * the console's duplicate suggestions (store/case-reports.ts) and the newspaper intake's
 * (store/media-reports.ts). Districts compare without case ("Lahore", "lahore"); NULL is false.
 */
export function likelySameIncident(a: IncidentFacts, b: IncidentFacts): SQL<boolean> {
  return sql<boolean>`(abs(${a.date} - ${b.date}) <= ${sameIncidentWithinDays}
    AND lower(${a.district}) = lower(${b.district})
    AND ${agree(a.ageBand, b.ageBand)} AND ${agree(a.sex, b.sex)} AND ${agree(a.category, b.category)})`;
}
