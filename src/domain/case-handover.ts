import { z } from 'zod';
import { may, type StaffActor } from './actor.ts';
import { caseStates, closureReasons } from './case.ts';
import { categories, classificationTags, firStatuses, legalBases, referralMethods, victimAgeBands, victimSexes } from './classification.ts';
import { datePrecisions, filingChannels, languages, messageAuthors, reportKinds, reportSources } from './report.ts';
import { optionalText } from './text.ts';

/**
 * A case handed over to the police, the NCCIA or a court: the printable record and the JSON
 * bundle (one shape, `caseBundleSchema`, the one source of both), the request and approval to
 * include the reporter's contact details, and the court-preparation checklist.
 */

/**
 * Preparing a child's case for court. The Islamabad High Court (2022) directed in-camera trials and
 * video-link testimony for child victims; a support person and no confrontation with the accused
 * follow from the same direction; a child may speak only a regional language (Punjabi, Sindhi,
 * Pashto, Balochi, Saraiki), so an interpreter in the child's language; 1099 offers legal help; the
 * provincial child protection acts give each child a child protection officer or unit.
 */
export const courtChecklistItems = [
  'in_camera_trial',
  'video_link_testimony',
  'support_person',
  'no_confrontation_with_accused',
  'interpreter',
  'legal_aid',
  'child_protection_officer',
] as const;
export type CourtChecklistItem = (typeof courtChecklistItems)[number];

/** A checklist note: short, and encrypted at rest (it may say something about the child). */
export const checklistNoteMaxLength = 1000;

/** One item of the checklist as a case worker records it; the note replaces the one before (none: removed). */
export const courtChecklistUpdateSchema = z.strictObject(
  {
    item: z.enum(courtChecklistItems, 'invalid_choice'),
    done: z.boolean('invalid'),
    note: optionalText(checklistNoteMaxLength),
  },
  'invalid',
);
export type CourtChecklistUpdate = z.input<typeof courtChecklistUpdateSchema>;

/** Why the reporter's contact details should go with a bundle: a closed list, so no free text about anyone. */
export const contactPurposes = ['police_investigation', 'court_proceedings', 'child_protection'] as const;
export type ContactPurpose = (typeof contactPurposes)[number];
export const contactRequestSchema = z.strictObject({ purpose: z.enum(contactPurposes, 'invalid_choice') }, 'invalid');

export const contactDecisions = ['approved', 'refused'] as const;
export type ContactDecision = (typeof contactDecisions)[number];

/** How long an approval to include contact details may be used (once) by its requester. */
export const contactApprovalHours = 24;

export interface ContactRequestState {
  requestedBy: string;
  decision: ContactDecision | null;
  decidedAt: Date | null;
  usedAt: Date | null;
}

/**
 * Who decides a request: a supervisor other than the one who asked (four eyes, as the approval
 * of a closure in services/cases/actions.ts), and only while it waits.
 */
export function mayDecideContactRequest(actor: StaffActor, request: ContactRequestState): boolean {
  return may(actor, 'superviseCases') && request.requestedBy !== actor.id && request.decision === null;
}

/** When an approval stops being usable. */
export function contactApprovalExpiresAt(decidedAt: Date): Date {
  return new Date(decidedAt.getTime() + contactApprovalHours * 3600_000);
}

/** Whether an export by `actor` at `now` may include contact details under this request: approved, unused, in time, theirs. */
export function contactApprovalUsable(request: ContactRequestState, actor: Pick<StaffActor, 'id'>, now: Date): boolean {
  return (
    request.decision === 'approved' &&
    request.usedAt === null &&
    request.decidedAt !== null &&
    request.requestedBy === actor.id &&
    now < contactApprovalExpiresAt(request.decidedAt)
  );
}

/** A request to include contact details, as the record page shows it to one member of staff. */
export interface ContactRequestView extends ContactRequestState {
  id: number;
  purpose: ContactPurpose;
  requestedAt: Date;
  decidedBy: string | null;
  /** When an approval stops being usable; null unless approved. */
  expiresAt: Date | null;
  /** An approval past its time, unused. */
  expired: boolean;
  /** Whether the one who reads it may export with contact details under it now. */
  usableByYou: boolean;
}

export function contactRequestView(
  r: ContactRequestState & Pick<ContactRequestView, 'id' | 'purpose' | 'requestedAt' | 'decidedBy'>,
  reader: Pick<StaffActor, 'id'>,
  now: Date,
): ContactRequestView {
  const expiresAt = r.decision === 'approved' && r.decidedAt ? contactApprovalExpiresAt(r.decidedAt) : null;
  return {
    id: r.id,
    purpose: r.purpose,
    requestedBy: r.requestedBy,
    requestedAt: r.requestedAt,
    decision: r.decision,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt,
    usedAt: r.usedAt,
    expiresAt,
    expired: expiresAt !== null && r.usedAt === null && now >= expiresAt,
    usableByYou: contactApprovalUsable(r, reader, now),
  };
}

/** An instant as the bundle writes it: ISO 8601 in Pakistan time, with its offset (2026-03-01T14:05:09.123+05:00). */
export function pakistanIsoTime(date: Date): string {
  return new Date(date.getTime() + 5 * 3600_000).toISOString().replace(/Z$/, '+05:00');
}

