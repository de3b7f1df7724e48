import type { AgencyKind } from './classification.ts';
import { pakistanToday } from './pakistan-time.ts';

/**
 * When a referral is followed up if staff give no date: a number of days from the day it is
 * recorded (in Pakistan), by the kind of agency, unless the agency has its own (agencies.follow_up_days,
 * migration 0018). Staff may still give another date, or none.
 *
 * Why these numbers (shared/context/pakistan.md): the police must register an FIR, and ZARRA 2020
 * gives them 2 hours to notify 1099 of a missing or abducted child: whether the FIR was registered is
 * asked after 2 days. The helplines (1099, 1098) act at once or pass the case on: 2 days. Child
 * protection bureaus (1121) rescue and rehabilitate: 3 days. The NCCIA investigates online material,
 * grooming and sextortion, which takes longer: 7 days. A foreign hotline (INHOPE) works through its
 * own country's hosts and police: 14 days. Any other agency: 7 days.
 */
export const followUpDaysByKind = {
  police: 2,
  helpline: 2,
  child_protection: 3,
  cyber_crime: 7,
  foreign_hotline: 14,
  other: 7,
} as const satisfies Record<AgencyKind, number>;

/** The most days an agency's own follow-up may be (the column's CHECK says the same: 1 to 365). */
export const followUpDaysRange = { min: 1, max: 365 } as const;

/** The days to a referral's follow-up with this agency: its own, else its kind's. */
export function followUpDays(agency: { kind: string; followUpDays: number | null }): number {
  if (agency.followUpDays !== null) return agency.followUpDays;
  return (followUpDaysByKind as Record<string, number>)[agency.kind] ?? followUpDaysByKind.other;
}

/** The follow-up date (YYYY-MM-DD, Pakistan's calendar) of a referral recorded at `now` without one. */
export function defaultFollowUpOn(agency: { kind: string; followUpDays: number | null }, now: Date): string {
  // Pakistan keeps no daylight saving: a day is always 24 hours there.
  return pakistanToday(new Date(now.getTime() + followUpDays(agency) * 86_400_000));
}
