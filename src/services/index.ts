import type { Database } from '../store/database.ts';
import { AuditLog } from './audit.ts';
import { createCaseWork, type CaseWork } from './cases/index.ts';
import { Dashboard } from './dashboard.ts';
import { ApiKeys } from './api-keys.ts';
import { HashBanks } from './hash-banks.ts';
import { MatchIndex } from './match-index.ts';
import { DistrictDirectory } from './districts.ts';
import type { Keyring } from './keys.ts';
import { FollowUpService } from './follow-up.ts';
import { ReportService } from './reports.ts';
import { Settings } from './settings.ts';
import { StaffAccounts } from './staff.ts';
import { StaffAdministration } from './staff-administration.ts';
import { createStatistics, type StatisticsService } from './statistics/index.ts';
import { SubmissionGate } from './submission-gate.ts';
import { defaultClientLimits, throttleRules, type ClientLimits, type ThrottleRules } from '../domain/throttling.ts';
import { ApiKeyStore } from '../store/api-keys.ts';
import { AuditLogStore } from '../store/audit-log.ts';
import { ClientThrottleStore } from '../store/client-throttles.ts';
import { DashboardStore } from '../store/dashboard.ts';
import { DistrictStore } from '../store/districts.ts';
import { ReportDetailsStore } from '../store/report-details.ts';
import { ReportStore } from '../store/reports.ts';
import { SettingsStore } from '../store/settings.ts';
import { SpentChallengeStore } from '../store/spent-challenges.ts';
import { HashBankStore } from '../store/hash-banks.ts';
import { StaffAccountStore } from '../store/staff-accounts.ts';
import { ClientThrottles } from './throttle.ts';
import { createNotificationService, type NotificationService, type NotificationSettings } from './notifications.ts';

/** Per-client limits (docs/ARCHITECTURE.md, "Throttling without identifying anyone"). */
export interface Budgets extends ClientLimits {
  /** Proof-of-work difficulty (counter range); tests make it tiny. */
  proofOfWork?: { min: number; max: number };
}

export const defaultBudgets: Budgets = defaultClientLimits;

export interface Services {
  database: Database;
  reports: ReportService;
  followUp: FollowUpService;
  districts: DistrictDirectory;
  submissionGate: SubmissionGate;
  audit: AuditLog;
  staff: StaffAccounts;
  staffAdministration: StaffAdministration;
  cases: CaseWork;
  settings: Settings;
  banks: HashBanks;
  matchIndex: MatchIndex;
  apiKeys: ApiKeys;
  statistics: StatisticsService;
  /** The supervisor's dashboard: how the hotline keeps its promises. */
  dashboard: Dashboard;
  /** Per-client throttles in the database, and the rules they count by. */
  throttles: ClientThrottles;
  throttleRules: ThrottleRules;
  /** Notifications to staff: the scanner and delivery worker (main.ts starts and stops it), the rota, one's own list. */
  notifications: NotificationService;
  /** Deletes what is kept only for a while (closed cases past retention, expired sessions, idempotency answers, spent challenges, old counters), then recounts the statistics' stale months. */
  maintain(): Promise<void>;
}

export function createServices(
  database: Database,
  keyring: Keyring,
  budgets: Budgets = defaultBudgets,
  /** The time as services see it; tests move it forward to expire sessions. */
  clock: () => Date = () => new Date(),
  /** The notifications' channels (none by default: notifications are only listed in the console). */
  notify: NotificationSettings = { publicUrl: 'http://127.0.0.1:3000' },
): Services {
  const districts = new DistrictDirectory(new DistrictStore(database));
  const rules = throttleRules(budgets);
  const throttleStore = new ClientThrottleStore(database);
  const throttles = new ClientThrottles(throttleStore, keyring, clock);
  const submissionGate = new SubmissionGate(new SpentChallengeStore(database), keyring, throttles, rules, budgets.proofOfWork);
  const reportStore = new ReportStore(database);
  const reports = new ReportService(reportStore, keyring, submissionGate, new ReportDetailsStore(database));
  const audit = new AuditLog(new AuditLogStore(database), keyring, () => clock().getTime());
  const followUp = new FollowUpService(reportStore, keyring, throttles, rules.receiptFailure, audit);
  const staffStore = new StaffAccountStore(database.db);
  const staff = new StaffAccounts(staffStore, keyring, audit, throttles, rules, clock);
  const cases = createCaseWork(database, keyring, audit, reports, followUp, clock);
  // The index follows the banks: a change made here is applied as soon as it commits.
  const bankStore = new HashBankStore(database);
  const banks = new HashBanks(bankStore, audit, () => matchIndex.refresh());
  const matchIndex = new MatchIndex(bankStore);
  const statistics = createStatistics(database, audit, districts, clock);
  const notifications = createNotificationService(database, audit, notify, clock);
  return {
    database,
    reports,
    followUp,
    districts,
    submissionGate,
    audit,
    staff,
    staffAdministration: new StaffAdministration(staffStore, audit, clock),
    cases,
    settings: new Settings(new SettingsStore(database.db), audit),
    banks,
    matchIndex,
    apiKeys: new ApiKeys(new ApiKeyStore(database), banks, audit, clock),
    statistics,
    dashboard: new Dashboard(new DashboardStore(database), audit, clock),
    throttles,
    throttleRules: rules,
    notifications,
    async maintain() {
      await cases.purgeClosedCases();
      await staff.purgeExpired();
      await reports.purgeExpired();
      await submissionGate.purgeExpired();
      await throttleStore.purgeOld();
      await statistics.refreshStale();
      await notifications.purgeOld();
    },
  };
}
