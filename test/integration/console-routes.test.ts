import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StaffRole } from '../../src/domain/staff.ts';
import { testApp, type TestApp, submitOnlineReport } from '../helpers/app.ts';
import { Browser, enrolStaff } from '../helpers/console.ts';
import { formEncode, formHeaders } from '../helpers/forms.ts';

/**
 * Who may reach each console route, written out here independently of the code. Every route
 * the app registers must be listed: a new route fails this test until someone decides who may
 * use it. 'public' means anyone, signed in or not.
 */
const everyone = 'public';
/** Platforms' matching API: an API key, never a staff session. */
const apiKey = 'api key';
const matrix: Record<string, typeof everyone | typeof apiKey | readonly StaffRole[]> = {
  'GET /console': everyone,
  'GET /console/:lang/sign-in': everyone,
  'POST /console/:lang/sign-in': everyone,
  'GET /console/:lang/enrol/:token': everyone,
  'POST /console/:lang/enrol/:token': everyone,
  'POST /console/:lang/sign-out': ['administrator', 'supervisor', 'analyst', 'auditor'],
  'POST /console/:lang/sign-out-everywhere': ['administrator', 'supervisor', 'analyst', 'auditor'],
  'GET /console/:lang/staff': ['administrator'],
  'POST /console/:lang/staff': ['administrator'],
  'GET /console/:lang/staff/:id': ['administrator'],
  'POST /console/:lang/staff/:id/role': ['administrator'],
  'POST /console/:lang/staff/:id/disable': ['administrator'],
  'POST /console/:lang/staff/:id/enable': ['administrator'],
  'POST /console/:lang/staff/:id/reset': ['administrator'],
  'POST /console/:lang/staff/:id/cancel': ['administrator'],
  'POST /console/:lang/staff/:id/sessions/end': ['administrator'],
  'POST /console/:lang/staff/:id/sessions/end-all': ['administrator'],
  // Everyone's own account: their password and sessions.
  'GET /console/:lang/account': ['administrator', 'supervisor', 'analyst', 'auditor'],
  'POST /console/:lang/account/password': ['administrator', 'supervisor', 'analyst', 'auditor'],
  'POST /console/:lang/account/sessions/end': ['administrator', 'supervisor', 'analyst', 'auditor'],
  'POST /console/:lang/account/sessions/end-others': ['administrator', 'supervisor', 'analyst', 'auditor'],
  'GET /console/:lang/audit': ['administrator', 'auditor'],
  'GET /console/:lang/settings': ['administrator'],
  'POST /console/:lang/settings': ['administrator'],
  'GET /console/:lang/': ['supervisor', 'analyst', 'auditor'],
  'POST /console/:lang/find-link': ['supervisor', 'analyst', 'auditor'],
  'GET /console/:lang/reports/:id': ['supervisor', 'analyst', 'auditor'],
  'POST /console/:lang/reports/:id/copy-url': ['supervisor', 'analyst'],
  'POST /console/:lang/reports/:id/reveal-contact': ['supervisor', 'analyst'],
  'POST /console/:lang/reports/:id/classify': ['supervisor', 'analyst'],
  'POST /console/:lang/reports/:id/urls/:position/classify': ['supervisor', 'analyst'],
  'POST /console/:lang/reports/:id/messages': ['supervisor', 'analyst'],
  'GET /console/:lang/file-report': ['supervisor', 'analyst'],
  'POST /console/:lang/file-report': ['supervisor', 'analyst'],
  'GET /console/:lang/cases/:id': ['supervisor', 'analyst', 'auditor'],
  'POST /console/:lang/cases/:id/assign': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/state': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/notes': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/tasks': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/tasks/:taskId/done': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/referrals': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/referrals/:referralId': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/request-closure': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/approve-closure': ['supervisor'],
  'POST /console/:lang/cases/:id/reject-closure': ['supervisor'],
  'POST /console/:lang/cases/:id/mark-read': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/link': ['supervisor', 'analyst'],
  // A case handed over: its file for all who read cases; contact details in it asked for by case workers, decided by supervisors.
  'GET /console/:lang/cases/:id/record': ['supervisor', 'analyst', 'auditor'],
  'POST /console/:lang/cases/:id/export': ['supervisor', 'analyst', 'auditor'],
  'POST /console/:lang/cases/:id/export-with-contact': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/contact-requests': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/contact-requests/decide': ['supervisor'],
  'GET /console/:lang/cases/:id/court-checklist': ['supervisor', 'analyst', 'auditor'],
  'POST /console/:lang/cases/:id/court-checklist': ['supervisor', 'analyst'],
  'POST /console/:lang/cases/:id/zarra': ['supervisor', 'analyst'],
  // Statistics over unpublished data: those who read cases; newspaper reports: those who work them; publishing: supervisors.
  'GET /console/:lang/statistics': ['supervisor', 'analyst', 'auditor'],
  'GET /console/:lang/statistics/export': ['supervisor', 'analyst', 'auditor'],
  'POST /console/:lang/statistics/publish': ['supervisor'],
  'GET /console/:lang/statistics/media': ['supervisor', 'analyst'],
  'POST /console/:lang/statistics/media': ['supervisor', 'analyst'],
  'POST /console/:lang/statistics/media/:id/remove': ['supervisor', 'analyst'],
  'POST /console/:lang/statistics/media/import': ['supervisor', 'analyst'],
  // Notifications: one's own list and mutes (staff who work cases); the on-duty rota (supervisors).
  'GET /console/:lang/notifications': ['supervisor', 'analyst'],
  'POST /console/:lang/notifications/mutes': ['supervisor', 'analyst'],
  'POST /console/:lang/notifications/language': ['supervisor', 'analyst'],
  'GET /console/:lang/rota': ['supervisor'],
  'POST /console/:lang/rota': ['supervisor'],
  'POST /console/:lang/rota/remove': ['supervisor'],
  // The dashboard of how the hotline keeps its promises (figures only): supervisors, and auditors for oversight.
  'GET /console/:lang/dashboard': ['supervisor', 'auditor'],
  'GET /console/:lang/dashboard/export': ['supervisor', 'auditor'],
  // Public portal and API: open to all by design.
  'GET /': everyone,
  'GET /:lang': everyone,
  'GET /:lang/': everyone,
  'GET /:lang/report': everyone,
  'GET /:lang/report/online': everyone,
  'GET /:lang/report/abuse': everyone,
  'POST /:lang/report': everyone,
  'POST /:lang/report/receipt-check': everyone,
  'POST /:lang/report/details': everyone,
  'GET /:lang/follow-up': everyone,
  'POST /:lang/follow-up': everyone,
  'POST /:lang/follow-up/reply': everyone,
  'GET /api/v1/openapi.json': everyone,
  'GET /api/v1/pow-challenge': everyone,
  'POST /api/v1/reports': everyone,
  'POST /api/v1/follow-up': everyone,
  'POST /api/v1/follow-up/messages': everyone,
  'POST /api/v1/hash': apiKey,
  'POST /api/v1/match': apiKey,
  'POST /api/v1/match/bulk': apiKey,
  'POST /api/v1/match/feedback': apiKey,
  // Published statistics: releases only, never live counts.
  'GET /:lang/statistics': everyone,
  'GET /:lang/statistics/report': everyone,
  'GET /api/v1/statistics/releases': everyone,
  'GET /api/v1/statistics/releases/:id': everyone,
  'GET /healthz': everyone,
  'GET /readyz': everyone,
  'GET /assets/*': everyone,
  'GET /assets/vendor/altcha/*': everyone,
};

