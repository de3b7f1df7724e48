import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import type { DashboardFigures } from '../../src/domain/dashboard.ts';
import { parseCsv } from '../../src/domain/csv.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import type { StaffMember } from '../../src/services/staff.ts';
import { consoleMessages } from '../../src/http/i18n/console.ts';
import { reportMessages, reports } from '../../src/store/schema.ts';
import { testApp, testClient, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff, type EnrolledStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { pageText } from '../helpers/forms.ts';
import { createStaff } from '../helpers/staff.ts';

/**
 * The supervisor's dashboard against a fixture whose every figure is worked out by hand below.
 * Times are Pakistan time (UTC+5), written as `pk('06-10 10:00')` = 2026-06-10 10:00 in Pakistan.
 * The period asked for is June 2026; the clock reads 1 July 12:00 when the figures are read.
 *
 * Cases (one report each unless said; province/district of the report; danger = in danger now):
 *   A  punjab/Lahore   danger  received 06-10 10:00  classified 06-10 11:00  (1 h, target 2 h: in time)
 *   B  punjab/Lahore   danger  received 06-11 10:00  classified 06-11 13:00  (3 h: late)
 *   C  sindh/Hyderabad   no      received 06-12 10:00  classified 06-12 20:00  (10 h, target 24 h: in time)
 *   D  sindh/–         no      received 06-13 10:00  classified 06-15 10:00  (48 h: late)
 *   E  kp              no      received 06-14 10:00  never classified, open  (due 06-15 10:00, past at the clock: waiting past target)
 *   F  kp              no      received 06-30 20:00  never classified, open  (due 07-01 20:00, not yet: waiting within target)
 *   G  punjab          not said received 06-20 10:00 never classified, closed 06-21 10:00 unfounded (closed without triage)
 *   I  ict             danger  received 06-01 00:30 (31 May 19:30 UTC: in the period in Pakistan)  classified 02:30 (2 h exactly: in time)
 *   J  punjab/Lahore   no      received 06-05 10:00, and a second report J2 (sindh, danger) received 06-05 11:00 in its own
 *                              case, linked into J at 06-05 11:30 (J2's case closed as a duplicate then, with no report left;
 *                              its province stays its own report's, sindh); J2 classified 06-05 12:30. J: first receipt 10:00, danger (J2 says so),
 *                              so target 2 h; triaged 12:30 = 2.5 h: late. Its province is that of J's own report: punjab.
 *   H  punjab          no      received 05-31 23:00 (18:00 UTC, 31 May in Pakistan: before the period), closed 06-02 10:00
 *                              no further action.
 *   K  balochistan     no      received 05-20 10:00, closed 07-01 10:00 actioned (after the period).
 *   C is also closed, 06-25 10:00, actioned.
 */
const year = '2026';
const pk = (monthDayTime: string) => new Date(`${year}-${monthDayTime.replace(' ', 'T')}:00+05:00`);
const hour = 3600;

const agencies = {
  police: '00000000-0000-4000-8000-000000000015',
  zarra: '00000000-0000-4000-8000-000000001099',
  childProtection: '00000000-0000-4000-8000-000000001121',
  nccia: '00000000-0000-4000-8000-00000000cc1a',
};

forEachEngine('the supervisor’s dashboard', (engine) => {
  let t: TestApp;
  let now = pk('06-01 00:00');
  let supervisor: StaffMember;
  let otherSupervisor: StaffMember;
  let readers: Record<'supervisor' | 'auditor' | 'analyst' | 'administrator', EnrolledStaff>;
  const june = { from: `${year}-06-01`, to: `${year}-06-30` };

  /** Files a report through the services, received at `receivedAt`; its ids and receipt. */
  async function fileReport(fields: Record<string, unknown>, receivedAt: Date) {
    now = receivedAt;
    const input = reportInputSchema('2026-12-31').parse({ kind: 'abuse', language: 'en', description: 'A child is hurt.', ...fields });
    const { receipt } = await t.services.reports.submit(input, { source: 'api', client: testClient });
    const [row] = await t.database.db
      .select({ reportId: reports.id, caseId: reports.caseId })
      .from(reports)
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    await t.database.asOwner((owner) => owner.db.update(reports).set({ createdAt: receivedAt }).where(eq(reports.id, row!.reportId)));
    return { ...row!, receipt };
  }
  const classify = async (reportId: string, at: Date) => {
    now = at;
    await t.services.cases.classifyReport(supervisor, reportId, { category: 'other' });
  };
  const close = async (caseId: string, reason: 'actioned' | 'no_further_action' | 'unfounded', at: Date) => {
    now = at;
    await t.services.cases.requestClosure(supervisor, caseId, reason);
    await t.services.cases.approveClosure(otherSupervisor, caseId);
  };
  /** A message from staff to the reporter of a report, written at `at`. */
  const reply = async (reportId: string, at: Date) => {
    now = at;
    await t.services.cases.askReporter(supervisor, reportId, 'Can you tell us more?');
    const written = await t.database.db.select({ id: reportMessages.id }).from(reportMessages).where(eq(reportMessages.reportId, reportId));
    const newest = Math.max(...written.map((m) => m.id));
    await t.database.asOwner((owner) => owner.db.update(reportMessages).set({ createdAt: at }).where(eq(reportMessages.id, newest)));
  };
  const refer = async (
    caseId: string,
    agencyId: string,
    referredAt: Date,
    firStatus: 'registered' | 'refused' | 'pending' | 'not_applicable',
  ) => {
    now = referredAt;
    await t.services.cases.addReferral(supervisor, caseId, { agencyId, referredAt, method: 'phone', firStatus });
  };

  before(async () => {
    t = await testApp(engine, { clock: () => now });
    supervisor = await createStaff(t.database, 'supervisor');
    otherSupervisor = await createStaff(t.database, 'supervisor');

    const K = await fileReport({ province: 'balochistan' }, pk('05-20 10:00'));
    const H = await fileReport({ province: 'punjab' }, pk('05-31 23:00'));
    const I = await fileReport({ province: 'ict', inDangerNow: true }, pk('06-01 00:30'));
    const J = await fileReport({ province: 'punjab', district: 'lahore', inDangerNow: false }, pk('06-05 10:00'));
    const J2 = await fileReport({ province: 'sindh', inDangerNow: true }, pk('06-05 11:00'));
    const A = await fileReport({ province: 'punjab', district: 'lahore', inDangerNow: true }, pk('06-10 10:00'));
    const B = await fileReport({ province: 'punjab', district: 'lahore', inDangerNow: true }, pk('06-11 10:00'));
    const C = await fileReport({ province: 'sindh', district: 'hyderabad', inDangerNow: false }, pk('06-12 10:00'));
    const D = await fileReport({ province: 'sindh', inDangerNow: false }, pk('06-13 10:00'));
    const E = await fileReport({ province: 'kp', inDangerNow: false }, pk('06-14 10:00'));
    const G = await fileReport({ province: 'punjab' }, pk('06-20 10:00'));
    // F: waiting within its target when the figures are read.
    await fileReport({ province: 'kp', inDangerNow: false }, pk('06-30 20:00'));

    await classify(I.reportId, pk('06-01 02:30'));
    now = pk('06-05 11:30');
    await t.services.cases.linkReports(supervisor, J.caseId, J2.caseId);
    await classify(J2.reportId, pk('06-05 12:30'));
    await classify(A.reportId, pk('06-10 11:00'));
    await classify(B.reportId, pk('06-11 13:00'));
    await classify(C.reportId, pk('06-12 20:00'));
    await classify(D.reportId, pk('06-15 10:00'));

    // Replies: A at +30 min and again at +10 h (the first counts), C at +5 h, D at +24 h; H (received before the period) too.
    await reply(A.reportId, pk('06-10 10:30'));
    await reply(A.reportId, pk('06-10 20:00'));
    await reply(C.reportId, pk('06-12 15:00'));
    await reply(D.reportId, pk('06-14 10:00'));
    await reply(H.reportId, pk('06-01 09:00'));
    // A reporter's message is no reply.
    now = pk('06-11 10:30');
    await t.services.followUp.addReporterMessage(B.receipt, 'Please help.', testClient);

    // Referrals: H's before the period, E's after it.
    await refer(H.caseId, agencies.police, pk('05-31 23:30'), 'registered');
    await refer(A.caseId, agencies.police, pk('06-10 12:00'), 'registered');
    await refer(B.caseId, agencies.police, pk('06-11 14:00'), 'refused');
    await refer(C.caseId, agencies.police, pk('06-13 09:00'), 'pending');
    await refer(C.caseId, agencies.childProtection, pk('06-13 09:30'), 'not_applicable');
    await refer(D.caseId, agencies.nccia, pk('06-16 10:00'), 'registered');
    await refer(E.caseId, agencies.zarra, pk('07-01 10:00'), 'pending');

    await close(H.caseId, 'no_further_action', pk('06-02 10:00'));
    await close(G.caseId, 'unfounded', pk('06-21 10:00'));
    await close(C.caseId, 'actioned', pk('06-25 10:00'));
    await close(K.caseId, 'actioned', pk('07-01 10:00'));

    now = pk('07-01 12:00');
    readers = {
      supervisor: await enrolStaff(t, 'supervisor', () => now),
      auditor: await enrolStaff(t, 'auditor', () => now),
      analyst: await enrolStaff(t, 'analyst', () => now),
      administrator: await enrolStaff(t, 'administrator', () => now),
    };
  });
  after(() => t.close());

  const figuresFor = (query: Record<string, string>) => t.services.dashboard.figures(supervisor, t.services.dashboard.filter(query));
  const hours = (h: number) => Math.round(h * hour * 1000) / 1000;
  const close3 = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 1000) / 1000);
  const spread = (x: { medianSeconds: number | null; p90Seconds: number | null }) => [close3(x.medianSeconds), close3(x.p90Seconds)];

  test('time to triage over June, every province: by hand', async () => {
    const d = await figuresFor(june);
    // All: A B C D E F G I J. In time A C I; late B D J; E waiting past target; F within; G closed untriaged.
    assert.deepEqual(
      { ...d.triage.all, medianSeconds: null, p90Seconds: null },
      { cases: 9, inTime: 3, late: 3, waitingOverdue: 1, waiting: 1, closedUntriaged: 1, medianSeconds: null, p90Seconds: null },
    );
    // Durations 1, 2, 2.5, 3, 10, 48 h: median (2.5 + 3) / 2 = 2.75; p90 at 0.9 × 5 = 4.5: 10 + 0.5 × 38 = 29.
    assert.deepEqual(spread(d.triage.all), [hours(2.75), hours(29)]);
    // Danger now: A (1 h) B (3 h) I (2 h) J (2.5 h): in time A I, late B J; median 2.25; p90 at 2.7: 2.5 + 0.7 × 0.5 = 2.85.
    assert.deepEqual([d.triage.danger.cases, d.triage.danger.inTime, d.triage.danger.late], [4, 2, 2]);
    assert.deepEqual(spread(d.triage.danger), [hours(2.25), hours(2.85)]);
    // Others: C (10 h, in time) D (48 h, late) E F G; median 29; p90 at 0.9: 10 + 0.9 × 38 = 44.2.
    assert.deepEqual(
      [
        d.triage.other.cases,
        d.triage.other.inTime,
        d.triage.other.late,
        d.triage.other.waitingOverdue,
        d.triage.other.waiting,
        d.triage.other.closedUntriaged,
      ],
      [5, 1, 1, 1, 1, 1],
    );
    assert.deepEqual(spread(d.triage.other), [hours(29), hours(44.2)]);
    // By province: punjab A B G J; sindh C D; kp E F; ict I (J2's sindh does not count: J's first report is in punjab).
    const byProvince = Object.fromEntries(d.triageByProvince.map((p) => [p.province, p.figures]));
    assert.deepEqual(Object.keys(byProvince), ['punjab', 'sindh', 'kp', 'ict']);
    assert.deepEqual(
      [byProvince.punjab!.cases, byProvince.punjab!.inTime, byProvince.punjab!.late, byProvince.punjab!.closedUntriaged],
      [4, 1, 2, 1],
    );
    assert.deepEqual(spread(byProvince.punjab!), [hours(2.5), hours(2.9)]);
    assert.deepEqual([byProvince.kp!.cases, byProvince.kp!.waitingOverdue, byProvince.kp!.waiting], [2, 1, 1]);
    assert.deepEqual(spread(byProvince.kp!), [null, null]);
    assert.deepEqual(spread(byProvince.ict!), [hours(2), hours(2)]);
  });

  test('first replies, referrals, FIRs by district and closures over June: by hand', async () => {
    const d = await figuresFor(june);
    // Reports received in June: I J J2 A B C D E G F = 10 (H and K before). Answered: A 0.5 h, C 5 h, D 24 h.
    // Median 5; p90 at 0.9 × 2 = 1.8: 5 + 0.8 × 19 = 20.2.
    assert.deepEqual([d.replies.reports, d.replies.answered], [10, 3]);
    assert.deepEqual(spread(d.replies), [hours(5), hours(20.2)]);
    // By the report's own province: punjab J A B G (A answered); sindh J2 C D (C, D: median 14.5); kp E F; ict I.
    const replies = Object.fromEntries(d.repliesByProvince.map((p) => [p.province, p.figures]));
    assert.deepEqual([replies.punjab!.reports, replies.punjab!.answered, replies.sindh!.reports, replies.sindh!.answered], [4, 1, 3, 2]);
    assert.deepEqual(spread(replies.sindh!), [hours(14.5), hours(5 + 0.9 * 19)]);
    assert.deepEqual([replies.kp!.answered, replies.ict!.answered], [0, 0]);
    // Referrals made in June: police A registered, B refused, C pending; child protection C not applicable; NCCIA D registered.
    assert.deepEqual(d.referrals.police, { registered: 1, refused: 1, pending: 1, not_applicable: 0 });
    assert.deepEqual(d.referrals.child_protection, { registered: 0, refused: 0, pending: 0, not_applicable: 1 });
    assert.deepEqual(d.referrals.cyber_crime, { registered: 1, refused: 0, pending: 0, not_applicable: 0 });
    assert.deepEqual(d.referrals.helpline, { registered: 0, refused: 0, pending: 0, not_applicable: 0 }, 'E’s was made in July');
    // FIRs by district: Lahore A registered, B refused; Hyderabad C pending; Sindh, district not known, D registered.
    assert.deepEqual(d.firByDistrict, [
      { province: 'punjab', district: 'Lahore', registered: 1, refused: 1, pending: 0 },
      { province: 'sindh', district: 'Hyderabad', registered: 0, refused: 0, pending: 1 },
      { province: 'sindh', district: null, registered: 1, refused: 0, pending: 0 },
    ]);
    // Closed in June: H no further action, G unfounded, C actioned, J2's case a duplicate (K in July).
    assert.deepEqual(d.closures, { actioned: 1, no_further_action: 1, duplicate: 1, unfounded: 1 });
  });

  test('a province and a shorter period change the figures as they should', async () => {
    const punjab = await figuresFor({ ...june, province: 'punjab' });
    // Punjab: A (1 h, in time) B (3 h, late) J (2.5 h, late) G (closed untriaged); median 2.5; p90 at 1.8: 2.5 + 0.8 × 0.5 = 2.9.
    assert.deepEqual(
      [punjab.triage.all.cases, punjab.triage.all.inTime, punjab.triage.all.late, punjab.triage.all.closedUntriaged],
      [4, 1, 2, 1],
    );
    assert.deepEqual(spread(punjab.triage.all), [hours(2.5), hours(2.9)]);
    assert.deepEqual(
      punjab.triageByProvince.map((p) => p.province),
      ['punjab'],
    );
    assert.deepEqual([punjab.replies.reports, punjab.replies.answered], [4, 1]);
    assert.deepEqual(spread(punjab.replies), [hours(0.5), hours(0.5)]);
    assert.deepEqual(punjab.referrals.police, { registered: 1, refused: 1, pending: 0, not_applicable: 0 });
    assert.deepEqual(punjab.referrals.cyber_crime.registered, 0);
    assert.deepEqual(punjab.firByDistrict, [{ province: 'punjab', district: 'Lahore', registered: 1, refused: 1, pending: 0 }]);
    assert.deepEqual(punjab.closures, { actioned: 0, no_further_action: 1, duplicate: 0, unfounded: 1 });

    // 1 June alone: I (received 00:30 in Pakistan, 31 May in UTC) and nothing else; H (23:00 on 31 May) is not in it.
    const first = await figuresFor({ from: `${year}-06-01`, to: `${year}-06-01` });
    assert.deepEqual([first.triage.all.cases, first.triage.all.inTime, first.replies.reports], [1, 1, 1]);
    assert.deepEqual(
      first.triageByProvince.map((p) => p.province),
      ['ict'],
    );
    // A year to 1 July (a long period, read another way): June's nine cases and K and H, both closed without triage.
    const twelveMonths = await figuresFor({ from: '2025-07-01', to: `${year}-07-01` });
    const a = twelveMonths.triage.all;
    assert.deepEqual([a.cases, a.inTime, a.late, a.waitingOverdue, a.waiting, a.closedUntriaged], [11, 3, 3, 1, 1, 3]);
    assert.deepEqual(spread(a), [hours(2.75), hours(29)]);
    assert.deepEqual(twelveMonths.closures, { actioned: 2, no_further_action: 1, duplicate: 1, unfounded: 1 }, 'K closed on 1 July too');
    // 31 May: H received, H's referral made.
    const may31 = await figuresFor({ from: `${year}-05-31`, to: `${year}-05-31` });
    assert.deepEqual([may31.triage.all.cases, may31.triage.all.late, may31.referrals.police.registered], [1, 0, 1]);
    assert.equal(may31.triage.all.waitingOverdue, 0, 'H was closed without triage');
    assert.equal(may31.triage.all.closedUntriaged, 1);
  });

  test('the filter: defaults to the last 30 days, a year is allowed, wrong values are refused by field', () => {
    assert.deepEqual(t.services.dashboard.filter({}), { from: `${year}-06-02`, to: `${year}-07-01`, province: undefined });
    // A year with both its ends: 1 July 2025 to 1 July 2026 is 366 days.
    assert.deepEqual(t.services.dashboard.filter({ from: '2025-07-01', to: `${year}-07-01` }).from, '2025-07-01');
    const refused = (query: Record<string, string>) => {
      try {
        t.services.dashboard.filter(query);
        return [];
      } catch (error) {
        return (error as { issues: { field: string; problem: string }[] }).issues.map((i) => `${i.field}:${i.problem}`);
      }
    };
    assert.deepEqual(refused({ from: '2025-06-30', to: `${year}-07-01` }), ['to:period_too_long']);
    assert.deepEqual(refused({ from: `${year}-06-30`, to: `${year}-06-01` }), ['to:period_order']);
    assert.deepEqual(refused({ to: `${year}-07-02` }), ['to:future_date']);
    assert.deepEqual(refused({ from: 'yesterday', province: 'atlantis' }), ['from:invalid_date', 'province:invalid_choice']);
  });

  /** Signs in a reader (each once: a second sign-in with the same code would be a replay). */
  const browsers = new Map<string, Browser>();
  async function as(role: keyof typeof readers): Promise<Browser> {
    let browser = browsers.get(role);
    if (!browser) {
      browser = new Browser(t);
      const signedIn = await browser.signIn(readers[role], now);
      assert.equal(signedIn.statusCode, 303, `${role} signs in`);
      browsers.set(role, browser);
    }
    return browser;
  }

  test('supervisors and auditors see the page and its CSV; analysts and administrators do not, nor the link', async () => {
    for (const role of ['supervisor', 'auditor'] as const) {
      const browser = await as(role);
      const page = await browser.get(`/console/en/dashboard?from=${june.from}&to=${june.to}`);
      assert.equal(page.statusCode, 200, role);
      assert.match(page.body, /href="\/console\/en\/dashboard"/, `${role}: the navigation links to it`);
      assert.equal((await browser.get(`/console/en/dashboard/export?from=${june.from}&to=${june.to}`)).statusCode, 200, role);
    }
    for (const role of ['analyst', 'administrator'] as const) {
      const browser = await as(role);
      assert.equal((await browser.get('/console/en/dashboard')).statusCode, 403, role);
      assert.equal((await browser.get('/console/en/dashboard/export')).statusCode, 403, role);
      const home = await browser.get(role === 'analyst' ? '/console/en/' : '/console/en/staff');
      assert.equal(home.statusCode, 200);
      assert.doesNotMatch(home.body, /\/console\/en\/dashboard/, `${role}: no link to it`);
    }
    assert.equal((await new Browser(t).get('/console/en/dashboard')).statusCode, 303, 'signed out: to the sign-in page');
  });

  test('the page shows the figures of its filter; a refused filter keeps what was typed, with its problem', async () => {
    const browser = await as('supervisor');
    const e = consoleMessages.en.dashboard;
    const text = pageText((await browser.get(`/console/en/dashboard?from=${june.from}&to=${june.to}&province=punjab`)).body);
    // Punjab, all cases: 4 cases, 1 in time, 2 late, 0 waiting past target, 0 within, 1 closed untriaged, 33.3%, 2.5 h, 2.9 h.
    assert.ok(text.includes(`${e.triage.groups.all} 4 1 2 0 0 1 33.3% 2.5 h 2.9 h`), text);
    assert.ok(
      text.includes(`${e.replies.columns.p90} Punjab 4 1 3 30 min 30 min`),
      'replies in Punjab: 4 reports, 1 answered after 30 minutes',
    );
    assert.ok(text.includes(`${e.referrals.kinds.police} 1 1 0 0 2`), 'police: 1 registered, 1 refused, total 2');
    assert.ok(text.includes(`Lahore Punjab 1 1 0`), 'FIRs in Lahore');
    assert.ok(text.includes(`${e.closures.total} 2`), 'two closed in Punjab');
    const page = (await browser.get(`/console/en/dashboard?from=${june.from}&to=${june.to}&province=punjab`)).body;
    assert.match(
      page,
      /href="\/console\/en\/dashboard\/export\?from=2026-06-01&amp;to=2026-06-30&amp;province=punjab"/,
      'the CSV link carries the filter',
    );
    assert.match(page, /<caption id="triage-caption">/);

    const refused = await browser.get(`/console/en/dashboard?from=${june.to}&to=${june.from}`);
    assert.equal(refused.statusCode, 400);
    assert.ok(pageText(refused.body).includes(e.problems.period_order));
    assert.match(refused.body, /id="d-from"[^>]*value="2026-06-30"/);
    assert.equal((await browser.get(`/console/en/dashboard/export?from=${june.to}&to=${june.from}`)).statusCode, 400);
  });

  test('the CSV holds the same figures for the same filter, formula-safe, and its export is audited', async () => {
    const browser = await as('auditor');
    const check = async (query: Record<string, string>) => {
      const response = await browser.get(`/console/en/dashboard/export?${new URLSearchParams(query)}`);
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^text\/csv; charset=utf-8/);
      assert.match(String(response.headers['content-disposition']), /^attachment; filename="hifazat-dashboard-2026-06-01-2026-06-30/);
      const parsed = parseCsv(response.body);
      assert.ok(parsed.ok);
      const [head, ...rows] = parsed.records;
      assert.deepEqual(head, ['period_from', 'period_to', 'province_filter', 'table', 'row', 'row_province', 'figure', 'value', 'unit']);
      const value = (table: string, row: string, figure: string) =>
        rows.find((r) => r[3] === table && r[4] === row && r[6] === figure)?.[7];
      const figures: DashboardFigures = await figuresFor(query);
      assert.ok(rows.every((r) => r[0] === query.from && r[1] === query.to && r[2] === (query.province ?? 'all')));
      return { value, figures };
    };
    const all = await check(june);
    // Every count the page's figures hold for the same filter is the CSV's.
    for (const p of all.figures.triageByProvince) {
      assert.equal(all.value('triage_by_province', p.province, 'cases'), String(p.figures.cases), p.province);
      assert.equal(all.value('triage_by_province', p.province, 'triaged_late'), String(p.figures.late), p.province);
    }
    for (const p of all.figures.repliesByProvince)
      assert.equal(all.value('first_reply_by_province', p.province, 'answered'), String(p.figures.answered));
    for (const f of all.figures.firByDistrict)
      assert.equal(all.value('fir_by_district', f.district ?? 'unknown', 'registered'), String(f.registered));
    assert.equal(all.value('triage', 'all', 'cases'), '9');
    assert.equal(all.value('triage', 'all', 'within_target'), '42.9', '3 in time of 7 decided');
    assert.equal(all.value('triage', 'all', 'median'), '2.75');
    assert.equal(all.value('triage', 'all', 'p90'), '29');
    assert.equal(all.value('triage', 'danger', 'within_target'), '50');
    assert.equal(all.value('triage_by_province', 'kp', 'within_target'), '0');
    assert.equal(all.value('triage_by_province', 'kp', 'median'), '', 'nothing triaged: no median');
    assert.equal(all.value('first_reply', 'all', 'not_answered'), '7');
    assert.equal(all.value('first_reply', 'all', 'p90'), '20.2');
    assert.equal(all.value('referrals', 'police', 'total'), '3');
    assert.equal(all.value('fir_by_district', 'unknown', 'registered'), '1');
    assert.equal(all.value('closures', 'total', 'cases'), '4');
    const punjab = await check({ ...june, province: 'punjab' });
    assert.equal(punjab.value('triage', 'all', 'cases'), '4');
    assert.equal(punjab.value('triage', 'all', 'within_target'), '33.3');
    assert.equal(punjab.value('referrals', 'police', 'total'), '2');
    assert.equal(punjab.value('closures', 'total', 'cases'), '2');
    assert.equal(punjab.value('fir_by_district', 'unknown', 'registered'), undefined);

    const audit = await t.services.audit.list({ limit: 5 });
    const exported = audit.filter((e) => e.action === 'dashboard.export');
    assert.deepEqual(exported[0]?.details, { from: june.from, to: june.to, province: 'punjab' });
  });

  test('the Urdu page: the same figures, in Urdu, with no English', async () => {
    const browser = await as('supervisor');
    const u = consoleMessages.ur.dashboard;
    const page = (await browser.get(`/console/ur/dashboard?from=${june.from}&to=${june.to}`)).body;
    assert.match(page, /<html lang="ur" dir="rtl">/);
    const text = pageText(page);
    assert.ok(text.includes(`${u.triage.groups.all} 9 3 3 1 1 1 42.9% 2.8 گھنٹے 29.0 گھنٹے`), text);
    assert.ok(text.includes('لاہور'), 'Lahore by its Urdu name');
    // Left out: the title, what is marked lang="en" (the language switch) and the name the person gave (in English here).
    const latin = pageText(
      page
        .replace(/<(title)[\s\S]*?<\/\1>/g, ' ')
        .replace(/<(\w+)[^>]*\slang="en"[^>]*>[^<]*<\/\1>/g, ' ')
        .replace(/<bdi>Test supervisor<\/bdi>/, ' '),
    ).match(/[A-Za-z]{2,}/g);
    assert.deepEqual(latin ?? [], [], 'no English on the Urdu page');
  });
});
