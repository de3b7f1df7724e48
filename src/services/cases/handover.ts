import { createHash } from 'node:crypto';
import { maySeeContact, requirePermission, type StaffActor } from '../../domain/actor.ts';
import {
  bundleFormat,
  bundleVersion,
  canonicalJson,
  caseBundleSchema,
  contactApprovalUsable,
  contactRequestView,
  contactDecisions,
  contactRequestSchema,
  courtChecklistItems,
  courtChecklistUpdateSchema,
  mayDecideContactRequest,
  pakistanIsoTime,
  type CaseBundle,
  type ContactDecision,
  type ContactRequestView,
  type CourtChecklistItem,
  type CourtChecklistUpdate,
} from '../../domain/case-handover.ts';
import type { CaseState } from '../../domain/case.ts';
import type { FirStatus } from '../../domain/classification.ts';
import { defangUrl } from '../../domain/url.ts';
import { caseContexts, reportContexts } from '../../domain/encryption-contexts.ts';
import { HifazatError, parseInput } from '../../domain/errors.ts';
import type { CaseHandoverStore } from '../../store/case-handover.ts';
import type { CaseRow } from '../../store/cases.ts';
import type { Tx } from '../../store/database.ts';
import type { reportClassifications } from '../../store/schema.ts';
import type { Keyring } from '../keys.ts';
import { forbidden, notFound, type CaseAccess } from './access.ts';

/** The case record: the bundle's content (without contact details), and what the page offers around it. */
export interface CaseRecord {
  bundle: CaseBundle;
  /** Whether any report of the case holds contact details its reporter consented to share. */
  hasConsentedContact: boolean;
  /** Whether the actor may see contact details of this case (a supervisor, or the assigned analyst). */
  maySeeContact: boolean;
  contactRequests: ContactRequestView[];
}

/** An exported bundle: the bytes sent, and their SHA-256 (hex), also recorded in the audit entry. */
export interface ExportedBundle {
  body: string;
  sha256: string;
  filename: string;
  contactIncluded: boolean;
}

export interface ChecklistItemView {
  item: CourtChecklistItem;
  done: boolean;
  note: string | null;
  updatedBy: string | null;
  updatedAt: Date | null;
}

type Store = Pick<
  CaseHandoverStore,
  | 'reports'
  | 'urls'
  | 'classifications'
  | 'urlClassifications'
  | 'messages'
  | 'otherCasesByUrlHash'
  | 'referrals'
  | 'auditEntries'
  | 'staff'
  | 'checklist'
  | 'recordChecklistItem'
  | 'contactRequests'
  | 'contactRequest'
  | 'insertContactRequest'
  | 'decideContactRequest'
  | 'useContactRequest'
>;

type ClassificationRow = Omit<typeof reportClassifications.$inferSelect, 'reportId'>;

/**
 * A case handed over (domain/case-handover.ts): the record and the JSON bundle built from one
 * reading of the case, the request and four-eyes approval to include the reporter's contact
 * details, and the court-preparation checklist. Everything is read and written in the audited
 * transaction of CaseAccess, within the actor's reach, as the other case use cases.
 */
export class CaseHandover {
  constructor(
    private readonly access: CaseAccess,
    private readonly store: Store,
    private readonly keyring: Keyring,
    private readonly now: () => Date,
  ) {}

