/**
 * When two records are likely the same incident, the rule both the case console's duplicate
 * suggestions and the newspaper intake's use (store/same-incident.ts puts it in SQL): both have a
 * date (when it happened where known, else when it was reported) at most `sameIncidentWithinDays`
 * apart and a district, the same one; and their age band, sex and category agree wherever both
 * sides know them. A suggestion only: staff decide.
 */
export const sameIncidentWithinDays = 3;
