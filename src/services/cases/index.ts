import type { Database } from '../../store/database.ts';
import { CaseFileStore } from '../../store/case-file.ts';
import { CaseHandoverStore } from '../../store/case-handover.ts';
import { CaseQueueStore } from '../../store/case-queue.ts';
import { CaseReportStore } from '../../store/case-reports.ts';
import { CaseStore } from '../../store/cases.ts';
import { SettingsStore } from '../../store/settings.ts';
import type { AuditLog } from '../audit.ts';
import type { Keyring } from '../keys.ts';
import type { FollowUpService } from '../follow-up.ts';
import type { ReportService } from '../reports.ts';
import { CaseAccess } from './access.ts';
import { CaseActions } from './actions.ts';
import { CaseFile } from './case-file.ts';
import { CaseClassification } from './classification.ts';
import { CaseHandover } from './handover.ts';
import { CaseQueue } from './queue.ts';
import { ReportViews } from './report-view.ts';
import { CaseRetention } from './retention.ts';
import { CaseZarra } from './zarra.ts';
import { ZarraStore } from '../../store/zarra.ts';

export type { Agency, CaseView, ReferralView, TaskView } from './case-file.ts';
export type { OverdueFollowUp, OverdueTask, Queue, QueueItem } from './queue.ts';
export type { ClassificationView, ContactDetails, DuplicateSuggestion, MessageView, ReportView, UrlView } from './report-view.ts';
export type { CaseSummary } from './summary.ts';
export type { CaseRecord, ChecklistItemView, ExportedBundle } from './handover.ts';
export type { ZarraStatus } from './zarra.ts';

/**
 * The console's case work under one name, as routes and tests call it (`services.cases.assign(...)`).
 * Every method takes the acting staff member and checks their role and their reach over the
 * object (domain/actor.ts): supervisors reach every case; analysts the cases assigned to them and
 * unassigned 'new' ones (working on one takes it, audited); auditors read every case and change
 * nothing; administrators read no case content. Every change is audited in the transaction that
 * makes it; reading report or case content and revealing a link or contact details are audited too.
 *
 * The use cases: queue.ts (the triage queue), report-view.ts (a report, its links and contact
 * details, likely duplicates), classification.ts, case-file.ts (notes, tasks, referrals),
 * actions.ts (assignment, states, closure, linking, the reporter), retention.ts (purge).
 */
export function createCaseWork(
  database: Database,
  keyring: Keyring,
  audit: AuditLog,
  reports: ReportService,
  followUp: FollowUpService,
  now: () => Date = () => new Date(),
) {
  const cases = new CaseStore();
  const caseReports = new CaseReportStore();
  const access = new CaseAccess(cases, audit, now);
  const queue = new CaseQueue(new CaseQueueStore(database), now, (url) => keyring.mac('url-lookup', url));
  const views = new ReportViews(access, caseReports, keyring);
  const classification = new CaseClassification(access, caseReports, cases, now);
  const file = new CaseFile(access, new CaseFileStore(database.db), cases, keyring, now);
  const actions = new CaseActions(access, cases, reports, followUp, now);
  const zarra = new CaseZarra(access, new ZarraStore(), now);
  const handover = new CaseHandover(access, new CaseHandoverStore(), keyring, now);
  const retention = new CaseRetention(cases, new SettingsStore(database.db), audit, now);
  return {
    queue: queue.queue.bind(queue),
    viewReport: views.viewReport.bind(views),
    copyUrl: views.copyUrl.bind(views),
    revealContact: views.revealContact.bind(views),
    duplicates: views.duplicates.bind(views),
    classifyReport: classification.classifyReport.bind(classification),
    classifyUrl: classification.classifyUrl.bind(classification),
    viewCase: file.viewCase.bind(file),
    addNote: file.addNote.bind(file),
    addTask: file.addTask.bind(file),
    completeTask: file.completeTask.bind(file),
    listAgencies: file.listAgencies.bind(file),
    addReferral: file.addReferral.bind(file),
    updateReferral: file.updateReferral.bind(file),
    zarraStatus: zarra.status.bind(zarra),
    recordZarra: zarra.record.bind(zarra),
    assign: actions.assign.bind(actions),
    setState: actions.setState.bind(actions),
    requestClosure: actions.requestClosure.bind(actions),
    approveClosure: actions.approveClosure.bind(actions),
    rejectClosure: actions.rejectClosure.bind(actions),
    linkReports: actions.linkReports.bind(actions),
    askReporter: actions.askReporter.bind(actions),
    markMessagesRead: actions.markMessagesRead.bind(actions),
    fileOnBehalf: actions.fileOnBehalf.bind(actions),
    purgeClosedCases: retention.purgeClosedCases.bind(retention),
    caseRecord: handover.caseRecord.bind(handover),
    exportBundle: handover.exportBundle.bind(handover),
    requestContact: handover.requestContact.bind(handover),
    decideContact: handover.decideContact.bind(handover),
    courtChecklist: handover.courtChecklist.bind(handover),
    recordChecklistItem: handover.recordChecklistItem.bind(handover),
  };
}

export type CaseWork = ReturnType<typeof createCaseWork>;
