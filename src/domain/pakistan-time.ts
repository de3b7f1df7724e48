/**
 * Pakistan's clock, in which reporters and staff live and dates are counted: UTC+5 all year (no
 * daylight saving since 2009). Every place that turns an instant into a Pakistani date or time
 * takes it from here: the IANA zone for Intl and SQL, the fixed offset for arithmetic and for
 * datetime-local fields.
 */
export const pakistanTimeZone = 'Asia/Karachi';
export const pakistanUtcOffset = '+05:00';
const offsetMs = 5 * 3600_000;

/** Today's date in Pakistan (YYYY-MM-DD). */
export function pakistanToday(now: Date = new Date()): string {
  return new Date(now.getTime() + offsetMs).toISOString().slice(0, 10);
}

/**
 * A datetime-local field's value (no zone: the wall clock of a staff member in Pakistan) as an
 * instant in Pakistan time; anything else is returned as it is, for validation to refuse. Read
 * without a zone it would be taken in the server's zone (often UTC), five hours off.
 */
export function pakistanDateTime(value: string | undefined): string | undefined {
  return value && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value) ? `${value}${pakistanUtcOffset}` : value;
}
