import { maySeeContact, requirePermission, type StaffActor } from '../../domain/actor.ts';
import type { Classification } from '../../domain/classification.ts';
import type { FilingChannel } from '../../domain/report.ts';
import { defangUrl } from '../../domain/url.ts';
import type { CaseReportStore, ClassificationRow, DuplicateRow } from '../../store/case-reports.ts';
import type { ReportFacts } from '../../store/schema.ts';
import type { Keyring } from '../keys.ts';
import { reportContexts } from '../../domain/encryption-contexts.ts';
import { forbidden, notFound, type CaseAccess } from './access.ts';
import { summary, type CaseSummary } from './summary.ts';

export interface ClassificationView extends Classification {
  classifiedBy: string;
  classifiedAt: Date;
}

export interface UrlView {
  position: number;
  /** Never the raw URL: copyUrl gives that, audited. */
  defanged: string;
  classification: ClassificationView | null;
}

export interface MessageView {
  id: number;
  author: 'reporter' | 'staff';
  staffId: string | null;
  body: string;
  createdAt: Date;
}

export interface ReportView extends ReportFacts {
  id: string;
  case: CaseSummary;
  source: string;
  /** For a report staff filed for a caller: who filed it, how the caller reached them, and the caller's consent to filing. */
  filedBy: string | null;
  filingChannel: FilingChannel | null;
  filingConsent: boolean | null;
  receivedAt: Date;
  /** When the reporter added details after the receipt (services/reports.ts, addDetails); null: never. */
  detailsAddedAt: Date | null;
  /** Contact details exist (with consent); revealContact shows them, audited. */
  hasContact: boolean;
  site: string | null;
  description: string | null;
  urls: UrlView[];
  classification: ClassificationView | null;
  messages: MessageView[];
}

export interface ContactDetails {
  name: string | null;
  phone: string | null;
  email: string | null;
}

/** A report in another case that may be the same: why, in `sameUrl` and `sameIncident`. */
export type DuplicateSuggestion = DuplicateRow;

const maxDuplicateSuggestions = 50;

/** A report as staff read it, the links and contact details it holds, and the reports like it. */
export class ReportViews {
  constructor(
    private readonly access: CaseAccess,
    private readonly store: Pick<
      CaseReportStore,
      'urls' | 'url' | 'classification' | 'urlClassifications' | 'messages' | 'duplicates' | 'markFirstRead'
    >,
    private readonly keyring: Keyring,
  ) {}

  /**
   * A report as an analyst reads it: narrative and site decrypted, links defanged, the
   * classifications, the message thread and its case. Contact details are left out. Audited.
   * The first opening is when the reporter is told it was read (domain/reporter-status.ts).
   */
  async viewReport(actor: StaffActor, reportId: string): Promise<ReportView> {
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const { report, case: row } = await this.access.openReport(tx, actor, reportId, 'read', audit);
      if (report.firstReadAt === null) await this.store.markFirstRead(tx, report.id);
      const urls = await this.store.urls(tx, report.id);
      const urlClassifications = await this.store.urlClassifications(tx, report.id);
      const classification = await this.store.classification(tx, report.id);
      const messages = await this.store.messages(tx, report.id);
      const sensitive = JSON.parse(this.keyring.decrypt(report.sensitive, reportContexts.sensitive(report.id))) as {
        site: string | null;
        description: string | null;
      };
      audit({ action: 'report.view', objectType: 'report', objectId: report.id, details: { caseId: row.id } });
      return {
        id: report.id,
        case: summary(row),
        kind: report.kind,
        language: report.language,
        source: report.source,
        filedBy: report.filedBy,
        filingChannel: report.filingChannel,
        filingConsent: report.filingConsent,
        receivedAt: report.createdAt,
        detailsAddedAt: report.detailsAddedAt,
        occurredOn: report.occurredOn,
        occurredPrecision: report.occurredPrecision,
        province: report.province,
        // The list's name, or what the reporter typed when it is not on the list (kept encrypted).
        district:
          report.district ?? (report.districtTyped && this.keyring.decrypt(report.districtTyped, reportContexts.district(report.id))),
        area: report.area,
        childAgeBand: report.childAgeBand,
        childSex: report.childSex,
        abuserRelationship: report.abuserRelationship,
        place: report.place,
        inDangerNow: report.inDangerNow,
        policeStatus: report.policeStatus,
        reporterRelationship: report.reporterRelationship,
        hasContact: report.contact !== null,
        site: sensitive.site,
        description: sensitive.description,
        urls: urls.map((u) => {
          const classified = urlClassifications.find((c) => c.position === u.position);
          return {
            position: u.position,
            defanged: defangUrl(this.keyring.decrypt(u.url, reportContexts.url(report.id, u.position))),
            classification: classified ? classificationView(classified) : null,
          };
        }),
        classification: classification ? classificationView(classification) : null,
        messages: messages.map((m) => ({
          id: m.id,
          author: m.author,
          staffId: m.staffId,
          body: this.keyring.decrypt(m.body, reportContexts.message(report.id, m.author)),
          createdAt: m.createdAt,
        })),
      };
    });
  }

  /**
   * The raw URL, for an explicit copy (to notify a host or refer it): analysts and supervisors
   * who reach the case, never auditors, always audited.
   */
  async copyUrl(actor: StaffActor, reportId: string, position: number): Promise<string> {
    requirePermission(actor, 'workCases', 'You may not do this.');
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const { report } = await this.access.openReport(tx, actor, reportId, 'read', audit);
      const url = await this.store.url(tx, report.id, position);
      if (!url) throw notFound('link');
      audit({ action: 'url.copy', objectType: 'report', objectId: report.id, details: { position } });
      return this.keyring.decrypt(url.url, reportContexts.url(report.id, position));
    });
  }

  /**
   * The reporter's contact details (null when none were given): a supervisor, or the analyst
   * the case is assigned to. Audited.
   */
  async revealContact(actor: StaffActor, reportId: string): Promise<ContactDetails | null> {
    requirePermission(actor, 'revealContact', 'You may not do this.');
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const { report, case: row } = await this.access.openReport(tx, actor, reportId, 'read', audit);
      if (!maySeeContact(actor, row)) {
        throw forbidden('Only a supervisor or the assigned analyst may see contact details.');
      }
      audit({ action: 'contact.reveal', objectType: 'report', objectId: report.id, details: { caseId: row.id } });
      return report.contact
        ? (JSON.parse(this.keyring.decrypt(report.contact, reportContexts.contact(report.id))) as ContactDetails)
        : null;
    });
  }

  /**
   * Reports in other cases that may be the same: one of the same normalised links, or a likely
   * same incident (domain/same-incident.ts). Identifiers only, for the analyst to open and link;
   * not audited, as it shows no content.
   */
  async duplicates(actor: StaffActor, reportId: string): Promise<DuplicateSuggestion[]> {
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const { report } = await this.access.openReport(tx, actor, reportId, 'read', audit);
      return this.store.duplicates(tx, report, maxDuplicateSuggestions);
    });
  }
}

export function classificationView(row: ClassificationRow): ClassificationView {
  return {
    category: row.category,
    legalBases: row.legalBases,
    interpolBaseline: row.interpolBaseline,
    tags: row.tags,
    victimAgeBand: row.victimAgeBand,
    victimSex: row.victimSex,
    materialViewed: row.materialViewed,
    viewedBy: row.viewedBy ?? undefined,
    classifiedBy: row.classifiedBy,
    classifiedAt: row.classifiedAt,
  };
}