/**
 * The bytes a bundle's digest is taken over: JSON with object keys sorted at every level, no
 * spaces, UTF-8. The export sends exactly these bytes, so anyone can check the digest with
 * `sha256sum` on the file as received.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const bundleFormat = 'hifazat.case-bundle';
export const bundleVersion = 1;

const time = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+05:00$/);
const date = z.string().regex(/^\d{4}-\d\d-\d\d$/);
const uuid = z.uuid();
/** A member of staff as the bundle names them (null: an account since removed, or the system). */
const person = z.strictObject({ id: uuid, name: z.string(), email: z.string() }).nullable();

const classification = z.strictObject({
  category: z.enum(categories),
  legalBases: z.array(z.enum(legalBases)),
  interpolBaseline: z.boolean().nullable(),
  tags: z.array(z.enum(classificationTags)),
  victimAgeBand: z.enum(victimAgeBands),
  victimSex: z.enum(victimSexes),
  /** Whether a person looked at the material, and who (NCMEC's practice): the record of who viewed it. */
  materialViewed: z.boolean().nullable(),
  viewedBy: z.string().nullable(),
  classifiedBy: person,
  classifiedAt: time,
});

/**
 * The case bundle, version 1. Times are ISO 8601 in Pakistan time (+05:00); links only defanged,
 * each with its keyed hash (HMAC-SHA256 under the hotline's URL-lookup key, hex: the same link in
 * any report has the same hash) and the other cases that reported it; no image, ever. `contact`
 * appears on a report only in a bundle exported under a supervisor's approval, for a reporter who
 * consented to be contacted. A new field or meaning is a new version.
 */
export const caseBundleSchema = z.strictObject({
  format: z.literal(bundleFormat),
  version: z.literal(bundleVersion),
  exportedAt: time,
  exportedBy: person,
  contactIncluded: z.boolean(),
  case: z.strictObject({
    id: uuid,
    reference: z.string(),
    state: z.enum(caseStates),
    closureReason: z.enum(closureReasons).nullable(),
    openedAt: time,
    closedAt: time.nullable(),
    assignedTo: person,
  }),
  reports: z.array(
    z.strictObject({
      id: uuid,
      receivedAt: time,
      kind: z.enum(reportKinds),
      language: z.enum(languages),
      source: z.enum(reportSources),
      /** For a report staff filed for a caller: who filed it, the channel, and the caller's consent to filing. */
      filedBy: person,
      filingChannel: z.enum(filingChannels).nullable(),
      filingConsent: z.boolean().nullable(),
      /** The reporter's consent to be contacted about the report. */
      contactConsent: z.boolean(),
      facts: z.strictObject({
        occurredOn: date.nullable(),
        occurredPrecision: z.enum(datePrecisions),
        province: z.string(),
        district: z.string().nullable(),
        area: z.string(),
        childAgeBand: z.string(),
        childSex: z.string(),
        abuserRelationship: z.string(),
        place: z.string(),
        inDangerNow: z.boolean().nullable(),
        policeStatus: z.string(),
        reporterRelationship: z.string(),
      }),
      site: z.string().nullable(),
      narrative: z.string().nullable(),
      /** When the reporter added details after the receipt (they are part of the facts above). */
      detailsAddedAt: time.nullable(),
      links: z.array(
        z.strictObject({
          position: z.number().int(),
          defanged: z.string(),
          keyedHash: z.string().regex(/^[0-9a-f]{64}$/),
          classification: classification.nullable(),
          /** Other cases holding a link with the same keyed hash. */
          alsoReportedIn: z.array(z.string()),
        }),
      ),
      classification: classification.nullable(),
      /** Later additions: the message thread with the reporter, in order. */
      messages: z.array(z.strictObject({ author: z.enum(messageAuthors), staff: person, at: time, body: z.string() })),
      contact: z
        .strictObject({ name: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable() })
        .nullable()
        .optional(),
    }),
  ),
  referrals: z.array(
    z.strictObject({
      id: z.number().int(),
      agency: z.string(),
      /** The agency's Urdu name, where it has one. */
      agencyUrdu: z.string().nullable(),
      referredAt: time,
      method: z.enum(referralMethods),
      agencyReference: z.string().nullable(),
      firStatus: z.enum(firStatuses),
      followUpOn: date.nullable(),
      notes: z.string().nullable(),
      recordedBy: person,
      /** Every FIR status it had, from the audit log: when, which, who recorded it. */
      firHistory: z.array(z.strictObject({ at: time, firStatus: z.enum(firStatuses), by: z.string() })),
    }),
  ),
  courtChecklist: z.array(
    z.strictObject({
      item: z.enum(courtChecklistItems),
      done: z.boolean(),
      note: z.string().nullable(),
      updatedBy: person,
      updatedAt: time.nullable(),
    }),
  ),
  /** The case's audit entries, oldest first, each with its hash in the audit chain (hex), to check against `hifazat audit verify`. */
  audit: z.array(
    z.strictObject({
      seq: z.number().int(),
      at: time,
      actor: z.string(),
      action: z.string(),
      objectType: z.string().nullable(),
      objectId: z.string().nullable(),
      details: z.record(z.string(), z.unknown()),
      hash: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
});
export type CaseBundle = z.output<typeof caseBundleSchema>;
