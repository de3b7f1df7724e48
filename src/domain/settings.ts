/** How long a closed case is kept before it is purged (its anonymous incident record stays), in days. */
export const defaultRetentionDays = 365;
/** The retention periods an administrator may set. */
export const retentionDaysRange = { min: 30, max: 3650 } as const;

/** The retention period a stored setting gives: the default when it is unset or not a positive whole number. */
export function retentionDaysOf(stored: unknown): number {
  const days = Number(stored);
  return Number.isInteger(days) && days > 0 ? days : defaultRetentionDays;
}
