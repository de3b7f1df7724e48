import type { agencyKinds, firStatuses } from '../../domain/classification.ts';
import { defaultPeriodDays, maxPeriodDays, type triageGroups } from '../../domain/dashboard.ts';
import type { Labels } from './en.ts';

/** The supervisor's dashboard in English (the `dashboard` section of console-en.ts). */
export const consoleDashboardEn = {
  nav: 'Dashboard',
  title: 'How we keep our promises',
  intro: `Time to triage, referrals and their outcome, FIRs, replies to reporters and closed cases, over a period (Pakistan time; by default the last ${defaultPeriodDays} days, at most ${maxPeriodDays} days) and for every province or one. Figures only: no case is named here.`,
  filter: 'Period and province',
  from: 'From',
  to: 'To',
  province: 'Province',
  all: 'All provinces',
  apply: 'Show',
  showing: (period: string, province: string) => `Showing ${period}, ${province}.`,
  period: (from: string, to: string) => `${from} to ${to}`,
  export: 'Download these figures (CSV)',
  exportNote:
    'One file with every figure on this page for the same period and province, one figure a line: the table, its row, the figure, its value and its unit (count, percent or hours). Use a spreadsheet’s filter or pivot table to lay out any table.',
  notKnown: 'Not known',
  none: '–',
  duration: { hours: (n: string) => `${n} h`, minutes: (n: string) => `${n} min`, under: 'under 1 min' },
  triage: {
    heading: 'Time to triage',
    about: (danger: string, other: string) =>
      `Cases whose first report arrived in the period. Triage is the first classification of any of the case’s reports; the target is ${danger} hours when a child is in danger now, ${other} hours otherwise. The share within target counts cases triaged in time out of those triaged or waiting past their target; cases still within their target, and cases closed without triage, are counted apart. Median and 90th percentile are of the cases triaged.`,
    caption: 'Time to triage, by urgency',
    byProvinceCaption: 'Time to triage, by province',
    group: 'Urgency',
    groups: { all: 'All cases', danger: 'Child in danger now', other: 'Others' } satisfies Labels<typeof triageGroups>,
    columns: {
      cases: 'Cases',
      inTime: 'Triaged in time',
      late: 'Triaged late',
      waitingOverdue: 'Waiting, past target',
      waiting: 'Waiting, within target',
      closedUntriaged: 'Closed without triage',
      withinTarget: 'Within target',
      median: 'Median',
      p90: '90th percentile',
    },
  },
  replies: {
    heading: 'Time to first reply',
    about:
      'Reports received in the period, from receipt to the first message staff wrote to the reporter about the report. Reports not answered yet are counted. By the report’s own province.',
    caption: 'Time to first reply to a reporter, by province',
    columns: { reports: 'Reports', answered: 'Answered', notAnswered: 'Not answered', median: 'Median', p90: '90th percentile' },
  },
  referrals: {
    heading: 'Referrals',
    about: 'Referrals made in the period (by when they were made), by the kind of organisation and the FIR status recorded now.',
    caption: 'Referrals by kind of organisation and FIR status',
    kind: 'Kind of organisation',
    total: 'Total',
    kinds: {
      police: 'Police',
      helpline: 'Helpline',
      child_protection: 'Child protection',
      cyber_crime: 'Cyber crime',
      foreign_hotline: 'Foreign hotline',
      other: 'Other',
    } satisfies Labels<typeof agencyKinds>,
    statuses: {
      registered: 'FIR registered',
      refused: 'FIR refused',
      pending: 'FIR pending',
      not_applicable: 'No FIR needed',
    } satisfies Labels<typeof firStatuses>,
  },
  fir: {
    heading: 'FIRs by district',
    about:
      'Referrals made in the period with an FIR registered, refused or pending, by the district of the report the case was opened with.',
    caption: 'FIR registered, refused and pending by district',
    district: 'District',
    province: 'Province',
    none: 'No FIR was registered, refused or pending for referrals made in this period.',
  },
  closures: {
    heading: 'Cases closed',
    about: 'Cases closed in the period (after a second person approved), by the reason given.',
    caption: 'Cases closed, by reason',
    reason: 'Reason',
    cases: 'Cases',
    total: 'Total',
  },
  problems: {
    invalid_date: 'Enter a date as year-month-day.',
    future_date: 'Enter a date that is not in the future.',
    period_order: 'The end of the period must not be before its start.',
    period_too_long: `The period may be at most ${maxPeriodDays} days.`,
    invalid_choice: 'Choose one of the provinces listed.',
  },
};