  /** The record for the page: no contact details ever. Audited, as it shows what reporters wrote. */
  async caseRecord(actor: StaffActor, caseId: string): Promise<CaseRecord> {
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'read', audit);
      const { bundle, consented } = await this.#bundle(tx, actor, row, false);
      audit({ action: 'case.record_view', objectType: 'case', objectId: row.id, details: { part: 'record' } });
      return {
        bundle,
        hasConsentedContact: consented.length > 0,
        maySeeContact: maySeeContact(actor, row),
        contactRequests: (await this.store.contactRequests(tx, row.id)).map((r) => contactRequestView(r, actor, this.now())),
      };
    });
  }

  /**
   * The bundle as a file: canonical JSON (domain/case-handover.ts, canonicalJson) and its SHA-256,
   * recorded in the export's audit entry. With contact details only under an approval of the
   * actor's own request that is unused and in time (spent by this export), and only for reports
   * whose reporter consented to be contacted.
   */
  async exportBundle(actor: StaffActor, caseId: string, options: { withContact: boolean }): Promise<ExportedBundle> {
    if (options.withContact) requirePermission(actor, 'revealContact', 'You may not do this.');
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'read', audit);
      let requestId: number | undefined;
      if (options.withContact) {
        if (!maySeeContact(actor, row)) throw forbidden('Only a supervisor or the assigned analyst may see contact details.');
        const now = this.now();
        const usable = (await this.store.contactRequests(tx, row.id)).find((r) => contactApprovalUsable(r, actor, now));
        if (!usable || !(await this.store.useContactRequest(tx, usable.id, now))) {
          throw refused(
            'no_approval',
            'Contact details go into a bundle only under an approval of your own request, once, within its time.',
          );
        }
        requestId = usable.id;
      }
      const { bundle: built } = await this.#bundle(tx, actor, row, options.withContact);
      const bundle = caseBundleSchema.parse(built);
      const body = canonicalJson(bundle);
      const sha256 = createHash('sha256').update(body, 'utf8').digest('hex');
      audit({
        action: 'case.export',
        objectType: 'case',
        objectId: row.id,
        details: {
          sha256,
          version: bundleVersion,
          contactIncluded: bundle.contactIncluded,
          ...(requestId === undefined ? {} : { requestId }),
        },
      });
      return { body, sha256, filename: `${row.reference}-case-file.json`, contactIncluded: bundle.contactIncluded };
    });
  }

  /**
   * Asks for the reporter's contact details to go with the next bundle, for a purpose of the closed
   * list; by an analyst or supervisor who may see them. Refused when no reporter of the case
   * consented to be contacted, or while another request waits.
   */
  async requestContact(actor: StaffActor, caseId: string, purpose: string): Promise<number> {
    const input = parseInput(contactRequestSchema, { purpose });
    requirePermission(actor, 'workCases', 'You may not do this.');
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'read', audit);
      if (!maySeeContact(actor, row)) throw forbidden('Only a supervisor or the assigned analyst may see contact details.');
      const reports = await this.store.reports(tx, row.id);
      if (!reports.some(consentedContact)) throw refused('no_consent', 'No reporter of this case consented to be contacted.');
      const id = await this.store.insertContactRequest(tx, {
        caseId: row.id,
        purpose: input.purpose,
        requestedBy: actor.id,
        requestedAt: this.now(),
      });
      if (id === undefined) throw refused('request_waiting', 'A request for this case already waits for a decision.');
      audit({ action: 'case.contact_request', objectType: 'case', objectId: row.id, details: { requestId: id, purpose: input.purpose } });
      return id;
    });
  }

  /** A supervisor other than the requester approves or refuses a waiting request. */
  async decideContact(actor: StaffActor, caseId: string, requestId: number, decision: string): Promise<void> {
    requirePermission(actor, 'superviseCases', 'You may not do this.');
    if (!(contactDecisions as readonly string[]).includes(decision)) {
      throw new HifazatError('validation_failed', 'Approve or refuse.', { issues: [{ field: 'decision', problem: 'invalid_choice' }] });
    }
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'read', audit);
      const request = Number.isSafeInteger(requestId) ? await this.store.contactRequest(tx, requestId) : undefined;
      if (!request || request.caseId !== row.id) throw notFound('request');
      if (request.decision !== null) throw refused('already_decided', 'This request has already been decided.');
      if (!mayDecideContactRequest(actor, request)) throw forbidden('Another supervisor must decide a request you made.');
      if (!(await this.store.decideContactRequest(tx, request.id, decision as ContactDecision, actor.id, this.now()))) {
        throw refused('already_decided', 'This request has already been decided.');
      }
      audit({
        action: 'case.contact_decide',
        objectType: 'case',
        objectId: row.id,
        details: { requestId: request.id, decision, requestedBy: request.requestedBy },
      });
    });
  }

  /** The checklist, every item (recorded or not), notes decrypted. Audited, as notes may speak of the child. */
  async courtChecklist(
    actor: StaffActor,
    caseId: string,
  ): Promise<{ caseId: string; reference: string; state: CaseState; items: ChecklistItemView[] }> {
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'read', audit);
      const items = await this.#checklist(tx, row.id);
      audit({ action: 'case.record_view', objectType: 'case', objectId: row.id, details: { part: 'court_checklist' } });
      return { caseId: row.id, reference: row.reference, state: row.state, items };
    });
  }

  /** Records one checklist item: done or not, and its note (encrypted; none given removes it). */
  async recordChecklistItem(actor: StaffActor, caseId: string, update: CourtChecklistUpdate): Promise<void> {
    const input = parseInput(courtChecklistUpdateSchema, update);
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'work', audit);
      await this.store.recordChecklistItem(tx, {
        caseId: row.id,
        item: input.item,
        done: input.done,
        note: input.note === undefined ? null : this.keyring.encrypt(input.note, caseContexts.courtChecklistNote(row.id, input.item)),
        updatedBy: actor.id,
        updatedAt: this.now(),
      });
      audit({
        action: 'case.court_checklist',
        objectType: 'case',
        objectId: row.id,
        details: { item: input.item, done: input.done, noteGiven: input.note !== undefined },
      });
    });
  }

  async #checklist(tx: Tx, caseId: string): Promise<ChecklistItemView[]> {
    const rows = await this.store.checklist(tx, caseId);
    return courtChecklistItems.map((item) => {
      const r = rows.find((x) => x.item === item);
      return {
        item,
        done: r?.done ?? false,
        note: r?.note ? this.keyring.decrypt(r.note, caseContexts.courtChecklistNote(caseId, item)) : null,
        updatedBy: r?.updatedBy ?? null,
        updatedAt: r?.updatedAt ?? null,
      };
    });
  }

  /** One reading of the case as the bundle's shape; contact details of consenting reporters when `withContact`. */
  async #bundle(tx: Tx, actor: StaffActor, row: CaseRow, withContact: boolean): Promise<{ bundle: CaseBundle; consented: string[] }> {
    const reports = await this.store.reports(tx, row.id);
    const ids = reports.map((r) => r.id);
    const [urls, classifications, urlClassifications, messages, referrals, entries, checklist] = [
      await this.store.urls(tx, ids),
      await this.store.classifications(tx, ids),
      await this.store.urlClassifications(tx, ids),
      await this.store.messages(tx, ids),
      await this.store.referrals(tx, row.id),
      await this.store.auditEntries(tx, row.id, ids),
      await this.#checklist(tx, row.id),
    ];
    const hashes = urls.map((u) => u.urlHash);
    const elsewhere = await this.store.otherCasesByUrlHash(tx, row.id, hashes);
    const staffIds = new Set<string>([actor.id]);
    for (const id of [
      row.assignedTo,
      ...reports.map((r) => r.filedBy),
      ...[...classifications, ...urlClassifications].map((c) => c.classifiedBy),
      ...messages.map((m) => m.staffId),
      ...referrals.map((r) => r.referral.createdBy),
      ...checklist.map((c) => c.updatedBy),
    ])
      if (id) staffIds.add(id);
    const staff = await this.store.staff(tx, [...staffIds]);
    const person = (id: string | null | undefined) => {
      const s = id ? staff.find((x) => x.id === id) : undefined;
      return s ? { id: s.id, name: s.displayName, email: s.email } : null;
    };
    const classificationOf = (c: ClassificationRow | undefined) =>
      c
        ? {
            category: c.category,
            legalBases: c.legalBases,
            interpolBaseline: c.interpolBaseline,
            tags: c.tags,
            victimAgeBand: c.victimAgeBand,
            victimSex: c.victimSex,
            materialViewed: c.materialViewed,
            viewedBy: c.viewedBy,
            classifiedBy: person(c.classifiedBy),
            classifiedAt: pakistanIsoTime(c.classifiedAt),
          }
        : null;
    const consented = reports.filter(consentedContact).map((r) => r.id);
    const firHistory = (referralId: number) =>
      entries
        .filter(
          (e) =>
            (e.action === 'referral.add' || e.action === 'referral.update') &&
            e.details.referralId === referralId &&
            typeof e.details.firStatus === 'string',
        )
        .map((e) => ({ at: pakistanIsoTime(e.at), firStatus: e.details.firStatus as FirStatus, by: e.actor }));
    const bundle: CaseBundle = {
      format: bundleFormat,
      version: bundleVersion,
      exportedAt: pakistanIsoTime(this.now()),
      exportedBy: person(actor.id),
      contactIncluded: withContact && consented.length > 0,
      case: {
        id: row.id,
        reference: row.reference,
        state: row.state,
        closureReason: row.state === 'closed' ? row.closureReason : null,
        openedAt: pakistanIsoTime(row.createdAt),
        closedAt: row.closedAt ? pakistanIsoTime(row.closedAt) : null,
        assignedTo: person(row.assignedTo),
      },
      reports: reports.map((r) => {
        const sensitive = JSON.parse(this.keyring.decrypt(r.sensitive, reportContexts.sensitive(r.id))) as {
          site: string | null;
          description: string | null;
        };
        const contact =
          withContact && consented.includes(r.id) && r.contact
            ? (JSON.parse(this.keyring.decrypt(r.contact, reportContexts.contact(r.id))) as Record<string, string | undefined>)
            : undefined;
        return {
          id: r.id,
          receivedAt: pakistanIsoTime(r.createdAt),
          kind: r.kind,
          language: r.language,
          source: r.source,
          filedBy: person(r.filedBy),
          filingChannel: r.filingChannel,
          filingConsent: r.filingConsent,
          contactConsent: r.contactConsent,
          facts: {
            occurredOn: r.occurredOn,
            occurredPrecision: r.occurredPrecision,
            province: r.province,
            district: r.district ?? (r.districtTyped ? this.keyring.decrypt(r.districtTyped, reportContexts.district(r.id)) : null),
            area: r.area,
            childAgeBand: r.childAgeBand,
            childSex: r.childSex,
            abuserRelationship: r.abuserRelationship,
            place: r.place,
            inDangerNow: r.inDangerNow,
            policeStatus: r.policeStatus,
            reporterRelationship: r.reporterRelationship,
          },
          site: sensitive.site ?? null,
          narrative: sensitive.description ?? null,
          detailsAddedAt: r.detailsAddedAt ? pakistanIsoTime(r.detailsAddedAt) : null,
          links: urls
            .filter((u) => u.reportId === r.id)
            .map((u) => ({
              position: u.position,
              defanged: defangUrl(this.keyring.decrypt(u.url, reportContexts.url(r.id, u.position))),
              keyedHash: u.urlHash.toString('hex'),
              classification: classificationOf(urlClassifications.find((c) => c.reportId === r.id && c.position === u.position)),
              alsoReportedIn: [...new Set(elsewhere.filter((e) => e.urlHash.equals(u.urlHash)).map((e) => e.reference))],
            })),
          classification: classificationOf(classifications.find((c) => c.reportId === r.id)),
          messages: messages
            .filter((m) => m.reportId === r.id)
            .map((m) => ({
              author: m.author,
              staff: person(m.staffId),
              at: pakistanIsoTime(m.createdAt),
              body: this.keyring.decrypt(m.body, reportContexts.message(r.id, m.author)),
            })),
          ...(contact ? { contact: { name: contact.name ?? null, phone: contact.phone ?? null, email: contact.email ?? null } } : {}),
        };
      }),
      referrals: referrals.map(({ referral: r, agency, agencyUrdu }) => ({
        id: r.id,
        agency,
        agencyUrdu,
        referredAt: pakistanIsoTime(r.referredAt),
        method: r.method,
        agencyReference: r.agencyReference,
        firStatus: r.firStatus,
        followUpOn: r.followUpOn,
        notes: r.notes ? this.keyring.decrypt(r.notes, caseContexts.referralNotes(r.id)) : null,
        recordedBy: person(r.createdBy),
        firHistory: firHistory(r.id),
      })),
      courtChecklist: checklist.map((c) => ({
        item: c.item,
        done: c.done,
        note: c.note,
        updatedBy: person(c.updatedBy),
        updatedAt: c.updatedAt ? pakistanIsoTime(c.updatedAt) : null,
      })),
      audit: entries.map((e) => ({
        seq: e.seq,
        at: pakistanIsoTime(e.at),
        actor: e.actor,
        action: e.action,
        objectType: e.objectType,
        objectId: e.objectId,
        details: e.details,
        hash: e.hash.toString('hex'),
      })),
    };
    return { bundle, consented };
  }
}

/** A refusal the record page explains beside the contact details' forms (field 'contact', a problem key). */
const refused = (problem: string, message: string) =>
  new HifazatError('invalid_state', message, { issues: [{ field: 'contact', problem }] });

const consentedContact = (r: { contactConsent: boolean; contact: Buffer | null }) => r.contactConsent && r.contact !== null;
