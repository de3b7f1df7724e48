import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { signInFailures, staffUsers } from '../../src/store/schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff, totp, type EnrolledStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { pageText } from '../helpers/forms.ts';

forEachEngine('console accounts', (engine) => {
  let t: TestApp;
  let now = new Date('2026-11-29T09:00:10Z');
  const clock = () => now;
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  let analyst: EnrolledStaff;

  before(async () => {
    t = await testApp(engine, { clock });
    analyst = await enrolStaff(t, 'analyst', clock);
  });
  after(() => t.close());

  test('enrolment: a weak password or a wrong code is refused; the link works once', async () => {
    const { enrolmentToken } = await t.services.staff.invite({ id: null, label: 'test' }, { email: 'New.Person@Hotline.example.org', displayName: 'New', role: 'auditor' });
    const browser = new Browser(t);
    const page = await browser.get(`/console/en/enrol/${enrolmentToken}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<svg[^>]*>[\s\S]*<\/svg>/, 'the QR code is drawn inline as SVG');
    const secret = /<code dir="ltr">([A-Z2-7]+)<\/code>/.exec(page.body)?.[1];
    assert.ok(secret);
    const formPage = `/console/en/enrol/${enrolmentToken}`;
    const weak = await browser.post(formPage, { password: 'password1234', passwordAgain: 'password1234', code: await totp(secret, now) }, { formPage });
    assert.equal(weak.statusCode, 400);
    assert.ok(pageText(weak.body).includes('too common'));
    const short = await browser.post(formPage, { password: 'short one', passwordAgain: 'short one', code: '000000' }, { formPage });
    assert.ok(pageText(short.body).includes('at least 12 characters'));
    const wrongCode = await browser.post(formPage, { password: 'violet harbour engine 42', passwordAgain: 'violet harbour engine 42', code: '123456' }, { formPage });
    assert.ok(pageText(wrongCode.body).includes('That code is not right'));
    const again = await browser.get(formPage);
    assert.ok(again.body.includes(`<code dir="ltr">${secret}</code>`), 'reloading the page keeps the secret already scanned');
    const done = await browser.post(formPage, { password: 'violet harbour engine 42', passwordAgain: 'violet harbour engine 42', code: await totp(secret, now) }, { formPage });
    assert.equal(done.statusCode, 200, pageText(done.body));
    const codes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]);
    assert.equal(codes.length, 10, 'ten recovery codes');
    assert.equal((await browser.get(formPage)).statusCode, 404, 'the link works once');
    const [stored] = await t.database.db.select().from(staffUsers).where(eq(staffUsers.email, 'new.person@hotline.example.org'));
    assert.match(stored!.passwordHash!, /^\$argon2id\$v=19\$m=65536,t=3,p=1\$/);
    assert.ok(!stored!.totpSecret!.includes(Buffer.from(secret)), 'the TOTP secret is stored encrypted');
  });

  test('sign-in needs the password and a current code; a replayed code is refused', async () => {
    const browser = new Browser(t);
    const code = await totp(analyst.secret, now);
    const wrongPassword = await browser.post('/console/en/sign-in', { email: analyst.email, password: 'not the password!', code });
    assert.equal(wrongPassword.statusCode, 401);
    assert.ok(pageText(wrongPassword.body).includes('The email, password or code is not right'));
    const ok = await browser.post('/console/en/sign-in', { email: analyst.email, password: analyst.password, code });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/console/en/');
    const cookie = [ok.headers['set-cookie']].flat().find((c) => c?.startsWith('hz_session='))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\/console/);
    assert.ok(browser.cookies.hz_session!.length >= 43, 'at least 256 bits in the session id');

    const replay = await new Browser(t).post('/console/en/sign-in', { email: analyst.email, password: analyst.password, code });
    assert.equal(replay.statusCode, 401, 'the same code cannot be used twice');
    advance(30_000);
    const next = await new Browser(t).post('/console/en/sign-in', { email: analyst.email, password: analyst.password, code: await totp(analyst.secret, now) });
    assert.equal(next.statusCode, 303);
  });

  test('a recovery code signs in once', async () => {
    advance(1000);
    const code = analyst.recoveryCodes[0]!;
    const first = await new Browser(t).post('/console/en/sign-in', { email: analyst.email, password: analyst.password, code });
    assert.equal(first.statusCode, 303);
    const second = await new Browser(t).post('/console/en/sign-in', { email: analyst.email, password: analyst.password, code });
    assert.equal(second.statusCode, 401);
  });

  test('sessions end after 30 idle minutes and after 12 hours at most; sign out everywhere ends all', async () => {
    advance(60_000);
    const browser = new Browser(t);
    assert.equal((await browser.signIn(analyst, now)).statusCode, 303);
    const token = browser.cookies.hz_session!;
    advance(29 * 60_000);
    assert.ok(await t.services.staff.session(token), 'still signed in after 29 minutes');
    advance(29 * 60_000);
    assert.ok(await t.services.staff.session(token), 'activity keeps the session alive');
    advance(31 * 60_000);
    assert.equal(await t.services.staff.session(token), undefined, 'idle for 31 minutes');

    advance(60_000);
    const longDay = new Browser(t);
    assert.equal((await longDay.signIn(analyst, now)).statusCode, 303);
    for (let hour = 0; hour < 12 * 3; hour++) {
      advance(20 * 60_000);
      const alive = await t.services.staff.session(longDay.cookies.hz_session);
      if (hour < 12 * 3 - 1) assert.ok(alive, `active for ${(hour + 1) * 20} minutes`);
      else assert.equal(alive, undefined, 'no session lives past 12 hours');
    }

    advance(60_000);
    const phone = new Browser(t);
    const desk = new Browser(t);
    assert.equal((await phone.signIn(analyst, now)).statusCode, 303);
    advance(30_000);
    assert.equal((await desk.signIn(analyst, now)).statusCode, 303);
    const out = await desk.post('/console/en/sign-out-everywhere', {}, { formPage: '/console/en/sign-in' });
    assert.equal(out.statusCode, 303);
    assert.equal(await t.services.staff.session(phone.cookies.hz_session), undefined);
    assert.equal((await phone.get('/console/en/')).statusCode, 303, 'the phone is sent to sign in');
  });

  test('failed sign-ins slow down, stop at 100 an hour, and do not touch other accounts', async () => {
    advance(3_600_000);
    const target = await enrolStaff(t, 'supervisor', clock);
    const browser = new Browser(t);
    const attempt = () => browser.post('/console/en/sign-in', { email: target.email, password: 'wrong password here', code: '000000' });
    for (let i = 0; i < 5; i++) assert.equal((await attempt()).statusCode, 401, `free attempt ${i + 1}`);
    const throttled = await attempt();
    assert.equal(throttled.statusCode, 429, 'after five failures a wait is required');
    assert.equal(throttled.headers['retry-after'], '1');
    // Even the right password is not checked while the account must wait.
    const rightButEarly = await browser.post('/console/en/sign-in', { email: target.email, password: target.password, code: await totp(target.secret, now) });
    assert.equal(rightButEarly.statusCode, 429);
    advance(1_000);
    assert.equal((await attempt()).statusCode, 401, 'allowed again after the delay, and counted');
    assert.equal((await attempt()).headers['retry-after'], '2', 'the delay doubles');

    await t.database.db.update(signInFailures).set({ failures: 100 }).where(eq(signInFailures.account, target.email));
    advance(120_000);
    const stopped = await browser.post('/console/en/sign-in', { email: target.email, password: target.password, code: await totp(target.secret, now) });
    assert.equal(stopped.statusCode, 429, 'at 100 failures the hour is over for this account');
    assert.equal((await new Browser(t).signIn(analyst, now)).statusCode, 303, 'another account signs in as usual');
    advance(3_600_000);
    assert.equal((await new Browser(t).signIn(target, now)).statusCode, 303, 'and the next hour the account works again');
  });

  test('a form without its CSRF token is refused', async () => {
    const refused = await new Browser(t).post('/console/en/sign-in', { email: analyst.email, password: analyst.password, code: '123456' }, { csrf: false });
    assert.equal(refused.statusCode, 403);
    assert.ok(pageText(refused.body).includes('This form has expired'));
    const browser = new Browser(t);
    advance(30_000);
    assert.equal((await browser.signIn(analyst, now)).statusCode, 303);
    const forged = await browser.post('/console/en/sign-out-everywhere', { _csrf: 'forged' }, { csrf: false });
    assert.equal(forged.statusCode, 403);
    assert.ok(await t.services.staff.session(browser.cookies.hz_session), 'nothing happened');
  });

  test('sign-ins, failures and sign-outs are in the audit log', async () => {
    const actions = (await t.services.audit.list({ limit: 500 })).map((e) => e.action);
    for (const action of ['staff.invite', 'staff.enrol', 'sign_in', 'sign_in.failed', 'sign_out.everywhere']) {
      assert.ok(actions.includes(action), action);
    }
    assert.equal((await t.services.audit.verify()).ok, true);
  });
});
