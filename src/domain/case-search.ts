import { z } from 'zod';
import { caseStates } from './case.ts';
import { pakistanUtcOffset } from './pakistan-time.ts';
import { isAcceptedDate, provinces, reportKinds } from './report.ts';

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
      /** Only cases past their triage time. */
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
