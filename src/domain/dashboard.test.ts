import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsv } from './csv.ts';
import {
  dashboardCsv,
  dashboardFilterSchema,
  dashboardRange,
  emptyClosures,
  emptyReferrals,
  emptyReplies,
  emptyTriage,
  withinTargetPercent,
  type DashboardFigures,
} from './dashboard.ts';

test('the filter: the last 30 days by default, Pakistani days as instants, at most 366 days', () => {
  const schema = dashboardFilterSchema('2026-03-01');
  assert.deepEqual(schema.parse({}), { from: '2026-01-31', to: '2026-03-01', province: undefined });
  assert.deepEqual(schema.parse({ from: '2025-03-01', to: '2026-03-01', province: '' }).province, undefined);
  assert.equal(schema.safeParse({ from: '2025-02-28', to: '2026-03-01' }).success, false, '367 days');
  assert.equal(schema.safeParse({ province: 'unknown' }).success, true);
  assert.deepEqual(dashboardRange({ from: '2026-06-01', to: '2026-06-30' }), {
    from: new Date('2026-05-31T19:00:00Z'),
    before: new Date('2026-06-30T19:00:00Z'),
  });
});

test('the share within target counts cases whose target is decided; none decided is no share', () => {
  assert.equal(withinTargetPercent({ ...emptyTriage(), inTime: 3, late: 3, waitingOverdue: 1, waiting: 5, closedUntriaged: 2 }), 42.9);
  assert.equal(withinTargetPercent({ ...emptyTriage(), waiting: 4 }), null);
});

test('the CSV: one figure a line under the filter, hours and percents as numbers, no value a spreadsheet formula', () => {
  const figures: DashboardFigures = {
    filter: { from: '2026-06-01', to: '2026-06-30', province: 'sindh' },
    triage: {
      all: { ...emptyTriage(), cases: 2, inTime: 1, late: 1, medianSeconds: 5400, p90Seconds: 9000 },
      danger: emptyTriage(),
      other: emptyTriage(),
    },
    triageByProvince: [],
    replies: emptyReplies(),
    repliesByProvince: [],
    referrals: emptyReferrals(),
    firByDistrict: [{ province: 'sindh', district: '=HYPERLINK("x")', registered: 1, refused: 0, pending: 0 }],
    closures: emptyClosures(),
  };
  const parsed = parseCsv(dashboardCsv(figures));
  assert.ok(parsed.ok);
  const rows = parsed.records.slice(1);
  const find = (table: string, row: string, figure: string) => rows.find((r) => r[3] === table && r[4] === row && r[6] === figure);
  assert.deepEqual(find('triage', 'all', 'median'), ['2026-06-01', '2026-06-30', 'sindh', 'triage', 'all', '', 'median', '1.5', 'hours']);
  assert.deepEqual(find('triage', 'all', 'within_target')?.slice(7), ['50', 'percent']);
  assert.deepEqual(find('triage', 'danger', 'median')?.slice(7), ['', 'hours'], 'nothing measured: empty');
  assert.ok(
    rows.every((r) => !/^[=+\-@]/.test(r[4]!)),
    'a district cannot be a formula',
  );
  assert.ok(rows.some((r) => r[4] === `'=HYPERLINK("x")`));
});
