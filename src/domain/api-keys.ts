import { HifazatError } from './errors.ts';
import { pakistanToday, pakistanUtcOffset } from './pakistan-time.ts';

const dayMs = 86_400_000;

/**
 * When a key given `--expires DATE` (YYYY-MM-DD) stops working: the end of that day in Pakistan,
 * as the instant the next day begins there. A text that is not a calendar date, or a day already
 * over, is refused: a key that never works is a mistake, not a choice.
 */
export function apiKeyExpiry(date: string, now: Date): Date {
  const midnight = /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00${pakistanUtcOffset}`) : NaN;
  // Date.parse rolls 2027-02-30 over to March; a real date reads back as written.
  if (Number.isNaN(midnight) || pakistanToday(new Date(midnight)) !== date) {
    throw new HifazatError('validation_failed', `--expires must be a calendar date, YYYY-MM-DD (not "${date}").`, {
      issues: [{ field: 'expires', problem: 'invalid_date' }],
    });
  }
  const expiresAt = new Date(midnight + dayMs);
  if (expiresAt.getTime() <= now.getTime()) {
    throw new HifazatError('validation_failed', `--expires ${date} is over already in Pakistan; name today or a later day.`, {
      issues: [{ field: 'expires', problem: 'in_the_past' }],
    });
  }
  return expiresAt;
}

/** Whether a key that expires at `expiresAt` (null: never) is refused at `now`. */
export function apiKeyExpired(expiresAt: Date | null, now: Date): boolean {
  return expiresAt !== null && now.getTime() >= expiresAt.getTime();
}

/**
 * How often a process writes a key's last use: at most once a minute per key, so that the
 * matching API's thousands of requests a second cost no write each, and "last used" is right to
 * the minute.
 */
export const apiKeyLastUseIntervalMs = 60_000;