const roles: StaffRole[] = ['administrator', 'supervisor', 'analyst', 'auditor'];

/** Route patterns with the language folded, e.g. /en/report → /:lang/report. */
function pattern(url: string): string {
  return url.replace(/^\/(en|ur)(?=\/|$)/, '/:lang').replace(/^\/console\/(en|ur)(?=\/|$)/, '/console/:lang');
}

let t: TestApp;
const browsers = new Map<StaffRole | 'anonymous', Browser>();
const enrolled = new Map<StaffRole, Awaited<ReturnType<typeof enrolStaff>>>();
let now = new Date();

/** A fresh session for a role (each sign-in needs a TOTP code of a later time step). */
async function signedInAgain(role: StaffRole): Promise<Browser> {
  const browser = new Browser(t);
  now = new Date(now.getTime() + 30_000);
  const response = await browser.signIn(enrolled.get(role)!, now);
  assert.equal(response.statusCode, 303, `${role} signs in again`);
  return browser;
}
let reportId: string;
let caseId: string;

before(async () => {
  t = await testApp('pglite', { clock: () => now });
  for (const role of roles) {
    const staff = await enrolStaff(t, role, () => now);
    enrolled.set(role, staff);
    const browser = new Browser(t);
    const signedIn = await browser.signIn(staff, now);
    assert.equal(signedIn.statusCode, 303, `${role} signs in`);
    browsers.set(role, browser);
  }
  browsers.set('anonymous', new Browser(t));
  ({ reportId, caseId } = await submitOnlineReport(t));
});
after(() => t.close());

