import { z } from 'zod';
import { normaliseUrl } from './url.ts';
import { optionalText, requiredText } from './text.ts';

/** Enumerations shared by the form, the API, the database checks and (later) statistics. */
export const reportKinds = ['online_material', 'abuse'] as const;
export const languages = ['en', 'ur'] as const;
export const provinces = ['punjab', 'sindh', 'kp', 'balochistan', 'ict', 'ajk', 'gb'] as const;
export const areas = ['urban', 'rural'] as const;
export const ageBands = ['0-5', '6-10', '11-15', '16-17'] as const;
export const childSexes = ['girl', 'boy'] as const;
export const abuserRelationships = [
  'family_member',
  'relative',
  'acquaintance',
  'neighbour',
  'teacher',
  'cleric',
  'shopkeeper',
  'driver',
  'service_provider',
  'stranger',
  'online_contact',
] as const;
export const places = ['victim_home', 'abuser_place', 'street', 'field', 'place_of_worship', 'school', 'online', 'other'] as const;
export const policeStatuses = ['registered', 'refused', 'not_yet'] as const;
export const reporterRelationships = ['self', 'parent', 'relative', 'teacher', 'neighbour', 'other'] as const;
export const datePrecisions = ['day', 'month', 'year'] as const;
/** What the reporter sees of the case's progress. */
export const publicStatuses = ['received', 'under_review', 'referred', 'closed'] as const;

/** Where a report came from: the portal's form, the API, or filed by staff (a call or a visit). */
export const reportSources = ['portal', 'api', 'staff'] as const;
/** How a caller reached the staff who filed their report: a phone call or a visit. */
export const filingChannels = ['phone', 'walk_in'] as const;

/**
 * What staff must settle before filing a report for a caller: the channel, and that the caller
 * agreed to the filing. All the problems at once, so the form shows them together with the report's own.
 */
export function filingIssues(filing: { consentRecorded: boolean; channel: string | undefined }): { field: string; problem: string }[] {
  const issues: { field: string; problem: string }[] = [];
  if (!(filingChannels as readonly (string | undefined)[]).includes(filing.channel)) {
    issues.push({ field: 'channel', problem: filing.channel ? 'invalid_choice' : 'required' });
  }
  if (filing.consentRecorded !== true) issues.push({ field: 'consentRecorded', problem: 'filing_consent_required' });
  return issues;
}
/** Who wrote a message in a report's thread. */
export const messageAuthors = ['reporter', 'staff'] as const;

export type ReportKind = (typeof reportKinds)[number];
export type Language = (typeof languages)[number];
export type DatePrecision = (typeof datePrecisions)[number];
export type PublicStatus = (typeof publicStatuses)[number];
export type ReportSource = (typeof reportSources)[number];
export type FilingChannel = (typeof filingChannels)[number];
export type MessageAuthor = (typeof messageAuthors)[number];

export const unknown = 'unknown' as const;
export const maxUrlsPerReport = 20;
export const limits = {
  site: 200,
  description: 10_000,
  district: 100,
  contactName: 100,
  contactPhone: 32,
  contactEmail: 254,
  message: 5_000,
} as const;

/** A question a frightened person may not be able to answer: missing means "unknown". */
function answer<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum([...values, unknown], 'invalid_choice').default(unknown);
}

