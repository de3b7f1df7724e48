import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { commandLine } from '../../src/domain/actor.ts';
import { buildApp } from '../../src/http/app.ts';
import { consoleEn } from '../../src/http/i18n/console-en.ts';
import { consoleUr } from '../../src/http/i18n/console-ur.ts';
import { createServices } from '../../src/services/index.ts';
import { submitOnlineReport, testApp, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff, totp, type EnrolledStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';

/** What a person reads on a page, without the data shown in it (emails, names, codes, links): for the no-English check. */
function interfaceWords(html: string): string[] {
  const text = html
    .replace(/<(script|style|title)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<(bdi|code)[^>]*>[^<]*<\/\1>/g, ' ')
    .replace(/<(\w+)[^>]*\slang="en"[^>]*>[^<]*<\/\1>/g, ' ');
  const attributes = [...text.matchAll(/\s(?:aria-label|title|placeholder|alt)="([^"]*)"/g)].map((m) => m[1]!.replace(/\S+@\S+/g, ' '));
  const readable = [text.replace(/<[^>]+>/g, ' '), ...attributes].join(' ').replace(/&[a-z]+;|&#\d+;/g, ' ');
  return [...new Set(readable.match(/[A-Za-z]{2,}/g) ?? [])];
}

forEachEngine('staff accounts: roles, resets, invitations, sessions, passwords, re-authentication', (engine) => {
  let t: TestApp;
  let now = new Date('2026-12-01T09:00:10Z');
  const clock = () => now;
  /** A new TOTP time step, so that a code is not a replay of the last one. */
  const nextStep = () => {
    now = new Date(now.getTime() + 60_000);
  };
  let administrator: EnrolledStaff;
  let admin: Browser;

  before(async () => {
    t = await testApp(engine, { clock });
    administrator = await enrolStaff(t, 'administrator', clock);
    admin = new Browser(t);
    assert.equal((await admin.signIn(administrator, now)).statusCode, 303);
  });
  after(() => t.close());

  const signedIn = async (staff: EnrolledStaff, on: TestApp = t) => {
    nextStep();
    const browser = new Browser(on);
    assert.equal((await browser.signIn(staff, now)).statusCode, 303, `${staff.role} signs in`);
    return browser;
  };
  const accountPage = (id: string, lang = 'en') => `/console/${lang}/staff/${id}`;
  const adminPost = (id: string, action: string, fields: Record<string, string> = {}, lang = 'en') =>
    admin.post(`/console/${lang}/staff/${id}/${action}`, fields, { formPage: accountPage(id, lang) });
  const audited = async (action: string, objectId: string) =>
    (await t.services.audit.list({ limit: 1000 })).filter((e) => e.action === action && e.objectId === objectId);
  const signedOut = (response: { statusCode: number; headers: Record<string, unknown> }) =>
    response.statusCode === 303 && String(response.headers.location).endsWith('/sign-in');

  test('a role change takes effect at the next request; one cannot change one’s own role (said in the page’s language)', async () => {
    const analyst = await enrolStaff(t, 'analyst', clock);
    const browser = await signedIn(analyst);
    assert.equal((await browser.get('/console/en/file-report')).statusCode, 200, 'an analyst files reports');
    assert.equal((await browser.get('/console/en/audit')).statusCode, 403);

    const changed = await adminPost(analyst.id, 'role', { role: 'auditor' });
    assert.equal(changed.statusCode, 303);
    assert.ok((await admin.get(String(changed.headers.location))).body.includes(consoleEn.staffAccount.roleChanged));
    assert.equal((await browser.get('/console/en/file-report')).statusCode, 403, 'the same session, now an auditor');
    assert.equal((await browser.get('/console/en/audit')).statusCode, 200);
    const [entry] = await audited('staff.role', analyst.id);
    assert.deepEqual(entry?.details, { staffId: analyst.id, email: analyst.email, from: 'analyst', to: 'auditor' });

    const own = await adminPost(administrator.id, 'role', { role: 'analyst' }, 'ur');
    assert.equal(own.statusCode, 409);
    assert.ok(own.body.includes(consoleUr.problems.own_account), 'the refusal in Urdu');
    const unknown = await adminPost(analyst.id, 'role', { role: 'owner' });
    assert.equal(unknown.statusCode, 400);
    assert.ok(unknown.body.includes(consoleEn.problems.invalid_choice));
    assert.equal((await t.services.staffAdministration.account(commandLine, administrator.id)).role, 'administrator');
  });

  test('a reset forces re-enrolment: sessions end, the old password and recovery codes fail, the new link works once', async () => {
    const analyst = await enrolStaff(t, 'analyst', clock);
    const old = await signedIn(analyst);
    const unconfirmed = await adminPost(analyst.id, 'reset');
    assert.equal(unconfirmed.statusCode, 400);
    assert.ok(unconfirmed.body.includes(consoleEn.problems.confirm_required));
    assert.equal((await old.get('/console/en/')).statusCode, 200, 'nothing happened without the box ticked');

    const reset = await adminPost(analyst.id, 'reset', { confirm: 'yes' });
    assert.equal(reset.statusCode, 200);
    assert.ok(reset.body.includes(consoleEn.staffAccount.resetLink));
    const link = /<code dir="ltr" class="break">(http:\/\/hifazat\.test\/console\/en\/enrol\/[\w-]+)<\/code>/.exec(reset.body)?.[1];
    assert.ok(link, 'the new enrolment link is shown');
    const enrolPath = new URL(link).pathname;
    assert.ok(!(await admin.get(accountPage(analyst.id))).body.includes(enrolPath), 'and not shown again');

    assert.ok(signedOut(await old.get('/console/en/')), 'the old session is refused at its next request');
    nextStep();
    assert.equal((await new Browser(t).signIn(analyst, now)).statusCode, 401, 'the old password no longer works');
    const withRecoveryCode = await new Browser(t).post('/console/en/sign-in', {
      email: analyst.email,
      password: analyst.password,
      code: analyst.recoveryCodes[0]!,
    });
    assert.equal(withRecoveryCode.statusCode, 401, 'nor the old recovery codes');

    const person = new Browser(t);
    const enrolPage = await person.get(enrolPath);
    assert.equal(enrolPage.statusCode, 200);
    const secret = /<code dir="ltr">([A-Z2-7]+)<\/code>/.exec(enrolPage.body)![1]!;
    const password = 'harbour violet engine saddle';
    const enrolled = await person.post(
      enrolPath,
      { password, passwordAgain: password, code: await totp(secret, now) },
      { formPage: enrolPath },
    );
    assert.equal(enrolled.statusCode, 200);
    assert.ok(enrolled.body.includes(consoleEn.enrol.doneTitle));
    const again = await new Browser(t).get(enrolPath);
    assert.equal(again.statusCode, 404, 'the link works once');
    assert.ok(again.body.includes(consoleEn.enrol.invalidLink));
    nextStep();
    assert.equal((await new Browser(t).signIn({ ...analyst, password, secret }, now)).statusCode, 303, 'signed in with the new ones');

    const [entry] = await audited('staff.reset', analyst.id);
    assert.deepEqual(entry?.details, { staffId: analyst.id, email: analyst.email, sessionsEnded: 1 });
    assert.equal(entry?.actor, administrator.email);
    // Not one's own account: an administrator changes their own password instead.
    assert.equal((await adminPost(administrator.id, 'reset', { confirm: 'yes' })).statusCode, 409);
  });

  test('a cancelled invitation’s link is refused; the account can be reset to a new link, not enabled', async () => {
    const { userId, enrolmentToken } = await t.services.staff.invite(commandLine, {
      email: 'invitee@hotline.example.org',
      displayName: 'Invitee',
      role: 'analyst',
    });
    const enrolPath = `/console/en/enrol/${enrolmentToken}`;
    assert.equal((await new Browser(t).get(enrolPath)).statusCode, 200);
    assert.equal((await adminPost(userId, 'cancel')).statusCode, 400, 'the box must be ticked');
    const cancelled = await adminPost(userId, 'cancel', { confirm: 'yes' });
    assert.equal(cancelled.statusCode, 303);
    assert.ok((await admin.get(String(cancelled.headers.location))).body.includes(consoleEn.staffAccount.cancelled));
    const refused = await new Browser(t).get(enrolPath);
    assert.equal(refused.statusCode, 404);
    assert.ok(refused.body.includes(consoleEn.enrol.invalidLink));
    assert.ok((await admin.get('/console/en/staff')).body.includes(consoleEn.staff.invitationCancelled));
    assert.equal((await audited('staff.cancel', userId)).length, 1);

    const enable = await adminPost(userId, 'enable');
    assert.equal(enable.statusCode, 409);
    assert.ok(enable.body.includes(consoleEn.problems.no_password));
    const again = await adminPost(userId, 'cancel', { confirm: 'yes' });
    assert.equal(again.statusCode, 409, 'nothing left to cancel');
    const reset = await adminPost(userId, 'reset', { confirm: 'yes' });
    const link = /\/console\/en\/enrol\/[\w-]+/.exec(reset.body)![0];
    assert.equal((await new Browser(t).get(link)).statusCode, 200, 'a reset gives a working link');
  });

  test('an administrator disables and enables from the account page, with a confirmation; never themselves', async () => {
    const analyst = await enrolStaff(t, 'analyst', clock);
    const browser = await signedIn(analyst);
    assert.equal((await adminPost(analyst.id, 'disable')).statusCode, 400);
    assert.equal((await browser.get('/console/en/')).statusCode, 200);
    assert.equal((await adminPost(analyst.id, 'disable', { confirm: 'yes' })).statusCode, 303);
    assert.ok(signedOut(await browser.get('/console/en/')));
    assert.equal((await adminPost(analyst.id, 'enable')).statusCode, 303);
    await signedIn(analyst);
    const self = await adminPost(administrator.id, 'disable', { confirm: 'yes' });
    assert.equal(self.statusCode, 409);
    assert.ok(self.body.includes(consoleEn.problems.own_account));
  });

  test('a session revoked by an administrator in one app instance is refused at its next request in another', async () => {
    // A second process on the same database, as behind a load balancer.
    const services = createServices(t.database, t.keyring, undefined, clock);
    const app = await buildApp(services, {
      logLevel: 'warn',
      logStream: new Writable({ write: (_chunk, _encoding, done) => done() }),
      trustProxy: false,
      https: false,
      publicUrl: 'http://hifazat.test',
      matchRequestsPerMinute: 10_000,
    });
    await app.ready();
    try {
      const other: TestApp = { ...t, app, services };
      const analyst = await enrolStaff(t, 'analyst', clock);
      const there = await signedIn(analyst, other);
      const kept = await signedIn(analyst, other);
      assert.equal((await there.get('/console/en/')).statusCode, 200);

      const page = await admin.get(accountPage(analyst.id));
      const handles = [...page.body.matchAll(/name="session" value="([0-9a-f]{64})"/g)].map((m) => m[1]!);
      assert.equal(handles.length, 2, 'both sessions are listed');
      assert.ok(!page.body.includes('127.0.0.1'), 'no address is shown (none is stored)');
      // The first listed is the oldest: `there`.
      const revoked = await adminPost(analyst.id, 'sessions/end', { session: handles[0]! });
      assert.equal(revoked.statusCode, 303);
      assert.ok(signedOut(await there.get('/console/en/')), 'refused by the other instance');
      assert.equal((await kept.get('/console/en/')).statusCode, 200, 'the other session goes on');
      const all = await adminPost(analyst.id, 'sessions/end-all');
      assert.equal(all.statusCode, 303);
      assert.ok((await admin.get(String(all.headers.location))).body.includes(consoleEn.staffAccount.sessionsEnded(1)));
      assert.ok(signedOut(await kept.get('/console/en/')));
      assert.equal((await audited('session.revoke', analyst.id)).length, 1);
      assert.equal((await audited('sessions.revoke', analyst.id))[0]?.details.sessionsEnded, 1);
      assert.equal((await adminPost(analyst.id, 'sessions/end', { session: handles[0]! })).statusCode, 404, 'already ended');
    } finally {
      await app.close();
    }
  });

  test('changing one’s own password ends the other sessions and keeps this one; common passwords are refused', async () => {
    const analyst = await enrolStaff(t, 'analyst', clock);
    const here = await signedIn(analyst);
    const there = await signedIn(analyst);
    const account = await here.get('/console/en/account');
    assert.equal(account.statusCode, 200);
    assert.equal([...account.body.matchAll(/name="session" value=/g)].length, 2);
    assert.ok(account.body.includes(consoleEn.sessions.thisOne));

    const change = (fields: Record<string, string>) =>
      here.post('/console/en/account/password', fields, { formPage: '/console/en/account' });
    const common = await change({ currentPassword: analyst.password, newPassword: 'password1234', newPasswordAgain: 'password1234' });
    assert.equal(common.statusCode, 400);
    assert.ok(common.body.includes(consoleEn.problems.password_common));
    const newPassword = 'orchard pebble window thistle';
    const wrong = await change({ currentPassword: 'not my password at all', newPassword, newPasswordAgain: newPassword });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.body.includes(consoleEn.problems.password_wrong));
    const differ = await change({ currentPassword: analyst.password, newPassword, newPasswordAgain: `${newPassword}!` });
    assert.equal(differ.statusCode, 400);
    assert.equal((await there.get('/console/en/')).statusCode, 200, 'nothing changed yet');

    const changed = await change({ currentPassword: analyst.password, newPassword, newPasswordAgain: newPassword });
    assert.equal(changed.statusCode, 303);
    assert.ok((await here.get(String(changed.headers.location))).body.includes(consoleEn.account.passwordChanged), 'this session stays');
    assert.ok(signedOut(await there.get('/console/en/')), 'the other session ended');
    nextStep();
    assert.equal((await new Browser(t).signIn(analyst, now)).statusCode, 401, 'the old password is refused');
    const third = await signedIn({ ...analyst, password: newPassword });
    assert.equal((await audited('password.change', analyst.id))[0]?.details.sessionsEnded, 1);

    // Ending the others from the account page; then this one, which signs out.
    const others = await third.post('/console/en/account/sessions/end-others', {}, { formPage: '/console/en/account' });
    assert.equal(others.statusCode, 303);
    assert.ok((await third.get(String(others.headers.location))).body.includes(consoleEn.account.othersEnded(1)));
    assert.ok(signedOut(await here.get('/console/en/')));
    const mine = /name="session" value="([0-9a-f]{64})"/.exec((await third.get('/console/en/account')).body)![1]!;
    const ended = await third.post('/console/en/account/sessions/end', { session: mine }, { formPage: '/console/en/account' });
    assert.ok(signedOut(ended));
    assert.ok(signedOut(await third.get('/console/en/')));
  });

  test('contact details, a live link and publishing ask for re-authentication; within the window they proceed', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      payload: {
        kind: 'online_material',
        language: 'en',
        urls: ['https://example.com/live/path'],
        contact: { name: 'Amina', phone: '0300 1234567', consent: true },
      },
    });
    assert.equal(created.statusCode, 201);
    const [row] = await t.database.rawTransaction((raw) =>
      raw.query<{ id: string }>('SELECT id FROM reports WHERE created_at = (SELECT max(created_at) FROM reports)'),
    );
    const supervisorStaff = await enrolStaff(t, 'supervisor', clock);
    const supervisor = await signedIn(supervisorStaff);
    const reportPage = `/console/en/reports/${row!.id}`;
    const reveal = (fields: Record<string, string> = {}) =>
      supervisor.post(`${reportPage}/reveal-contact`, fields, { formPage: reportPage });
    const copy = (fields: Record<string, string> = {}) =>
      supervisor.post(`${reportPage}/copy-url`, { position: '0', ...fields }, { formPage: reportPage });

    const asked = await reveal();
    assert.equal(asked.statusCode, 200);
    assert.ok(asked.body.includes(consoleEn.reauthenticate.title));
    assert.ok(!asked.body.includes('0300 1234567'), 'nothing revealed');
    const askedToCopy = await copy();
    assert.ok(askedToCopy.body.includes(consoleEn.reauthenticate.title));
    assert.ok(!askedToCopy.body.includes('https://example.com/live/path'), 'no live link');
    assert.match(askedToCopy.body, /<input type="hidden" name="position" value="0">/, 'the action’s own field is carried');

    const wrong = await reveal({ reauthPassword: 'not the password', reauthCode: '000000' });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.body.includes(consoleEn.problems.reauth_failed));
    assert.ok(!wrong.body.includes('0300 1234567'));
    assert.equal((await audited('contact.reveal', row!.id)).length + (await audited('url.copy', row!.id)).length, 0);
    assert.equal((await audited('reauthenticate.failed', supervisorStaff.id)).length, 1);

    nextStep();
    const revealed = await reveal({ reauthPassword: supervisorStaff.password, reauthCode: await totp(supervisorStaff.secret, now) });
    assert.equal(revealed.statusCode, 200);
    assert.ok(revealed.body.includes('0300 1234567'), 'revealed once re-authenticated, in the same request');
    const copied = await copy();
    assert.ok(copied.body.includes('https://example.com/live/path'), 'within the window, copying goes ahead');
    assert.equal((await audited('reauthenticate', supervisorStaff.id))[0]?.details.secondFactor, 'totp');

    // Past the window (5 minutes), in Urdu: publishing asks again, and goes on once answered.
    now = new Date(now.getTime() + 6 * 60_000);
    const statsPage = '/console/ur/statistics';
    const period = { from: '2019-01-01', to: '2019-12-31', k: '5' };
    const releases = (await t.services.statistics.listReleases()).length;
    const form = await supervisor.post('/console/ur/statistics/publish', period, { formPage: statsPage });
    assert.equal(form.statusCode, 200);
    assert.ok(form.body.includes(consoleUr.reauthenticate.title));
    assert.deepEqual(interfaceWords(form.body), [], 'no English on the Urdu form');
    assert.equal((await t.services.statistics.listReleases()).length, releases, 'nothing published');
    assert.ok(!(await copy()).body.includes('https://example.com/live/path'), 'the window has closed');
    const carried = Object.fromEntries(
      [...form.body.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)]
        .filter((m) => m[1] !== '_csrf')
        .map((m) => [m[1]!, m[2]!]),
    );
    assert.deepEqual(carried, period);
    const published = await supervisor.post(
      '/console/ur/statistics/publish',
      { ...carried, reauthPassword: supervisorStaff.password, reauthCode: supervisorStaff.recoveryCodes[0]! },
      { formPage: statsPage },
    );
    assert.equal(published.statusCode, 303);
    assert.equal((await t.services.statistics.listReleases()).length, releases + 1);
  });

  test('failed re-authentications slow the client as sign-in does, and never its owner signing in elsewhere', async () => {
    const analystStaff = await enrolStaff(t, 'analyst', clock);
    nextStep();
    const browser = new Browser(t, '10.0.0.7');
    assert.equal((await browser.signIn(analystStaff, now)).statusCode, 303);
    const page = '/console/en/statistics/media';
    const { reportId } = await submitOnlineReport(t);
    const attempt = () =>
      browser.post(
        `/console/en/reports/${reportId}/copy-url`,
        { position: '0', reauthPassword: 'wrong', reauthCode: '000000' },
        { formPage: page },
      );
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt()).statusCode);
    assert.deepEqual(statuses, [400, 400, 400, 400, 400], 'the free attempts');
    const waiting = await attempt();
    assert.equal(waiting.statusCode, 429);
    assert.ok(waiting.body.includes(consoleEn.reauthenticate.title), 'the form again, saying to wait');
    assert.match(waiting.body, /Too many failed attempts\. Try again in \d+ seconds\./);
    nextStep();
    assert.equal((await new Browser(t, '10.0.0.8').signIn(analystStaff, now)).statusCode, 303, 'the owner elsewhere is not slowed');
  });

  test('the Urdu account pages have no English left', async () => {
    const analyst = await enrolStaff(t, 'analyst', clock);
    await signedIn(analyst);
    const { userId } = await t.services.staff.invite(commandLine, {
      email: 'urdu@hotline.example.org',
      displayName: 'اردو',
      role: 'analyst',
    });
    const pages = {
      'an active account': await admin.get(accountPage(analyst.id, 'ur')),
      'an invited account': await admin.get(accountPage(userId, 'ur')),
      'a refusal': await adminPost(analyst.id, 'disable', {}, 'ur'),
      'the staff page': await admin.get('/console/ur/staff'),
      'one’s own account': await admin.get('/console/ur/account'),
      'a refused password': await admin.post(
        '/console/ur/account/password',
        { currentPassword: 'x', newPassword: 'short', newPasswordAgain: 'short' },
        { formPage: '/console/ur/account' },
      ),
    };
    for (const [name, page] of Object.entries(pages)) {
      assert.match(page.body, /<html lang="ur" dir="rtl">/, name);
      assert.deepEqual(interfaceWords(page.body), [], name);
    }
  });
});
