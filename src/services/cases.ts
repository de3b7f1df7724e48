import { and, asc, count, desc, eq, inArray, isNotNull, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { caseStates, type CaseState, type ClosureReason } from '../domain/case.ts';
import {
  canMoveCase, closureRequestSchema, messageSchema, noteSchema, parseInput, referralSchema, referralUpdateSchema,
  taskSchema, type ReferralInput, type ReferralUpdate, type TaskInput,
} from '../domain/case-work.ts';
import {
  caseUrgency, classificationSchema, compareUrgency, triageDueAt, type Classification, type FirStatus,
} from '../domain/classification.ts';
import { HifazatError } from '../domain/errors.ts';
import { pakistanToday, type ReportInput } from '../domain/report.ts';
import { can, type Permission } from '../domain/staff.ts';
import { defangUrl } from '../domain/url.ts';
import type { Database, Tx } from '../store/database.ts';
import {
  agencies, caseNotes, cases, caseTasks, incidentRecords, referrals, reportClassifications, reportMessages, reports,
  reportUrlClassifications, reportUrls, staffUsers, type ReportFacts,
} from '../store/schema.ts';
import type { AuditEntry, AuditLog } from './audit.ts';
import type { Keyring } from './keys.ts';
import { reportContexts, type ReportService, type Submitted } from './reports.ts';
import type { StaffMember } from './staff.ts';
import { readRetentionDays } from './settings.ts';

type CaseRow = typeof cases.$inferSelect;
type ReportRow = typeof reports.$inferSelect;

export interface ClassificationView extends Classification {
  classifiedBy: string;
  classifiedAt: Date;
}

export interface CaseSummary {
  id: string;
  reference: string;
  state: CaseState;
  assignedTo: string | null;
  unreadReporterMessages: number;
  /** A closure waiting for a second person's approval. */
  closureRequest: { reason: ClosureReason; requestedBy: string; requestedAt: Date } | null;
  closureReason: ClosureReason | null;
  mergedInto: string | null;
  createdAt: Date;
  closedAt: Date | null;
}

export interface QueueItem {
  case: CaseSummary;
  reportIds: string[];
  kinds: string[];
  /** The most urgent of the case's reports: in danger if any says so, the youngest band, the first receipt. */
  inDangerNow: boolean | null;
  ageBand: string;
  receivedAt: Date;
  /** The first classified category, if any. */
  category: string | null;
  /** Triage target: 2 hours when a child is in danger now, else 24 hours. */
  dueAt: Date;
  /** Still 'new' after its target. */
  overdue: boolean;
  hasUnreadMessages: boolean;
  overdueTasks: number;
  overdueFollowUps: number;
}

export interface OverdueTask {
  taskId: number;
  caseId: string;
  reference: string;
  title: string;
  dueOn: string;
  assignedTo: string | null;
}

export interface OverdueFollowUp {
  referralId: number;
  caseId: string;
  reference: string;
  agency: string;
  firStatus: FirStatus;
  followUpOn: string;
}

export interface Queue {
  items: QueueItem[];
  /** Cases per state among those the staff member reaches (before the state filter). */
  counts: Record<CaseState, number>;
  overdueTasks: OverdueTask[];
  overdueFollowUps: OverdueFollowUp[];
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
  filedBy: string | null;
  receivedAt: Date;
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

export interface TaskView {
  id: number;
  title: string;
  dueOn: string;
  assignedTo: string | null;
  createdBy: string;
  doneAt: Date | null;
  overdue: boolean;
}

export interface ReferralView {
  id: number;
  agencyId: string;
  agency: string;
  referredAt: Date;
  method: string;
  agencyReference: string | null;
  firStatus: FirStatus;
  followUpOn: string | null;
  followUpOverdue: boolean;
  notes: string | null;
  createdBy: string;
}

export interface CaseView extends CaseSummary {
  reports: { id: string; kind: string; receivedAt: Date; inDangerNow: boolean | null; category: string | null }[];
  notes: { id: number; authorId: string; body: string; createdAt: Date }[];
  tasks: TaskView[];
  referrals: ReferralView[];
}

export interface DuplicateSuggestion {
  reportId: string;
  caseId: string;
  reference: string;
  state: CaseState;
  assignedTo: string | null;
  receivedAt: Date;
  /** Why it is suggested: the same normalised link, and/or a likely same incident. */
  sameUrl: boolean;
  sameIncident: boolean;
}

export interface Agency {
  id: string;
  name: string;
  kind: string;
  contact: string | null;
}

type Access = 'read' | 'work';
const permissionFor: Record<Access, Permission> = { read: 'readCases', work: 'workCases' };
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const maxDuplicateSuggestions = 50;
/** How far apart two reports' incident dates may be to suggest the same incident. */
const sameIncidentDays = 3;

/** Ciphertexts of case work, bound to their row and column like the reports'. */
const context = {
  note: (id: number) => `case_notes/${id}/body`,
  referralNotes: (id: number) => `referrals/${id}/notes`,
};

const forbidden = (message = 'You may not do this.') => new HifazatError('forbidden', message);
const notFound = (what: string) => new HifazatError('not_found', `No such ${what}.`);
const invalidState = (message: string) => new HifazatError('invalid_state', message);

/** Who an audit entry names: a staff member, or the system for scheduled work. */
interface Auditor {
  id: string | null;
  label: string;
}
type Audit = (entry: Omit<AuditEntry, 'actorId' | 'actor'>) => void;
const system: Auditor = { id: null, label: 'system' };

/**
 * The analysts' console's case work. Every method takes the acting staff member and checks their
 * role (domain/staff.ts) and their reach over the object: supervisors reach every case; analysts
 * the cases assigned to them and unassigned 'new' ones (working on one takes it: it is assigned to
 * them, audited); auditors read every case and change nothing; administrators read no case content.
 * Every change is audited in the transaction that makes it; reading report or case content and
 * revealing a URL or contact details are audited too.
 */
export class CaseWork {
  constructor(
    private readonly database: Database,
    private readonly keyring: Keyring,
    private readonly audit: AuditLog,
    private readonly reports: ReportService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Runs `body` in one transaction and appends its audit entries at the end, as AuditLog asks
   * (its lock is held until the commit), so an action and its record commit together.
   */
  #transaction<T>(auditor: Auditor, body: (tx: Tx, audit: Audit) => Promise<T>): Promise<T> {
    return this.database.db.transaction(async (tx) => {
      const entries: Parameters<Audit>[0][] = [];
      const result = await body(tx, (entry) => entries.push(entry));
      for (const entry of entries) await this.audit.append(tx, { actorId: auditor.id, actor: auditor.label, ...entry });
      return result;
    });
  }

  #as(actor: StaffMember): Auditor {
    return { id: actor.id, label: actor.email };
  }

  #require(actor: StaffMember, permission: Permission): void {
    if (!can(actor.role, permission)) throw forbidden();
  }

  /** Analysts reach their own cases and unassigned new ones; other case roles reach all. */
  #reaches(actor: StaffMember, row: Pick<CaseRow, 'assignedTo' | 'state'>): boolean {
    if (actor.role !== 'analyst') return true;
    return row.assignedTo === actor.id || (row.assignedTo === null && row.state === 'new');
  }

  /** The same rule as #reaches, as SQL for lists. */
  #reachCondition(actor: StaffMember): SQL | undefined {
    if (actor.role !== 'analyst') return undefined;
    return or(eq(cases.assignedTo, actor.id), and(isNull(cases.assignedTo), eq(cases.state, 'new')));
  }

  /**
   * Loads a case the actor may read or work on. Work locks the row (concurrent changes to one
   * case queue up), refuses a closed case, and has an analyst take an unassigned new case.
   */
  async #openCase(tx: Tx, actor: StaffMember, caseId: string, access: Access, audit: Audit): Promise<CaseRow> {
    this.#require(actor, permissionFor[access]);
    if (!uuidPattern.test(caseId)) throw notFound('case');
    const query = tx.select().from(cases).where(eq(cases.id, caseId));
    const [row] = access === 'work' ? await query.for('update') : await query;
    if (!row) throw notFound('case');
    if (!this.#reaches(actor, row)) throw forbidden('This case is not assigned to you.');
    if (access === 'read') return row;
    if (row.state === 'closed') throw invalidState('This case is closed.');
    if (actor.role === 'analyst' && row.assignedTo === null) {
      await tx.update(cases).set({ assignedTo: actor.id, updatedAt: this.now() }).where(eq(cases.id, row.id));
      audit({ action: 'case.assign', objectType: 'case', objectId: row.id, details: { staffId: actor.id, taken: true } });
      return { ...row, assignedTo: actor.id };
    }
    return row;
  }

  async #openReport(
    tx: Tx,
    actor: StaffMember,
    reportId: string,
    access: Access,
    audit: Audit,
  ): Promise<{ report: ReportRow; case: CaseRow }> {
    this.#require(actor, permissionFor[access]);
    if (!uuidPattern.test(reportId)) throw notFound('report');
    const [report] = await tx.select().from(reports).where(eq(reports.id, reportId));
    if (!report) throw notFound('report');
    return { report, case: await this.#openCase(tx, actor, report.caseId, access, audit) };
  }

  /** The triage queue: open cases (or those in `state`) the actor reaches, most urgent first. */
  async queue(actor: StaffMember, options: { state?: CaseState } = {}): Promise<Queue> {
    this.#require(actor, 'readCases');
    const db = this.database.db;
    const now = this.now();
    const today = pakistanToday(now);
    const reach = this.#reachCondition(actor);
    const open = ne(cases.state, 'closed');

    const [countRows, rows, overdueTasks, overdueFollowUps] = await Promise.all([
      db.select({ state: cases.state, n: count() }).from(cases).where(reach).groupBy(cases.state),
      db
        .select({
          case: cases,
          reportId: reports.id,
          kind: reports.kind,
          inDangerNow: reports.inDangerNow,
          childAgeBand: reports.childAgeBand,
          receivedAt: reports.createdAt,
          category: reportClassifications.category,
          victimAgeBand: reportClassifications.victimAgeBand,
        })
        .from(cases)
        .innerJoin(reports, eq(reports.caseId, cases.id))
        .leftJoin(reportClassifications, eq(reportClassifications.reportId, reports.id))
        .where(and(reach, options.state ? eq(cases.state, options.state) : open))
        .orderBy(asc(reports.createdAt)),
      db
        .select({
          taskId: caseTasks.id,
          caseId: cases.id,
          reference: cases.reference,
          title: caseTasks.title,
          dueOn: caseTasks.dueOn,
          assignedTo: caseTasks.assignedTo,
        })
        .from(caseTasks)
        .innerJoin(cases, eq(cases.id, caseTasks.caseId))
        .where(and(reach, open, isNull(caseTasks.doneAt), lt(caseTasks.dueOn, today)))
        .orderBy(asc(caseTasks.dueOn), asc(caseTasks.id)),
      db
        .select({
          referralId: referrals.id,
          caseId: cases.id,
          reference: cases.reference,
          agency: agencies.name,
          firStatus: referrals.firStatus,
          followUpOn: referrals.followUpOn,
        })
        .from(referrals)
        .innerJoin(cases, eq(cases.id, referrals.caseId))
        .innerJoin(agencies, eq(agencies.id, referrals.agencyId))
        .where(and(reach, open, isNotNull(referrals.followUpOn), lt(referrals.followUpOn, today)))
        .orderBy(asc(referrals.followUpOn), asc(referrals.id)),
    ]);

    const byCase = new Map<string, { row: CaseRow; reports: typeof rows }>();
    for (const row of rows) {
      const entry = byCase.get(row.case.id) ?? { row: row.case, reports: [] };
      entry.reports.push(row);
      byCase.set(row.case.id, entry);
    }
    const items = [...byCase.values()].map(({ row, reports: caseReports }): QueueItem => {
      const [first, ...rest] = caseReports.map((r) => ({
        inDangerNow: r.inDangerNow,
        // The analyst's judgement, when made, over the reporter's answer.
        ageBand: r.victimAgeBand && r.victimAgeBand !== 'unknown' ? r.victimAgeBand : r.childAgeBand,
        receivedAt: r.receivedAt,
      }));
      const urgency = caseUrgency([first!, ...rest]);
      const dueAt = triageDueAt(urgency.receivedAt, urgency.inDangerNow);
      return {
        case: summary(row),
        reportIds: caseReports.map((r) => r.reportId),
        kinds: [...new Set(caseReports.map((r) => r.kind))],
        ...urgency,
        category: caseReports.find((r) => r.category)?.category ?? null,
        dueAt,
        overdue: row.state === 'new' && now > dueAt,
        hasUnreadMessages: row.unreadReporterMessages > 0,
        overdueTasks: overdueTasks.filter((t) => t.caseId === row.id).length,
        overdueFollowUps: overdueFollowUps.filter((f) => f.caseId === row.id).length,
      };
    });
    items.sort(compareUrgency);

    const counts = Object.fromEntries(caseStates.map((s) => [s, 0])) as Record<CaseState, number>;
    for (const { state, n } of countRows) counts[state as CaseState] = n;
    return {
      items,
      counts,
      overdueTasks,
      overdueFollowUps: overdueFollowUps.map((f) => ({ ...f, firStatus: f.firStatus as FirStatus, followUpOn: f.followUpOn! })),
    };
  }

  /**
   * A report as an analyst reads it: narrative and site decrypted, links defanged, the
   * classifications, the message thread and its case. Contact details are left out. Audited.
   */
  async viewReport(actor: StaffMember, reportId: string): Promise<ReportView> {
    return this.#transaction(this.#as(actor), async (tx, audit) => {
      const { report, case: row } = await this.#openReport(tx, actor, reportId, 'read', audit);
      const urls = await tx.select().from(reportUrls).where(eq(reportUrls.reportId, report.id)).orderBy(asc(reportUrls.position));
      const urlClassifications = await tx
        .select()
        .from(reportUrlClassifications)
        .where(eq(reportUrlClassifications.reportId, report.id));
      const [classification] = await tx.select().from(reportClassifications).where(eq(reportClassifications.reportId, report.id));
      const messages = await tx
        .select()
        .from(reportMessages)
        .where(eq(reportMessages.reportId, report.id))
        .orderBy(asc(reportMessages.id));
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
        receivedAt: report.createdAt,
        occurredOn: report.occurredOn,
        occurredPrecision: report.occurredPrecision,
        province: report.province,
        // The list's name, or what the reporter typed when it is not on the list (kept encrypted).
        district: report.district ?? (report.districtTyped && this.keyring.decrypt(report.districtTyped, reportContexts.district(report.id))),
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
          author: m.author as MessageView['author'],
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
  async copyUrl(actor: StaffMember, reportId: string, position: number): Promise<string> {
    this.#require(actor, 'workCases');
    return this.#transaction(this.#as(actor), async (tx, audit) => {
      const { report } = await this.#openReport(tx, actor, reportId, 'read', audit);
      const [url] = await tx
        .select()
        .from(reportUrls)
        .where(and(eq(reportUrls.reportId, report.id), eq(reportUrls.position, position)));
      if (!url) throw notFound('link');
      audit({ action: 'url.copy', objectType: 'report', objectId: report.id, details: { position } });
      return this.keyring.decrypt(url.url, reportContexts.url(report.id, position));
    });
  }

  /**
   * The reporter's contact details (null when none were given): a supervisor, or the analyst
   * the case is assigned to. Audited.
   */
  async revealContact(actor: StaffMember, reportId: string): Promise<ContactDetails | null> {
    this.#require(actor, 'revealContact');
    return this.#transaction(this.#as(actor), async (tx, audit) => {
      const { report, case: row } = await this.#openReport(tx, actor, reportId, 'read', audit);
      if (actor.role !== 'supervisor' && row.assignedTo !== actor.id) {
        throw forbidden('Only a supervisor or the assigned analyst may see contact details.');
      }
      audit({ action: 'contact.reveal', objectType: 'report', objectId: report.id, details: { caseId: row.id } });
      return report.contact
        ? (JSON.parse(this.keyring.decrypt(report.contact, reportContexts.contact(report.id))) as ContactDetails)
        : null;
    });
  }

  /**
   * Classifies a report. The case's anonymous incident record takes its category, and the
   * victim's sex and age band where the analyst knows them; a new case becomes triaged.
   */
  async classifyReport(actor: StaffMember, reportId: string, input: unknown): Promise<void> {
    const c = parseInput(classificationSchema, input);
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      const { report, case: row } = await this.#openReport(tx, actor, reportId, 'work', audit);
      const values = classificationValues(c, actor, this.now());
      await tx
        .insert(reportClassifications)
        .values({ reportId: report.id, ...values })
        .onConflictDoUpdate({ target: reportClassifications.reportId, set: values });
      await tx
        .update(incidentRecords)
        .set({
          category: c.category,
          // undefined leaves the column as the reporter answered it.
          victimSex: c.victimSex === 'unknown' ? undefined : c.victimSex,
          ageBand: c.victimAgeBand === 'unknown' ? undefined : c.victimAgeBand,
          updatedAt: this.now(),
        })
        .where(eq(incidentRecords.caseId, row.id));
      audit({ action: 'report.classify', objectType: 'report', objectId: report.id, details: { category: c.category } });
      if (row.state === 'new') await this.#moveTo(tx, row, 'triaged', audit);
    });
  }

  /** Classifies one link of a report (its position in the report). */
  async classifyUrl(actor: StaffMember, reportId: string, position: number, input: unknown): Promise<void> {
    const c = parseInput(classificationSchema, input);
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      const { report } = await this.#openReport(tx, actor, reportId, 'work', audit);
      const [url] = await tx
        .select({ position: reportUrls.position })
        .from(reportUrls)
        .where(and(eq(reportUrls.reportId, report.id), eq(reportUrls.position, position)));
      if (!url) throw notFound('link');
      const values = classificationValues(c, actor, this.now());
      await tx
        .insert(reportUrlClassifications)
        .values({ reportId: report.id, position, ...values })
        .onConflictDoUpdate({ target: [reportUrlClassifications.reportId, reportUrlClassifications.position], set: values });
      audit({ action: 'url.classify', objectType: 'report', objectId: report.id, details: { position, category: c.category } });
    });
  }

  /**
   * Reports in other cases that may be the same: one of the same normalised links, or a likely
   * same incident (dates within 3 days, the same district, and the same age band, sex and
   * category where both sides know them). Identifiers only, for the analyst to open and link.
   */
  async duplicates(actor: StaffMember, reportId: string): Promise<DuplicateSuggestion[]> {
    const effective = {
      ageBand: sql<string>`coalesce(nullif(${reportClassifications.victimAgeBand}, 'unknown'), ${reports.childAgeBand})`,
      sex: sql<string>`coalesce(nullif(${reportClassifications.victimSex}, 'unknown'), ${reports.childSex})`,
    };
    return this.database.db.transaction(async (tx) => {
      const { report } = await this.#openReport(tx, actor, reportId, 'read', () => {});
      const [target] = await tx
        .select({ ...effective, category: reportClassifications.category })
        .from(reports)
        .leftJoin(reportClassifications, eq(reportClassifications.reportId, reports.id))
        .where(eq(reports.id, report.id));
      const known = (column: SQL<string>, value: string) =>
        value === 'unknown' ? undefined : sql`${column} IN (${value}, 'unknown')`;
      const sameUrl = sql<boolean>`EXISTS (
        SELECT 1 FROM report_urls mine JOIN report_urls theirs ON theirs.url_hash = mine.url_hash
        WHERE mine.report_id = ${report.id} AND theirs.report_id = ${reports.id})`;
      const sameIncident =
        report.occurredOn && report.district
          ? and(
              sql`abs(${reports.occurredOn} - ${report.occurredOn}::date) <= ${sameIncidentDays}`,
              sql`lower(${reports.district}) = lower(${report.district})`,
              known(effective.ageBand, target!.ageBand),
              known(effective.sex, target!.sex),
              target!.category
                ? or(isNull(reportClassifications.category), eq(reportClassifications.category, target!.category))
                : undefined,
            )!
          : sql`false`;
      const rows = await tx
        .select({
          reportId: reports.id,
          caseId: cases.id,
          reference: cases.reference,
          state: cases.state,
          assignedTo: cases.assignedTo,
          receivedAt: reports.createdAt,
          sameUrl: sql<boolean>`${sameUrl}`,
          sameIncident: sql<boolean>`coalesce(${sameIncident}, false)`,
        })
        .from(reports)
        .innerJoin(cases, eq(cases.id, reports.caseId))
        .leftJoin(reportClassifications, eq(reportClassifications.reportId, reports.id))
        .where(and(ne(reports.caseId, report.caseId), or(sameUrl, sameIncident)))
        .orderBy(desc(reports.createdAt))
        .limit(maxDuplicateSuggestions);
      return rows.map((r) => ({ ...r, state: r.state as CaseState }));
    });
  }

  /**
   * Links two cases found to be one: the other case's reports, notes, tasks and referrals move
   * into the target, and the other is closed as a duplicate (merged_into the target) with no
   * approval needed, since nothing is dropped. Its incident record is deleted: statistics count
   * the incident once.
   */
  async linkReports(actor: StaffMember, targetCaseId: string, otherCaseId: string): Promise<void> {
    if (targetCaseId === otherCaseId) throw invalidState('A case cannot be linked to itself.');
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      // Lock both cases in one order, so two opposite links cannot deadlock.
      const [firstId, secondId] = [targetCaseId, otherCaseId].sort() as [string, string];
      const first = await this.#openCase(tx, actor, firstId, 'work', audit);
      const second = await this.#openCase(tx, actor, secondId, 'work', audit);
      const [target, other] = first.id === targetCaseId ? [first, second] : [second, first];
      const moved = await tx
        .update(reports)
        .set({ caseId: target.id, updatedAt: this.now() })
        .where(eq(reports.caseId, other.id))
        .returning({ id: reports.id });
      await tx.update(caseNotes).set({ caseId: target.id }).where(eq(caseNotes.caseId, other.id));
      await tx.update(caseTasks).set({ caseId: target.id }).where(eq(caseTasks.caseId, other.id));
      await tx.update(referrals).set({ caseId: target.id }).where(eq(referrals.caseId, other.id));
      await tx.delete(incidentRecords).where(eq(incidentRecords.caseId, other.id));
      await tx
        .update(cases)
        .set({
          unreadReporterMessages: sql`${cases.unreadReporterMessages} + ${other.unreadReporterMessages}`,
          updatedAt: this.now(),
        })
        .where(eq(cases.id, target.id));
      await tx
        .update(cases)
        .set({
          state: 'closed',
          closureReason: 'duplicate',
          closureRequestedBy: null,
          closureRequestedAt: null,
          mergedInto: target.id,
          unreadReporterMessages: 0,
          closedAt: this.now(),
          updatedAt: this.now(),
        })
        .where(eq(cases.id, other.id));
      audit({
        action: 'case.link',
        objectType: 'case',
        objectId: target.id,
        details: { mergedCaseId: other.id, reports: moved.length },
      });
    });
  }

  /**
   * Assigns a case (null: unassigns it). Supervisors assign any open case to an active analyst
   * or supervisor; an analyst may only take an unassigned new case for themselves.
   */
  async assign(actor: StaffMember, caseId: string, staffId: string | null): Promise<void> {
    if (actor.role === 'analyst' && staffId !== actor.id) throw forbidden('Analysts may only take a case themselves.');
    if (actor.role !== 'analyst') this.#require(actor, 'superviseCases');
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      // For an analyst, opening the case to work on it is what takes it.
      const row = await this.#openCase(tx, actor, caseId, 'work', audit);
      if (actor.role === 'analyst' || row.assignedTo === staffId) return;
      if (staffId !== null) await assertActiveStaff(tx, staffId, 'staffId');
      await tx.update(cases).set({ assignedTo: staffId, updatedAt: this.now() }).where(eq(cases.id, row.id));
      audit({ action: 'case.assign', objectType: 'case', objectId: row.id, details: { staffId, previous: row.assignedTo } });
    });
  }

  /** Moves a case by hand along new → triaged → in_progress → referred (see canMoveCase). */
  async setState(actor: StaffMember, caseId: string, state: CaseState): Promise<void> {
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      const row = await this.#openCase(tx, actor, caseId, 'work', audit);
      if (!canMoveCase(row.state as CaseState, state)) {
        throw invalidState(`A case cannot move from ${row.state} to ${state}; closing needs a request and an approval.`);
      }
      await this.#moveTo(tx, row, state, audit);
    });
  }

  async #moveTo(tx: Tx, row: CaseRow, state: CaseState, audit: Audit): Promise<void> {
    await tx.update(cases).set({ state, updatedAt: this.now() }).where(eq(cases.id, row.id));
    audit({ action: 'case.state', objectType: 'case', objectId: row.id, details: { from: row.state, to: state } });
  }

  /** Asks for the case to be closed; a supervisor other than the requester approves it. */
  async requestClosure(actor: StaffMember, caseId: string, reason: ClosureReason): Promise<void> {
    const input = parseInput(closureRequestSchema, { reason });
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      const row = await this.#openCase(tx, actor, caseId, 'work', audit);
      if (row.closureRequestedBy) throw invalidState('Closure has already been requested.');
      await tx
        .update(cases)
        .set({ closureReason: input.reason, closureRequestedBy: actor.id, closureRequestedAt: this.now(), updatedAt: this.now() })
        .where(eq(cases.id, row.id));
      audit({ action: 'case.closure_request', objectType: 'case', objectId: row.id, details: { reason: input.reason } });
    });
  }

  /**
   * Closes a case whose closure was requested. Four eyes: the approving supervisor must not be
   * the one who asked, so no single person can close a case (and with it start the clock to
   * its purge) alone.
   */
  async approveClosure(actor: StaffMember, caseId: string): Promise<void> {
    this.#require(actor, 'superviseCases');
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      const row = await this.#pendingClosure(tx, actor, caseId, audit);
      if (row.closureRequestedBy === actor.id) throw forbidden('Another supervisor must approve a closure you asked for.');
      await tx
        .update(cases)
        .set({ state: 'closed', closureApprovedBy: actor.id, closedAt: this.now(), updatedAt: this.now() })
        .where(eq(cases.id, row.id));
      audit({
        action: 'case.close',
        objectType: 'case',
        objectId: row.id,
        details: { reason: row.closureReason, requestedBy: row.closureRequestedBy },
      });
    });
  }

  /** Refuses a requested closure; the case stays open as it was. */
  async rejectClosure(actor: StaffMember, caseId: string): Promise<void> {
    this.#require(actor, 'superviseCases');
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      const row = await this.#pendingClosure(tx, actor, caseId, audit);
      await tx
        .update(cases)
        .set({ closureReason: null, closureRequestedBy: null, closureRequestedAt: null, updatedAt: this.now() })
        .where(eq(cases.id, row.id));
      audit({
        action: 'case.closure_reject',
        objectType: 'case',
        objectId: row.id,
        details: { reason: row.closureReason, requestedBy: row.closureRequestedBy },
      });
    });
  }

  async #pendingClosure(tx: Tx, actor: StaffMember, caseId: string, audit: Audit): Promise<CaseRow> {
    const row = await this.#openCase(tx, actor, caseId, 'work', audit);
    if (!row.closureRequestedBy) throw invalidState('Nobody has asked to close this case.');
    return row;
  }

  /** A case with its reports, notes (decrypted), tasks and referrals. Audited as it shows notes. */
  async viewCase(actor: StaffMember, caseId: string): Promise<CaseView> {
    return this.#transaction(this.#as(actor), async (tx, audit) => {
      const row = await this.#openCase(tx, actor, caseId, 'read', audit);
      const caseReports = await tx
          .select({
            id: reports.id,
            kind: reports.kind,
            receivedAt: reports.createdAt,
            inDangerNow: reports.inDangerNow,
            category: reportClassifications.category,
          })
          .from(reports)
          .leftJoin(reportClassifications, eq(reportClassifications.reportId, reports.id))
          .where(eq(reports.caseId, row.id))
          .orderBy(asc(reports.createdAt));
      const notes = await tx.select().from(caseNotes).where(eq(caseNotes.caseId, row.id)).orderBy(asc(caseNotes.id));
      const tasks = await tx
        .select()
        .from(caseTasks)
        .where(eq(caseTasks.caseId, row.id))
        .orderBy(asc(caseTasks.dueOn), asc(caseTasks.id));
      const caseReferrals = await tx
        .select({ referral: referrals, agency: agencies.name })
        .from(referrals)
        .innerJoin(agencies, eq(agencies.id, referrals.agencyId))
        .where(eq(referrals.caseId, row.id))
        .orderBy(asc(referrals.referredAt), asc(referrals.id));
      const today = pakistanToday(this.now());
      audit({ action: 'case.view', objectType: 'case', objectId: row.id });
      return {
        ...summary(row),
        reports: caseReports,
        notes: notes.map((n) => ({
          id: n.id,
          authorId: n.authorId,
          body: this.keyring.decrypt(n.body, context.note(n.id)),
          createdAt: n.createdAt,
        })),
        tasks: tasks.map((t) => ({
          id: t.id,
          title: t.title,
          dueOn: t.dueOn,
          assignedTo: t.assignedTo,
          createdBy: t.createdBy,
          doneAt: t.doneAt,
          overdue: t.doneAt === null && t.dueOn < today,
        })),
        referrals: caseReferrals.map(({ referral: r, agency }) => ({
          id: r.id,
          agencyId: r.agencyId,
          agency,
          referredAt: r.referredAt,
          method: r.method,
          agencyReference: r.agencyReference,
          firStatus: r.firStatus as FirStatus,
          followUpOn: r.followUpOn,
          followUpOverdue: r.followUpOn !== null && r.followUpOn < today,
          notes: r.notes ? this.keyring.decrypt(r.notes, context.referralNotes(r.id)) : null,
          createdBy: r.createdBy,
        })),
      };
    });
  }

  /** Adds an encrypted note to a case; returns its id. */
  async addNote(actor: StaffMember, caseId: string, body: string): Promise<number> {
    const input = parseInput(noteSchema, { body });
    return this.#transaction(this.#as(actor), async (tx, audit) => {
      const row = await this.#openCase(tx, actor, caseId, 'work', audit);
      const id = await nextId(tx, 'case_notes');
      await tx
        .insert(caseNotes)
        .overridingSystemValue()
        .values({ id, caseId: row.id, authorId: actor.id, body: this.keyring.encrypt(input.body, context.note(id)), createdAt: this.now() });
      audit({ action: 'note.add', objectType: 'case', objectId: row.id, details: { noteId: id } });
      return id;
    });
  }

  /** Adds a task with a due date (Pakistan calendar); returns its id. */
  async addTask(actor: StaffMember, caseId: string, task: TaskInput): Promise<number> {
    const input = parseInput(taskSchema, task);
    return this.#transaction(this.#as(actor), async (tx, audit) => {
      const row = await this.#openCase(tx, actor, caseId, 'work', audit);
      if (input.assignedTo !== null) await assertActiveStaff(tx, input.assignedTo, 'assignedTo');
      const [created] = await tx
        .insert(caseTasks)
        .values({ caseId: row.id, title: input.title, dueOn: input.dueOn, assignedTo: input.assignedTo, createdBy: actor.id })
        .returning({ id: caseTasks.id });
      audit({ action: 'task.add', objectType: 'case', objectId: row.id, details: { taskId: created!.id, dueOn: input.dueOn } });
      return created!.id;
    });
  }

  async completeTask(actor: StaffMember, taskId: number): Promise<void> {
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      const task = Number.isSafeInteger(taskId)
        ? (await tx.select().from(caseTasks).where(eq(caseTasks.id, taskId)))[0]
        : undefined;
      if (!task) throw notFound('task');
      const row = await this.#openCase(tx, actor, task.caseId, 'work', audit);
      if (task.doneAt) throw invalidState('This task is already done.');
      await tx.update(caseTasks).set({ doneAt: this.now() }).where(eq(caseTasks.id, task.id));
      audit({ action: 'task.complete', objectType: 'case', objectId: row.id, details: { taskId: task.id } });
    });
  }

  /** Agencies a case can be referred to (active ones), for staff who see cases. */
  async listAgencies(actor: StaffMember): Promise<Agency[]> {
    this.#require(actor, 'readCases');
    return this.database.db
      .select({ id: agencies.id, name: agencies.name, kind: agencies.kind, contact: agencies.contact })
      .from(agencies)
      .where(eq(agencies.active, true))
      .orderBy(asc(agencies.name));
  }

  /**
   * Records a referral to an agency (notes encrypted); returns its id. The first referral moves
   * the case to 'referred' from any open state, and a registered or refused FIR is recorded on
   * the incident record for statistics.
   */
  async addReferral(actor: StaffMember, caseId: string, referral: ReferralInput): Promise<number> {
    const input = parseInput(referralSchema, referral);
    return this.#transaction(this.#as(actor), async (tx, audit) => {
      const row = await this.#openCase(tx, actor, caseId, 'work', audit);
      const [agency] = await tx
        .select({ id: agencies.id })
        .from(agencies)
        .where(and(eq(agencies.id, input.agencyId), eq(agencies.active, true)));
      if (!agency) {
        throw new HifazatError('validation_failed', 'Unknown agency.', { issues: [{ field: 'agencyId', problem: 'invalid_choice' }] });
      }
      const [{ n: earlier }] = (await tx.select({ n: count() }).from(referrals).where(eq(referrals.caseId, row.id))) as [{ n: number }];
      const id = await nextId(tx, 'referrals');
      await tx
        .insert(referrals)
        .overridingSystemValue()
        .values({
          id,
          caseId: row.id,
          agencyId: agency.id,
          referredAt: input.referredAt,
          method: input.method,
          agencyReference: input.agencyReference ?? null,
          firStatus: input.firStatus,
          followUpOn: input.followUpOn,
          notes: input.notes === undefined ? null : this.keyring.encrypt(input.notes, context.referralNotes(id)),
          createdBy: actor.id,
        });
      await this.#recordPoliceStatus(tx, row.id, input.firStatus);
      audit({
        action: 'referral.add',
        objectType: 'case',
        objectId: row.id,
        details: { referralId: id, agencyId: agency.id, method: input.method, firStatus: input.firStatus },
      });
      if (earlier === 0 && row.state !== 'referred') await this.#moveTo(tx, row, 'referred', audit);
      return id;
    });
  }

  /** Follows a referral up: FIR status, next follow-up date (null: none), reference, notes. */
  async updateReferral(actor: StaffMember, referralId: number, update: ReferralUpdate): Promise<void> {
    const input = parseInput(referralUpdateSchema, update);
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      const referral = Number.isSafeInteger(referralId)
        ? (await tx.select().from(referrals).where(eq(referrals.id, referralId)))[0]
        : undefined;
      if (!referral) throw notFound('referral');
      const row = await this.#openCase(tx, actor, referral.caseId, 'work', audit);
      await tx
        .update(referrals)
        .set({
          firStatus: input.firStatus,
          followUpOn: input.followUpOn,
          agencyReference: input.agencyReference,
          notes: input.notes === undefined ? undefined : this.keyring.encrypt(input.notes, context.referralNotes(referral.id)),
        })
        .where(eq(referrals.id, referral.id));
      if (input.firStatus) await this.#recordPoliceStatus(tx, row.id, input.firStatus);
      audit({
        action: 'referral.update',
        objectType: 'case',
        objectId: row.id,
        details: {
          referralId: referral.id,
          changed: Object.keys(input).filter((k) => input[k as keyof typeof input] !== undefined),
          ...(input.firStatus ? { firStatus: input.firStatus } : {}),
          ...(input.followUpOn !== undefined ? { followUpOn: input.followUpOn } : {}),
        },
      });
    });
  }

  /** The incident record counts police registration as Sahil does: registered, or refused. */
  async #recordPoliceStatus(tx: Tx, caseId: string, firStatus: FirStatus): Promise<void> {
    if (firStatus !== 'registered' && firStatus !== 'refused') return;
    await tx
      .update(incidentRecords)
      .set({ policeStatus: firStatus, updatedAt: this.now() })
      .where(eq(incidentRecords.caseId, caseId));
  }

  /** A question or word to the reporter, who reads it in the follow-up thread with their receipt. */
  async askReporter(actor: StaffMember, reportId: string, body: string): Promise<void> {
    const input = parseInput(messageSchema, { body });
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      const { report, case: row } = await this.#openReport(tx, actor, reportId, 'work', audit);
      await this.reports.addStaffMessage(report.id, input.body, actor.id, tx);
      audit({ action: 'message.send', objectType: 'report', objectId: report.id, details: { caseId: row.id } });
    });
  }

  /** The reporter's new messages on this case have been read. */
  async markMessagesRead(actor: StaffMember, caseId: string): Promise<void> {
    await this.#transaction(this.#as(actor), async (tx, audit) => {
      const row = await this.#openCase(tx, actor, caseId, 'work', audit);
      if (row.unreadReporterMessages === 0) return;
      await tx.update(cases).set({ unreadReporterMessages: 0, updatedAt: this.now() }).where(eq(cases.id, row.id));
      audit({ action: 'messages.read', objectType: 'case', objectId: row.id, details: { count: row.unreadReporterMessages } });
    });
  }

  /**
   * Files a report for a caller on the phone or at the desk, once the caller's consent is
   * recorded. Returns the receipt to hand over: it is never stored, so it cannot be shown again.
   */
  async fileOnBehalf(
    actor: StaffMember,
    input: ReportInput,
    filing: { consentRecorded: boolean; channel: 'phone' | 'walk_in' },
  ): Promise<Submitted> {
    this.#require(actor, 'workCases');
    if (filing.consentRecorded !== true) {
      throw new HifazatError('validation_failed', "The caller's consent must be recorded.", {
        issues: [{ field: 'consentRecorded', problem: 'consent_required' }],
      });
    }
    if (filing.channel !== 'phone' && filing.channel !== 'walk_in') {
      throw new HifazatError('validation_failed', 'Unknown channel.', { issues: [{ field: 'channel', problem: 'invalid_choice' }] });
    }
    return this.reports.submit(input, {
      source: 'staff',
      filedBy: actor.id,
      alsoInTransaction: async (tx, reportId) => {
        await this.audit.append(tx, {
          actorId: actor.id,
          actor: actor.email,
          action: 'report.file',
          objectType: 'report',
          objectId: reportId,
          details: { channel: filing.channel },
        });
      },
    });
  }

  /**
   * Deletes closed cases older than the retention period (settings.retention_days, 365 by
   * default) with their reports, links, messages, classifications, notes, tasks and referrals:
   * every encrypted field goes with its row. The anonymous incident records stay, detached
   * (case_id NULL), for statistics. Run by the maintenance timer; audited with counts only.
   */
  async purgeClosedCases(now: Date = this.now()): Promise<{ cases: number; reports: number }> {
    return this.#transaction(system, async (tx, audit) => {
      const retentionDays = await readRetentionDays(tx);
      const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
      const expired = await tx
        .select({ id: cases.id })
        .from(cases)
        .where(and(eq(cases.state, 'closed'), lt(cases.closedAt, cutoff)))
        .for('update');
      if (expired.length === 0) return { cases: 0, reports: 0 };
      const ids = expired.map((c) => c.id);
      // A duplicate closed later than the case it was merged into must not hold that one back.
      await tx.update(cases).set({ mergedInto: null }).where(inArray(cases.mergedInto, ids));
      // Cascades take links, their classifications, messages and idempotency answers; then
      // notes, tasks and referrals go with the cases, and incident records are detached.
      const deletedReports = await tx.delete(reports).where(inArray(reports.caseId, ids)).returning({ id: reports.id });
      await tx.delete(cases).where(inArray(cases.id, ids));
      const counts = { cases: ids.length, reports: deletedReports.length };
      audit({ action: 'retention.purge', details: { ...counts, retentionDays } });
      return counts;
    });
  }
}

