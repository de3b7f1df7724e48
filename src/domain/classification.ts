import { z } from 'zod';
import type { CaseState } from './case.ts';
import { ageBands, childSexes, unknown } from './report.ts';
import { optionalText } from './text.ts';

/**
 * What an analyst records about a report or one of its links, and how the triage queue is
 * ordered. Identifiers are the ones in shared/context/pakistan.md, used everywhere
 * (classification, statistics, CSV).
 */

/** Sahil's "Cruel Numbers" categories, plus the two online ones its method misses, and other. */
export const categories = [
  'abduction',
  'kidnapping',
  'missing',
  'rape',
  'sodomy',
  'gang_rape',
  'gang_sodomy',
  'attempted_rape',
  'attempted_sodomy',
  'attempted_abuse',
  'abuse_material',
  'murder_after_abuse',
  'incest',
  'child_marriage',
  'vani',
  'online_grooming',
  'sextortion',
  'other',
] as const;
export type Category = (typeof categories)[number];

/**
 * Pakistani law a classification rests on (shared/context/pakistan.md): PPC sections (as amended 2016/2018),
 * PECA 2016 ss.21, 22 and 24, ZARRA 2020. 376(3) (rape of a minor) is its own value beside 375/376 so the
 * analyst can say the victim was a minor. Values are stored as text (no CHECK lists them): add, never rename.
 */
export const legalBases = [
  'ppc_292a',
  'ppc_292b_292c',
  'ppc_328a',
  'ppc_364a',
  'ppc_369a',
  'ppc_375_376',
  'ppc_376_3',
  'ppc_377',
  'ppc_377a_377b',
  'peca_21',
  'peca_22',
  'peca_24',
  'zarra',
] as const;
export type LegalBasis = (typeof legalBases)[number];

/** NCMEC-style tags, independent of the category. */
export const classificationTags = ['self_generated', 'sextortion', 'grooming', 'ai_generated', 'live_streamed'] as const;
export type ClassificationTag = (typeof classificationTags)[number];

/** The victim as the analyst judges it; the report's bands, so the two compare directly. */
export const victimAgeBands = [...ageBands, unknown] as const;
export type VictimAgeBand = (typeof victimAgeBands)[number];
export const victimSexes = [...childSexes, unknown] as const;
export type VictimSex = (typeof victimSexes)[number];

/** The kinds of agency a case is referred to. */
export const agencyKinds = ['police', 'helpline', 'child_protection', 'cyber_crime', 'foreign_hotline', 'other'] as const;
export type AgencyKind = (typeof agencyKinds)[number];

/** How a case was passed to an agency (the referrals table checks the same list). */
export const referralMethods = ['phone', 'email', 'letter', 'portal', 'in_person'] as const;
export type ReferralMethod = (typeof referralMethods)[number];

/** Whether the police registered a First Information Report. */
export const firStatuses = ['registered', 'refused', 'pending', 'not_applicable'] as const;
export type FirStatus = (typeof firStatuses)[number];

const uniqueList = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .array(z.enum(values, 'invalid_choice'), 'invalid')
    .default([])
    .transform((list) => [...new Set(list)]);

/**
 * A classification of a report or of one link. "Viewed" records whether a person actually looked
 * at the material (NCMEC's practice) and, if so, who: it matters in court and for staff welfare.
 */
export const classificationSchema = z
  .strictObject(
    {
      category: z.enum(categories, { error: (issue) => (issue.input === undefined ? 'required' : 'invalid_choice') }),
      legalBases: uniqueList(legalBases),
      /** INTERPOL baseline: illegal in every country. null when not assessed (not material). */
      interpolBaseline: z.boolean('invalid').nullable().default(null),
      tags: uniqueList(classificationTags),
      victimAgeBand: z.enum(victimAgeBands, 'invalid_choice').default(unknown),
      victimSex: z.enum(victimSexes, 'invalid_choice').default(unknown),
      materialViewed: z.boolean('invalid').nullable().default(null),
      viewedBy: optionalText(200),
    },
    'invalid',
  )
  .superRefine((c, ctx) => {
    if (c.materialViewed === true && !c.viewedBy) {
      ctx.addIssue({ code: 'custom', message: 'required', path: ['viewedBy'] });
    }
    if (c.materialViewed !== true && c.viewedBy) {
      ctx.addIssue({ code: 'custom', message: 'invalid', path: ['viewedBy'] });
    }
  });
