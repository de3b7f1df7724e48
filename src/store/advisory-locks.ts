/**
 * Every advisory-lock key Hifazat takes, in one place. The keys share one space per database,
 * across every process: two purposes with the same key would wait for each other, and a lock that
 * is meant to exclude could be taken by the wrong holder. Keep the values as they are: an older
 * instance still running against the same database (while a new version starts) takes the old key.
 */
export const advisoryLocks = {
  /** Held while migrating, so that instances starting together migrate once (store/database.ts). */
  migration: 7_351_002_611,
  /** Serialises appends to the hash-chained audit log across connections and processes (store/audit-log.ts). */
  auditAppend: 7_351_002_612,
} as const;

/**
 * The keys of the monthly counts' locks, one per month: incident_counts_lock_key(day) in migration
 * 0006 returns `from` + year × 12 + month, for years 0 to 9999. SQL computes them; no other lock may
 * fall in this range.
 */
export const monthlyCountsLocks = { from: 7_351_100_000_000, to: 7_351_100_000_000 + 9_999 * 12 + 12 } as const;