function summary(row: CaseRow): CaseSummary {
  return {
    id: row.id,
    reference: row.reference,
    state: row.state as CaseState,
    assignedTo: row.assignedTo,
    unreadReporterMessages: row.unreadReporterMessages,
    closureRequest:
      row.closureRequestedBy && row.closureRequestedAt && row.state !== 'closed'
        ? { reason: row.closureReason as ClosureReason, requestedBy: row.closureRequestedBy, requestedAt: row.closureRequestedAt }
        : null,
    closureReason: row.state === 'closed' ? (row.closureReason as ClosureReason) : null,
    mergedInto: row.mergedInto,
    createdAt: row.createdAt,
    closedAt: row.closedAt,
  };
}

function classificationValues(c: Classification, actor: StaffMember, at: Date) {
  return { ...c, viewedBy: c.viewedBy ?? null, classifiedBy: actor.id, classifiedAt: at };
}

function classificationView(row: typeof reportClassifications.$inferSelect): ClassificationView {
  return {
    category: row.category as ClassificationView['category'],
    legalBases: row.legalBases as ClassificationView['legalBases'],
    interpolBaseline: row.interpolBaseline,
    tags: row.tags as ClassificationView['tags'],
    victimAgeBand: row.victimAgeBand as ClassificationView['victimAgeBand'],
    victimSex: row.victimSex as ClassificationView['victimSex'],
    materialViewed: row.materialViewed,
    viewedBy: row.viewedBy ?? undefined,
    classifiedBy: row.classifiedBy,
    classifiedAt: row.classifiedAt,
  };
}

/**
 * The id a new row will get, taken before the insert: its ciphertext's context names the row,
 * so it must be known when encrypting.
 */
async function nextId(tx: Tx, table: 'case_notes' | 'referrals'): Promise<number> {
  const [row] = await tx
    .select({ id: sql<number>`nextval(pg_get_serial_sequence(${table}, 'id'))`.mapWith(Number) })
    .from(sql`(SELECT 1) AS one`);
  return row!.id;
}

async function assertActiveStaff(tx: Tx, staffId: string, field: string): Promise<void> {
  const [staff] = uuidPattern.test(staffId)
    ? await tx
        .select({ id: staffUsers.id })
        .from(staffUsers)
        .where(and(eq(staffUsers.id, staffId), eq(staffUsers.status, 'active'), inArray(staffUsers.role, ['analyst', 'supervisor'])))
    : [];
  if (!staff) {
    throw new HifazatError('validation_failed', 'Only active analysts and supervisors take case work.', {
      issues: [{ field, problem: 'invalid_choice' }],
    });
  }
}

