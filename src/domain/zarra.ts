import { z } from 'zod';
import type { Category } from './classification.ts';
import { isAcceptedTime } from './report.ts';
import { optionalText } from './text.ts';

/**
 * The ZARRA clock. The Zainab Alert, Response and Recovery Act 2020 binds the police to notify the
 * 1099 helpline within 2 hours of a report of a missing or abducted child and to register an FIR
 * (shared/context/pakistan.md). The hotline keeps that clock for every case classified missing,
 * abduction or kidnapping, counted from the case's first receipt, until 1099's notification is
 * recorded; whether the FIR is registered is shown beside it. Stored on the case (migration 0018).
 */

/** The categories ZARRA covers: a missing, abducted or kidnapped child. */
export const zarraCategories = ['missing', 'abduction', 'kidnapping'] as const satisfies readonly Category[];
export type ZarraCategory = (typeof zarraCategories)[number];

/** Whether a case whose reports and links are classified with these categories is a ZARRA case. */
export function isZarraCase(categories: readonly string[]): boolean {
  return categories.some((c) => (zarraCategories as readonly string[]).includes(c));
}

/** Hours within which 1099 must be notified, from the case's first receipt. */
export const zarraTargetHours = 2;

export interface ZarraFacts {
  /** The case's first receipt (caseUrgency's receivedAt). */
  receivedAt: Date;
  /** When 1099 was notified; null: not recorded. */
  notifiedAt: Date | null;
  /** When the FIR was registered; null: not recorded. */
  firRegisteredAt: Date | null;
}

export interface ZarraClock {
  /** When 1099 is to be notified: 2 hours after the first receipt. */
  notifyDueAt: Date;
  /** That time has passed with no notification recorded. */
  notifyOverdue: boolean;
  firRegistered: boolean;
}

/** The ZARRA clock of a ZARRA case (see isZarraCase) at `now`. */
export function zarraClock(facts: ZarraFacts, now: Date): ZarraClock {
  const notifyDueAt = new Date(facts.receivedAt.getTime() + zarraTargetHours * 3_600_000);
  return {
    notifyDueAt,
    notifyOverdue: facts.notifiedAt === null && now.getTime() > notifyDueAt.getTime(),
    firRegistered: facts.firRegisteredAt !== null,
  };
}

/**
 * What staff record (the console's form): when 1099 was notified and its reference, when the FIR
 * was registered and its number. A time left empty is not recorded (or no longer: a mistaken entry
 * can be cleared, the audit log keeps what it was). A time is an instant (a datetime-local field is
 * read in Pakistan time before this), not in the future and not before the case's first receipt;
 * a reference or number needs its time.
 */
export function zarraRecordSchema(limits: { receivedAt: Date; now: Date }) {
  const time = z
    .union([z.literal('').transform(() => null), z.coerce.date('invalid_date')], 'invalid_date')
    .refine((d) => d === null || isAcceptedTime(d), 'invalid_date')
    .refine((d) => d === null || d.getTime() <= limits.now.getTime(), 'future_time')
    .refine((d) => d === null || d.getTime() >= limits.receivedAt.getTime(), 'before_receipt')
    .default(null);
  return z
    .strictObject(
      {
        notifiedAt: time,
        reference: optionalText(100),
        firRegisteredAt: time,
        firNumber: optionalText(100),
      },
      'invalid',
    )
    .superRefine((r, ctx) => {
      if (r.reference !== undefined && r.notifiedAt === null)
        ctx.addIssue({ code: 'custom', message: 'time_required', path: ['notifiedAt'] });
      if (r.firNumber !== undefined && r.firRegisteredAt === null) {
        ctx.addIssue({ code: 'custom', message: 'time_required', path: ['firRegisteredAt'] });
      }
    })
    .transform((r) => ({
      notifiedAt: r.notifiedAt,
      reference: r.reference ?? null,
      firRegisteredAt: r.firRegisteredAt,
      firNumber: r.firNumber ?? null,
    }));
}
export type ZarraRecordInput = z.input<ReturnType<typeof zarraRecordSchema>>;
export type ZarraRecord = z.output<ReturnType<typeof zarraRecordSchema>>;