test('every registered route is in the access matrix', () => {
  const registered = new Set(t.app.hifazatRoutes.map((r) => `${r.method} ${pattern(r.url)}`));
  const missing = [...registered].filter((r) => !(r in matrix));
  assert.deepEqual(missing, [], 'routes nobody decided access for');
  const stale = Object.keys(matrix).filter((r) => !registered.has(r));
  assert.deepEqual(stale, [], 'routes in the matrix that no longer exist');
});

test('no console route succeeds for a role it is not meant for, nor without a session', async () => {
  const unexpected: string[] = [];
  // Signing out ends the session the walk uses, so those two routes go last.
  const endsSession = (route: string) => route.includes('/sign-out');
  const consoleRoutes = [...new Set(t.app.hifazatRoutes.map((r) => `${r.method} ${r.url}`))]
    .filter((r) => r.includes('/console/en/'))
    .sort((a, b) => Number(endsSession(a)) - Number(endsSession(b)));
  for (const route of consoleRoutes) {
    const [method, url] = route.split(' ') as ['GET' | 'POST', string];
    const allowed = matrix[`${method} ${pattern(url)}`];
    if (allowed === everyone || allowed === apiKey) continue;
    const concrete = url
      .replace(':id', url.includes('/reports/') ? reportId : caseId)
      .replace(':position', '0')
      .replace(':taskId', '999999')
      .replace(':referralId', '999999')
      .replace(':token', 'x');
    for (const [who, signedIn] of browsers) {
      const browser = endsSession(route) && who !== 'anonymous' ? await signedInAgain(who) : signedIn;
      const response =
        method === 'GET' ? await browser.get(concrete) : await browser.post(concrete, {}, { formPage: '/console/en/sign-in' });
      const refused =
        response.statusCode === 401 ||
        response.statusCode === 403 ||
        (who === 'anonymous' && response.statusCode === 303 && response.headers.location === '/console/en/sign-in');
      const mayUse = who !== 'anonymous' && allowed!.includes(who);
      if (!mayUse && !refused) unexpected.push(`${who} ${method} ${concrete} → ${response.statusCode}`);
      // A 403 for an allowed role is an object rule (e.g. a case not assigned to this analyst).
      if (mayUse && response.statusCode === 401) unexpected.push(`${who} refused ${method} ${concrete} → 401`);
    }
  }
  assert.deepEqual(unexpected, []);
});

test('an analyst cannot read a case assigned to another analyst (no IDOR)', async () => {
  const other = await enrolStaff(t, 'analyst', () => now);
  const otherBrowser = new Browser(t);
  await otherBrowser.signIn(other, now);
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/reports',
    payload: { kind: 'abuse', language: 'en', description: 'assigned elsewhere' },
  });
  assert.equal(created.statusCode, 201);
  const [row] = await t.database.rawTransaction((raw) =>
    raw.query<{ id: string; case_id: string }>(
      "SELECT r.id, r.case_id FROM reports r JOIN cases c ON c.id = r.case_id WHERE c.state = 'new' ORDER BY r.created_at DESC LIMIT 1",
    ),
  );
  // The other analyst takes the case by working on it.
  const taken = await otherBrowser.post(
    `/console/en/cases/${row!.case_id}/notes`,
    { body: 'mine' },
    { formPage: `/console/en/cases/${row!.case_id}` },
  );
  assert.equal(taken.statusCode, 303);
  // Fresh sessions: the walk above signed everyone out everywhere.
  const analyst = await signedInAgain('analyst');
  assert.equal((await analyst.get(`/console/en/reports/${row!.id}`)).statusCode, 403);
  assert.equal((await analyst.get(`/console/en/cases/${row!.case_id}`)).statusCode, 403);
  assert.equal((await (await signedInAgain('supervisor')).get(`/console/en/cases/${row!.case_id}`)).statusCode, 200);
});