export type Classification = z.output<typeof classificationSchema>;

/** Hours within which a case must be triaged. */
export const triageTargetHours = { inDangerNow: 2, otherwise: 24 } as const;

/**
 * Whether a case still waits for triage, in whatever open state it is: triage is recorded by
 * classifying one of its reports (which also moves a new case to 'triaged'). The state alone
 * does not say it: a first referral moves a case from 'new' straight to 'referred', and from
 * there it may go back to 'in_progress' untriaged; a case moved to 'triaged' by hand has no
 * classification yet. A closed case waits for nothing.
 */
export function awaitsTriage(c: { state: CaseState; classified: boolean }): boolean {
  return !c.classified && c.state !== 'closed';
}

/** When triage is due: 2 hours after receipt when a child is in danger now, else 24 hours. */
export function triageDueAt(receivedAt: Date, inDangerNow: boolean | null): Date {
  const hours = inDangerNow === true ? triageTargetHours.inDangerNow : triageTargetHours.otherwise;
  return new Date(receivedAt.getTime() + hours * 3_600_000);
}

/** A case's triage clock: when triage is due and whether that time has passed. */
export interface TriageClock {
  dueAt: Date;
  overdue: boolean;
}

/** The triage clock of a case that awaits triage (see awaitsTriage); null for one that does not. */
export function triageClock(urgency: Urgency, waiting: boolean, now: Date): TriageClock | null {
  if (!waiting) return null;
  const dueAt = triageDueAt(urgency.receivedAt, urgency.inDangerNow);
  return { dueAt, overdue: now > dueAt };
}

export interface Urgency {
  /** null (not known) counts as not in danger now: the reporter was asked and did not say so. */
  inDangerNow: boolean | null;
  ageBand: string;
  receivedAt: Date;
}

/** Younger children first; an unknown or unexpected band after every known one. */
const ageRank = (band: string): number => {
  const rank = (ageBands as readonly string[]).indexOf(band);
  return rank === -1 ? ageBands.length : rank;
};

/**
 * The triage order, for Array.prototype.sort: a child in danger now first, then younger age
 * bands (0-5, 6-10, 11-15, 16-17, unknown), then the oldest report first.
 */
export function compareUrgency(a: Urgency, b: Urgency): number {
  return (
    Number(b.inDangerNow === true) - Number(a.inDangerNow === true) ||
    ageRank(a.ageBand) - ageRank(b.ageBand) ||
    a.receivedAt.getTime() - b.receivedAt.getTime()
  );
}

/**
 * The queue's order: cases past their triage time first, then the triage order (compareUrgency).
 * The one definition of it: services/cases/queue.ts sorts every matching case by it, then pages.
 */
export function compareQueueOrder(a: Urgency & { overdue: boolean }, b: Urgency & { overdue: boolean }): number {
  return Number(b.overdue) - Number(a.overdue) || compareUrgency(a, b);
}

/**
 * The urgency of a case from its reports' (several once duplicates are linked): in danger if any
 * report says so, the youngest band any gives, the first receipt.
 */
export function caseUrgency(reports: readonly [Urgency, ...Urgency[]]): Urgency {
  return reports.reduce((a, b) => ({
    inDangerNow: a.inDangerNow === true || b.inDangerNow === true ? true : (a.inDangerNow ?? b.inDangerNow),
    ageBand: ageRank(b.ageBand) < ageRank(a.ageBand) ? b.ageBand : a.ageBand,
    receivedAt: b.receivedAt < a.receivedAt ? b.receivedAt : a.receivedAt,
  }));
}