const requiredChoice = {
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : 'invalid_choice'),
};

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The dates Hifazat takes, wherever a person types one (when events happened, a task's due date,
 * a referral, a newspaper's date, a statistics period): a real calendar date written YYYY-MM-DD,
 * from 1900 on. Nothing Hifazat records happened before 1900, and the bounds keep every date
 * one PostgreSQL stores: it refuses year 0 (which YYYY-MM-DD can write), and JavaScript writes
 * instants past year 9999 in a form PostgreSQL does not read.
 */
export const earliestDate = '1900-01-01';

/** A real calendar date written YYYY-MM-DD (any year 0000–9999): for date arithmetic. */
export function isCalendarDate(value: string): boolean {
  if (!isoDate.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** A date Hifazat takes from a person: a calendar date from `earliestDate` on. */
export function isAcceptedDate(value: string): boolean {
  return isCalendarDate(value) && value >= earliestDate;
}

const earliestTime = Date.parse(`${earliestDate}T00:00:00Z`);
const endOfYear9999 = Date.UTC(10_000, 0, 1);

/** A moment Hifazat takes from a person (a referral's time): from `earliestDate` to the end of year 9999. */
export function isAcceptedTime(date: Date): boolean {
  const time = date.getTime();
  return time >= earliestTime && time < endOfYear9999;
}

/** A calendar date, not after `today` (the reporter's today, Pakistan time). */
function occurredOn(today: string) {
  return z
    .string('invalid')
    .transform((v) => v.trim())
    .refine(isAcceptedDate, 'invalid_date')
    .refine((v) => v <= today, 'future_date')
    .optional();
}

const urlList = z
  .array(z.string('invalid'), 'invalid')
  .max(maxUrlsPerReport * 2, 'too_many_urls')
  .transform((values, ctx) => {
    const seen = new Set<string>();
    values.forEach((value, index) => {
      if (value.trim() === '') return;
      const result = normaliseUrl(value);
      if ('problem' in result) ctx.addIssue({ code: 'custom', message: result.problem, path: [index] });
      else seen.add(result.url);
    });
    return [...seen];
  })
  .refine((urls) => urls.length <= maxUrlsPerReport, 'too_many_urls');

const contactSchema = z
  .strictObject(
    {
      name: optionalText(limits.contactName),
      phone: optionalText(limits.contactPhone).refine(
        (v) => v === undefined || (/^\+?[\d\s()-]{7,}$/.test(v) && v.replace(/\D/g, '').length <= 15),
        'invalid_phone',
      ),
      email: optionalText(limits.contactEmail).refine((v) => v === undefined || z.email().safeParse(v).success, 'invalid_email'),
      consent: z.boolean('invalid').default(false),
    },
    'invalid',
  )
  .superRefine((c, ctx) => {
    if ((c.phone || c.email || c.name) && !c.consent) {
      ctx.addIssue({ code: 'custom', message: 'consent_required', path: ['consent'] });
    }
    if (c.consent && !c.phone && !c.email) {
      ctx.addIssue({ code: 'custom', message: 'contact_way_required', path: ['phone'] });
    }
  });

/** Built schemas by day: building one costs ~50 times more than parsing a report with it. */
const schemasByDay = new Map<string, ReturnType<typeof buildReportSchemas>>();

function reportSchemasOf(today: string) {
  let schemas = schemasByDay.get(today);
  if (!schemas) {
    if (schemasByDay.size >= 4) schemasByDay.clear();
    schemas = buildReportSchemas(today);
    schemasByDay.set(today, schemas);
  }
  return schemas;
}

/**
 * One schema for a report, used by the HTML form and the JSON API alike. Only the kind, the
 * language and the essential part of each kind are required. `today` (the reporter's date) bounds
 * the date of the events; the schema for a day is built once and reused.
 */
export function reportInputSchema(today: string) {
  return reportSchemasOf(today).input;
}

/** Minutes during which the continuation token given with a portal report's receipt lets its reporter add details. */
export const detailsWindowMinutes = 60;

/**
 * The details a reporter may add after the receipt (the portal's first step asks only what is
 * needed to act): the report's own fields, picked from its schema, so each keeps the same name and
 * rule, every one optional. A question left unanswered ("unknown") changes nothing already stored.
 */
export function reportDetailsSchema(today: string) {
  return reportSchemasOf(today).details;
}

/** The fields reportDetailsSchema takes from the report's. */
const detailFields = {
  occurredOn: true,
  occurredPrecision: true,
  province: true,
  district: true,
  area: true,
  childAgeBand: true,
  childSex: true,
  abuserRelationship: true,
  place: true,
  policeStatus: true,
  reporterRelationship: true,
  contact: true,
  site: true,
  description: true,
} as const;

/** The questions among the details that may be answered "unknown": such an answer changes nothing stored. */
export const detailAnswers = [
  'province',
  'area',
  'childAgeBand',
  'childSex',
  'abuserRelationship',
  'place',
  'policeStatus',
  'reporterRelationship',
] as const satisfies readonly (keyof typeof detailFields)[];
export type DetailAnswer = (typeof detailAnswers)[number];

function buildReportSchemas(today: string) {
  const report = z.strictObject(
    {
      kind: z.enum(reportKinds, requiredChoice),
      language: z.enum(languages, requiredChoice),
      urls: urlList.default([]),
      site: optionalText(limits.site),
      description: optionalText(limits.description),
      occurredOn: occurredOn(today),
      occurredPrecision: z.enum(datePrecisions, 'invalid_choice').default('day'),
      province: answer(provinces),
      district: optionalText(limits.district),
      area: answer(areas),
      childAgeBand: answer(ageBands),
      childSex: answer(childSexes),
      abuserRelationship: answer(abuserRelationships),
      place: answer(places),
      inDangerNow: z.boolean('invalid').nullable().default(null),
      policeStatus: answer(policeStatuses),
      reporterRelationship: answer(reporterRelationships),
      contact: contactSchema.optional(),
    },
    'invalid',
  );
  const input = report.superRefine((r, ctx) => {
    if (r.kind === 'online_material' && r.urls.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'url_required', path: ['urls'] });
    }
    if (r.kind === 'abuse' && !r.description) {
      ctx.addIssue({ code: 'custom', message: 'description_required', path: ['description'] });
    }
  });
  return { input, details: report.pick(detailFields) };
}

export type ReportInput = z.output<ReturnType<typeof reportInputSchema>>;
export type ReportDetails = z.output<ReturnType<typeof reportDetailsSchema>>;

export const followUpSchema = z.strictObject({ receipt: z.string('required').max(200, 'receipt_format') }, 'invalid');

export const reporterMessageSchema = z.strictObject(
  {
    receipt: z.string('required').max(200, 'receipt_format'),
    body: requiredText(limits.message, 'message_required'),
  },
  'invalid',
);
