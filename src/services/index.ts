import type { Database } from '../store/database.ts';
import { AuditLog } from './audit.ts';
import { CaseWork } from './cases.ts';
import { ApiKeys, HashBanks, MatchIndex } from './hash-banks.ts';
import { DistrictDirectory } from './districts.ts';
import type { Keyring } from './keys.ts';
import { ReportService } from './reports.ts';
import { Settings } from './settings.ts';
import { StaffAccounts } from './staff.ts';
import { StatisticsService } from './statistics.ts';
import { SubmissionGate } from './submission-gate.ts';
import { purgeOldThrottleWindows, SharedBudget, Throttle } from './throttle.ts';

/** Shared budgets; see docs/ARCHITECTURE.md, "Throttling without identifying anyone". */
export interface Budgets {
  /** Failed receipt look-ups allowed across all clients per ten minutes. */
  followUpFailuresPerTenMinutes: number;
  /** Reports accepted without a proof of work across all clients per hour. */
  unverifiedReportsPerHour: number;
  /** Proof-of-work difficulty (counter range); tests make it tiny. */
  proofOfWork?: { min: number; max: number };
}

export const defaultBudgets: Budgets = {
  followUpFailuresPerTenMinutes: 500,
  unverifiedReportsPerHour: 300,
};

export interface Services {
  database: Database;
  reports: ReportService;
  districts: DistrictDirectory;
  submissionGate: SubmissionGate;
  audit: AuditLog;
  staff: StaffAccounts;
  cases: CaseWork;
  settings: Settings;
  banks: HashBanks;
  matchIndex: MatchIndex;
  apiKeys: ApiKeys;
  statistics: StatisticsService;
  /** Deletes what is kept only for a while (closed cases past retention, expired sessions, idempotency answers, spent challenges, old counters), then recounts the statistics' stale months. */
  maintain(): Promise<void>;
}

export function createServices(
  database: Database,
  keyring: Keyring,
  budgets: Budgets = defaultBudgets,
  /** The time as services see it; tests move it forward to expire sessions. */
  clock: () => Date = () => new Date(),
): Services {
  const districts = new DistrictDirectory(database);
  const followUpFailures = new Throttle(database, {
    bucket: 'follow-up-failures',
    windowSeconds: 600,
    limit: budgets.followUpFailuresPerTenMinutes,
    code: 'too_many_attempts',
  });
  const unverifiedReports = new SharedBudget(database, {
    bucket: 'reports-without-proof-of-work',
    windowSeconds: 3600,
    limit: budgets.unverifiedReportsPerHour,
    code: 'rate_limited',
    // Blocks of a thousandth of the budget, up to 64: small budgets are counted exactly, and a
    // busy instance writes the counter once per 64 reports, not once per report.
    block: Math.min(64, Math.max(1, Math.floor(budgets.unverifiedReportsPerHour / 1000))),
  });
  const submissionGate = new SubmissionGate(database, keyring, unverifiedReports, budgets.proofOfWork);
  const reports = new ReportService(database, keyring, followUpFailures, submissionGate);
  const audit = new AuditLog(database, keyring);
  const staff = new StaffAccounts(database, keyring, audit, clock);
  const cases = new CaseWork(database, keyring, audit, reports, clock);
  // The index follows the banks: a change made here is applied as soon as it commits.
  const banks: HashBanks = new HashBanks(database, () => matchIndex.refresh());
  const matchIndex = new MatchIndex(banks);
  const statistics = new StatisticsService(database, audit, districts, clock);
  return {
    database,
    reports,
    districts,
    submissionGate,
    audit,
    staff,
    cases,
    settings: new Settings(database, audit),
    banks,
    matchIndex,
    apiKeys: new ApiKeys(database, banks, clock),
    statistics,
    async maintain() {
      await cases.purgeClosedCases();
      await staff.purgeExpired();
      await reports.purgeExpiredIdempotencyKeys();
      await submissionGate.purgeExpired();
      await purgeOldThrottleWindows(database);
      await statistics.refreshStale();
    },
  };
}
