import { z } from 'zod';
import { caseStates, type CaseState } from './case.ts';
import { awaitsTriage, triageClock, type TriageClock, type Urgency } from './classification.ts';
import { pakistanUtcOffset } from './pakistan-time.ts';
import { isAcceptedDate, provinces, reportKinds } from './report.ts';
import { isZarraCase, zarraClock, type ZarraClock, type ZarraFacts } from './zarra.ts';

/**
 * Finding cases in the console's queue: the filters a staff member may set, each checked here,
 * so that a value the page never offers is a 400 with the form kept rather than a server error.
 * Filters are kept in the page's address (a GET form); a link never is: it is searched by a POST
 * form and matched through its keyed hash (services/cases/queue.ts), nothing is decrypted.
 * Narratives are encrypted, so there is no full-text search over them.
 */

/** Cases shown on one page of the queue. */
export const queuePageSize = 50;
/** The highest page number asked for that is read at all: past it there are no cases. */
const maxPage = 100_000;

const choice = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: 'invalid_choice' }).optional();
const calendarDate = z
  .string()
  .refine((value) => isAcceptedDate(value), { error: 'invalid_date' })
  .optional();

export const queueFilterSchema = z
  .object(
    {
      /** A case reference, e.g. HZ-2026-000123, however it was capitalised. */
      reference: z
        .string()
        .trim()
        .toUpperCase()
        .regex(/^HZ-\d{4}-\d{6}$/, { error: 'invalid' })
        .optional(),
      /** One state; without it, every open case (not closed). */
      state: choice(caseStates),
      kind: choice(reportKinds),
      province: choice(provinces),
      /** A district's name on the list (as a report stores it). */
      district: z.string().trim().min(1).max(100, { error: 'too_long' }).optional(),
      /** A staff member's id, or 'none' for cases nobody is assigned. */
      assignee: z.union([z.literal('none'), z.uuid()], { error: 'invalid_choice' }).optional(),
      /** The case's first report received on or after this day in Pakistan. */
      receivedFrom: calendarDate,
      /** ... and on or before this day in Pakistan. */
      receivedTo: calendarDate,
      /** Only cases where a child is in danger now. */
      danger: z.literal('yes', { error: 'invalid_choice' }).optional(),
      /** Only overdue cases: past their triage time, or ZARRA's (queueClocks). */
      overdue: z.literal('yes', { error: 'invalid_choice' }).optional(),
      page: z
        .string()
        .regex(/^\d{1,6}$/, { error: 'invalid' })
        .transform(Number)
        .refine((n) => n >= 1 && n <= maxPage, { error: 'invalid' })
        .optional(),
    },
    { error: 'invalid' },
  )
  .refine((f) => !f.receivedFrom || !f.receivedTo || f.receivedFrom <= f.receivedTo, { error: 'invalid_date', path: ['receivedTo'] });
export type QueueFilter = z.output<typeof queueFilterSchema>;

/** The filter fields a page's address may carry (the GET form's names), in the order the form has them. */
export const queueFilterFields = [
  'reference',
  'state',
  'kind',
  'province',
  'district',
  'assignee',
  'receivedFrom',
  'receivedTo',
  'danger',
  'overdue',
] as const satisfies readonly (keyof QueueFilter)[];

/** The instants a received-date range covers: from the start of its first Pakistani day to the start of the day after its last. */
export function receivedRange(filter: Pick<QueueFilter, 'receivedFrom' | 'receivedTo'>): { from?: Date; before?: Date } {
  const dayStart = (day: string) => new Date(`${day}T00:00:00${pakistanUtcOffset}`);
  return {
    ...(filter.receivedFrom ? { from: dayStart(filter.receivedFrom) } : {}),
    ...(filter.receivedTo ? { before: new Date(dayStart(filter.receivedTo).getTime() + 86_400_000) } : {}),
  };
}

/** Why a case leads the queue: its triage time has passed, or 1099 is not recorded as notified within ZARRA's 2 hours. */
export type OverdueReason = 'triage' | 'zarra';

/** What a case's clocks in the queue are computed from. */
export interface QueueClockFacts {
  state: CaseState;
  /** caseUrgency of its reports. */
  urgency: Urgency;
  /** One of its reports is classified (triage is recorded). */
  classified: boolean;
  /** Every category its reports and links are classified with (isZarraCase). */
  categories: readonly string[];
  /** What staff recorded of ZARRA (migration 0018): when 1099 was notified, when the FIR was registered; null: not recorded. */
  zarra: Pick<ZarraFacts, 'notifiedAt' | 'firRegisteredAt'>;
}

export interface QueueClocks {
  /** The triage clock (domain/classification.ts triageClock); null once the case is triaged. */
  triage: TriageClock | null;
  /** The ZARRA clock of an open ZARRA case (domain/zarra.ts zarraClock); null for any other. */
  zarra: ZarraClock | null;
  /** Why it is overdue (both clocks may have run out); empty: it is not. */
  overdueBecause: OverdueReason[];
}

/**
 * A case's clocks in the queue, and whether it is overdue there (first in compareQueueOrder, and what
 * `overdue=yes` finds): past its triage time (awaitsTriage, triageClock), or an open ZARRA case whose
 * 1099 notification is not recorded within zarraTargetHours of its first receipt. A closed case waits
 * for nothing, so no clock runs for it in the queue. THE REFERENCE: store/case-queue.ts restates this
 * as SQL (with these modules' hours and categories as parameters), and case-queue-order.test.ts checks
 * that both agree on random cases.
 */
export function queueClocks(facts: QueueClockFacts, now: Date): QueueClocks {
  const triage = triageClock(facts.urgency, awaitsTriage({ state: facts.state, classified: facts.classified }), now);
  const zarra =
    facts.state !== 'closed' && isZarraCase(facts.categories)
      ? zarraClock({ receivedAt: facts.urgency.receivedAt, ...facts.zarra }, now)
      : null;
  const overdueBecause: OverdueReason[] = [
    ...(triage?.overdue ? ['triage' as const] : []),
    ...(zarra?.notifyOverdue ? ['zarra' as const] : []),
  ];
  return { triage, zarra, overdueBecause };
}

/**
 * A link's keyed hash as a case file prints it (64 hexadecimal digits): the find-link form takes it
 * as well as a link, so a case handed over can be found again from its file without the link itself.
 * No link is 64 hexadecimal digits alone (a host needs a dot), so the two never meet.
 */
export function keyedLinkHashOf(text: string): Buffer | undefined {
  const trimmed = text.trim();
  return /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : undefined;
}