test('public pages set no console cookie and the console cookies stay under /console', async () => {
  const page = await t.app.inject({
    method: 'POST',
    url: '/en/report',
    headers: formHeaders,
    payload: formEncode({ language: 'en', kind: 'abuse', description: 'x' }),
  });
  assert.equal(page.headers['set-cookie'], undefined);
  const signIn = await t.app.inject('/console/en/sign-in');
  for (const cookie of [signIn.headers['set-cookie']].flat()) assert.match(String(cookie), /Path=\/console/);
});

test('staff file a report for a caller: consent is required, and the caller gets a receipt that works', async () => {
  const analyst = await signedInAgain('analyst');
  const fields = { language: 'ur', kind: 'abuse', description: 'فون پر بتایا گیا واقعہ', channel: 'phone' };
  const refused = await analyst.post('/console/ur/file-report', fields, { formPage: '/console/ur/file-report' });
  assert.equal(refused.statusCode, 400);
  assert.ok(refused.body.includes('>فون پر بتایا گیا واقعہ</textarea>'), 'what was typed is kept');
  assert.match(refused.body, /id="f-consentRecorded-error"/);
  const filed = await analyst.post(
    '/console/ur/file-report',
    { ...fields, consentRecorded: 'true' },
    { formPage: '/console/ur/file-report' },
  );
  assert.equal(filed.statusCode, 200);
  const receipt = /id="receipt-code">([\d ]+)</.exec(filed.body)![1]!.replace(/ /g, '');
  const followUp = await t.app.inject({ method: 'POST', url: '/api/v1/follow-up', payload: { receipt } });
  assert.equal(followUp.statusCode, 200);
  const [row] = await t.database.rawTransaction((raw) =>
    raw.query<{ source: string; filed_by: string | null }>("SELECT source, filed_by FROM reports WHERE source = 'staff'"),
  );
  assert.equal(row!.source, 'staff');
  assert.equal(row!.filed_by, enrolled.get('analyst')!.id);
});

test('the matching API refuses every request without a valid API key, staff sessions included', async () => {
  const routes = t.app.hifazatRoutes.filter((r) => matrix[`${r.method} ${pattern(r.url)}`] === apiKey);
  assert.ok(routes.length >= 4);
  const supervisor = await signedInAgain('supervisor');
  for (const route of routes) {
    for (const headers of [{}, { authorization: 'Bearer hz_not_a_key' }]) {
      const response = await t.app.inject({
        method: route.method as 'POST',
        url: route.url,
        headers: { 'content-type': 'application/json', ...headers },
        cookies: supervisor.cookies,
        payload: '{}',
      });
      assert.equal(response.statusCode, 401, `${route.method} ${route.url}`);
    }
  }
});

test('an administrator changes the retention period; bad values are refused; the change is audited', async () => {
  const admin = await signedInAgain('administrator');
  const bad = await admin.post('/console/en/settings', { retentionDays: '7' }, { formPage: '/console/en/settings' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /id="f-retentionDays-error">Give a whole number of days from 30 to 3650/);
  assert.match(bad.body, /value="7"/);
  const saved = await admin.post('/console/en/settings', { retentionDays: '730' }, { formPage: '/console/en/settings' });
  assert.equal(saved.statusCode, 303);
  assert.match((await admin.get('/console/en/settings?saved=1')).body, /value="730"/);
  assert.equal(await t.services.settings.retentionDays(), 730);
  const [entry] = await t.services.audit.list({ limit: 1, action: 'setting.change' });
  assert.deepEqual(entry?.details, { from: 365, to: 730 });
});
