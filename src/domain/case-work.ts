import { z } from 'zod';
import { caseStates, closureReasons, type CaseState } from './case.ts';
import { firStatuses, referralMethods } from './classification.ts';
import { isAcceptedDate, isAcceptedTime, limits } from './report.ts';
import { optionalText, requiredText } from './text.ts';

/**
 * Rules and inputs of the work on a case, shared by the service and (through the lead's routes)
 * the console's forms.
 */

/** The open states in the order a case normally moves through them. */
const openStates: readonly CaseState[] = caseStates.filter((s) => s !== 'closed');

/**
 * Whether a case may be moved by hand from one state to another: forward one step at a time
 * (new → triaged → in_progress → referred), or back to an earlier state other than 'new' (a
 * referral withdrawn, more work needed). Never into 'new' again, never into or out of 'closed':
 * closing goes through a request and a second person's approval. (A first referral moves any
 * open case to 'referred' without this rule: a child in danger may be referred before triage.)
 */
export function canMoveCase(from: CaseState, to: CaseState): boolean {
  const f = openStates.indexOf(from);
  const t = openStates.indexOf(to);
  if (f === -1 || t === -1 || to === 'new') return false;
  return t === f + 1 || t < f;
}

const calendarDate = z.string('invalid').refine(isAcceptedDate, 'invalid_date');

export const noteSchema = z.strictObject({ body: requiredText(limits.description, 'required') }, 'invalid');

export const messageSchema = z.strictObject({ body: requiredText(limits.message, 'message_required') }, 'invalid');

/** Task titles are stored in clear (they drive the overdue lists): say what to do, not who. */
export const taskSchema = z.strictObject(
  {
    title: requiredText(200, 'required'),
    dueOn: calendarDate,
    assignedTo: z.uuid('invalid').nullable().default(null),
  },
  'invalid',
);
export type TaskInput = z.input<typeof taskSchema>;

export const closureRequestSchema = z.strictObject({ reason: z.enum(closureReasons, 'invalid_choice') }, 'invalid');

const referralFields = {
  agencyReference: optionalText(100),
  firStatus: z.enum(firStatuses, 'invalid_choice'),
  followUpOn: calendarDate.nullable(),
  /** Encrypted at rest. */
  notes: optionalText(limits.description),
};

export const referralSchema = z.strictObject(
  {
    agencyId: z.uuid('invalid'),
    referredAt: z.coerce.date('invalid').refine(isAcceptedTime, 'invalid_date'),
    method: z.enum(referralMethods, 'invalid_choice'),
    ...referralFields,
    /** Left out: the agency's usual follow-up (domain/referral-follow-up.ts); null: none. */
    followUpOn: referralFields.followUpOn.optional(),
  },
  'invalid',
);
export type ReferralInput = z.input<typeof referralSchema>;

/** What changes as a referral is followed up; a field left out stays as it is. */
export const referralUpdateSchema = z
  .strictObject(referralFields, 'invalid')
  .partial()
  .refine((u) => Object.values(u).some((v) => v !== undefined), 'required');
export type ReferralUpdate = z.input<typeof referralUpdateSchema>;
