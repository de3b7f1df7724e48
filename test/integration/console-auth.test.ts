import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../../src/config.ts';
import { commandLine } from '../../src/domain/actor.ts';
import { HifazatError } from '../../src/domain/errors.ts';
import { consoleMessages } from '../../src/http/i18n/console.ts';
import { clientThrottles, staffUsers } from '../../src/store/schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff, totp, type EnrolledStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { formEncode, formHeaders, pageText } from '../helpers/forms.ts';

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
    const { enrolmentToken } = await t.services.staff.invite(commandLine, {
      email: 'New.Person@Hotline.example.org',
      displayName: 'New',
      role: 'auditor',
    });
    const browser = new Browser(t);
    const page = await browser.get(`/console/en/enrol/${enrolmentToken}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<svg[^>]*>[\s\S]*<\/svg>/, 'the QR code is drawn inline as SVG');
    const secret = /<code dir="ltr">([A-Z2-7]+)<\/code>/.exec(page.body)?.[1];
    assert.ok(secret);
    const formPage = `/console/en/enrol/${enrolmentToken}`;
    const weak = await browser.post(
      formPage,
      { password: 'password1234', passwordAgain: 'password1234', code: await totp(secret, now) },
      { formPage },
    );
    assert.equal(weak.statusCode, 400);
    assert.ok(pageText(weak.body).includes('too common'));
    const short = await browser.post(formPage, { password: 'short one', passwordAgain: 'short one', code: '000000' }, { formPage });
    assert.ok(pageText(short.body).includes('at least 12 characters'));
    const wrongCode = await browser.post(
      formPage,
      { password: 'violet harbour engine 42', passwordAgain: 'violet harbour engine 42', code: '123456' },
      { formPage },
    );
    assert.ok(pageText(wrongCode.body).includes('That code is not right'));
    const again = await browser.get(formPage);
    assert.ok(again.body.includes(`<code dir="ltr">${secret}</code>`), 'reloading the page keeps the secret already scanned');
    const done = await browser.post(
      formPage,
      { password: 'violet harbour engine 42', passwordAgain: 'violet harbour engine 42', code: await totp(secret, now) },
      { formPage },
    );
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
    const next = await new Browser(t).post('/console/en/sign-in', {
      email: analyst.email,
      password: analyst.password,
      code: await totp(analyst.secret, now),
    });
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

  test('a CSRF token works only in the session it was issued to: not in another, nor when issued before sign-in', async () => {
    // Someone who can plant a cookie in a staff browser (a sibling subdomain, over plain HTTP)
    // plants their own CSRF cookie there and posts a token made for it: the token of their own
    // session, or one from the sign-in page before signing in.
    const attacker = new Browser(t);
    const signedOutToken = await attacker.csrfToken('/console/en/sign-in');
    assert.equal((await attacker.signIn(await enrolStaff(t, 'auditor', clock), now)).statusCode, 303);
    const otherSessionToken = await attacker.csrfToken('/console/en/sign-in');
    const plantedSecret = attacker.cookies.hz_csrf!;
    const victim = new Browser(t);
    assert.equal((await victim.signIn(await enrolStaff(t, 'analyst', clock), now)).statusCode, 303);
    for (const [what, token] of [
      ['a token of another session', otherSessionToken],
      ['a token issued before sign-in', signedOutToken],
    ] as const) {
      const replayed = await t.app.inject({
        method: 'POST',
        url: '/console/en/sign-out-everywhere',
        cookies: { hz_session: victim.cookies.hz_session!, hz_csrf: plantedSecret },
        headers: formHeaders,
        payload: formEncode({ _csrf: token! }),
      });
      assert.equal(replayed.statusCode, 403, what);
      assert.ok(pageText(replayed.body).includes(consoleMessages.en.csrf), what);
      assert.ok(await t.services.staff.session(victim.cookies.hz_session), `${what}: the victim is still signed in`);
    }
    // The victim's own page gives a token that works in the victim's session, and so does the attacker's in theirs.
    assert.equal((await victim.post('/console/en/sign-out', {})).statusCode, 303);
    assert.equal(await t.services.staff.session(victim.cookies.hz_session), undefined);
    assert.equal((await attacker.post('/console/en/sign-out', {})).statusCode, 303);
  });

  test('a console form sent from another site is refused, in the language of the page, even with a valid token', async () => {
    const staff = await enrolStaff(t, 'analyst', clock);
    const browser = new Browser(t);
    assert.equal((await browser.signIn(staff, now)).statusCode, 303);
    const fromElsewhere: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'http://hifazat.test.evil.example' },
      { origin: 'https://hifazat.test' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site', origin: 'http://hifazat.test' },
    ];
    for (const headers of fromElsewhere) {
      for (const lang of ['en', 'ur'] as const) {
        const refused = await browser.post(`/console/${lang}/sign-out-everywhere`, {}, { formPage: `/console/${lang}/sign-in`, headers });
        assert.equal(refused.statusCode, 403, JSON.stringify(headers));
        assert.ok(pageText(refused.body).includes(consoleMessages[lang].csrf), `${lang}: ${JSON.stringify(headers)}`);
      }
    }
    assert.ok(await t.services.staff.session(browser.cookies.hz_session), 'nothing happened');

    // Sign-in as well: a forged sign-in would put staff into someone else's account.
    advance(30_000);
    const credentials = { email: staff.email, password: staff.password, code: await totp(staff.secret, now) };
    const forgedSignIn = await new Browser(t).post('/console/ur/sign-in', credentials, { headers: { origin: 'https://evil.example' } });
    assert.equal(forgedSignIn.statusCode, 403);
    assert.ok(pageText(forgedSignIn.body).includes(consoleMessages.ur.csrf));

    // From the console's own origin, as a browser sends a form, it goes through. (Console pages
    // allow a referrer to their own origin: under 'no-referrer' a browser sends `Origin: null`.)
    assert.equal((await browser.get('/console/en/sign-in')).headers['referrer-policy'], 'same-origin');
    const own = { origin: 'http://hifazat.test', 'sec-fetch-site': 'same-origin' };
    assert.equal((await new Browser(t).post('/console/en/sign-in', credentials, { headers: own })).statusCode, 303);
    assert.equal((await browser.post('/console/en/sign-out', {}, { headers: own })).statusCode, 303);
  });

  test('an invitation link is built from the public URL, never from the Host header', async () => {
    const browser = new Browser(t);
    assert.equal((await browser.signIn(await enrolStaff(t, 'administrator', clock), now)).statusCode, 303);
    const invited = await browser.post(
      '/console/en/staff',
      { email: 'host.header@hotline.example.org', displayName: 'Host Header', role: 'analyst' },
      { formPage: '/console/en/staff', headers: { host: 'evil.example' } },
    );
    assert.equal(invited.statusCode, 200, pageText(invited.body));
    assert.match(pageText(invited.body), /(^| )http:\/\/hifazat\.test\/console\/en\/enrol\/[A-Za-z0-9_-]{43}( |$)/);
    assert.ok(!invited.body.includes('evil.example'));
  });

  test('over HTTPS the console cookies are __Host- cookies (Path=/, Secure, no Domain) and links use PUBLIC_URL with its path', async () => {
    const secure = await testApp(engine, { clock, http: { https: true, publicUrl: 'https://hotline.example.org/staff' } });
    try {
      const admin = await enrolStaff(secure, 'administrator', clock);
      const browser = new Browser(secure);
      const cookieLine = (response: { headers: Record<string, unknown> }, name: string) =>
        [response.headers['set-cookie']]
          .flat()
          .map(String)
          .find((line) => line.startsWith(`${name}=`));
      const hostCookie = /^__Host-[a-z_]+=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict$/;
      assert.match(cookieLine(await browser.get('/console/en/sign-in'), '__Host-hz_csrf') ?? '', hostCookie);
      const signedIn = await browser.signIn(admin, now);
      assert.equal(signedIn.statusCode, 303);
      assert.match(cookieLine(signedIn, '__Host-hz_session')?.replace(/; Max-Age=\d+/, '') ?? '', hostCookie);
      assert.deepEqual(Object.keys(browser.cookies).sort(), ['__Host-hz_csrf', '__Host-hz_session']);

      const origin = { origin: 'https://hotline.example.org', 'sec-fetch-site': 'same-origin' };
      const invited = await browser.post(
        '/console/en/staff',
        { email: 'secure.invite@hotline.example.org', displayName: 'Secure', role: 'auditor' },
        { formPage: '/console/en/staff', headers: origin },
      );
      assert.equal(invited.statusCode, 200, pageText(invited.body));
      assert.match(pageText(invited.body), /(^| )https:\/\/hotline\.example\.org\/staff\/console\/en\/enrol\/[A-Za-z0-9_-]{43}( |$)/);

      // The browser now sends the cookies to public pages too; they set none and read none.
      for (const url of ['/en/', '/ur/report', '/en/follow-up']) {
        const page = await secure.app.inject({ method: 'GET', url, cookies: browser.cookies });
        assert.equal(page.statusCode, 200, url);
        assert.equal(page.headers['set-cookie'], undefined, url);
      }

      const out = await browser.post('/console/en/sign-out', {}, { headers: origin });
      assert.equal(out.statusCode, 303);
      assert.match(
        cookieLine(out, '__Host-hz_session') ?? '',
        /^__Host-hz_session=; Max-Age=0; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Strict$/,
      );
      assert.equal(browser.cookies['__Host-hz_session'], undefined);
    } finally {
      await secure.close();
    }
  });

  test('failed sign-ins slow down the client that fails, stop it at 100 an hour, and touch no other client or account', async () => {
    advance(3_600_000);
    const target = await enrolStaff(t, 'supervisor', clock);
    const browser = new Browser(t);
    const attempt = () => browser.post('/console/en/sign-in', { email: target.email, password: 'wrong password here', code: '000000' });
    for (let i = 0; i < 5; i++) assert.equal((await attempt()).statusCode, 401, `free attempt ${i + 1}`);
    const throttled = await attempt();
    assert.equal(throttled.statusCode, 429, 'after five failures a wait is required');
    assert.equal(throttled.headers['retry-after'], '1');
    // Even the right password is not checked while this client must wait for this account.
    const rightButEarly = await browser.post('/console/en/sign-in', {
      email: target.email,
      password: target.password,
      code: await totp(target.secret, now),
    });
    assert.equal(rightButEarly.statusCode, 429);
    advance(1_000);
    assert.equal((await attempt()).statusCode, 401, 'allowed again after the delay, and counted');
    assert.equal((await attempt()).headers['retry-after'], '2', 'the delay doubles');

    await t.database.db.update(clientThrottles).set({ hits: 100 }).where(eq(clientThrottles.scope, 'sign-in-account'));
    advance(120_000);
    const stopped = await browser.post('/console/en/sign-in', {
      email: target.email,
      password: target.password,
      code: await totp(target.secret, now),
    });
    assert.equal(stopped.statusCode, 429, 'at 100 failures the hour is over for this client and account');
    assert.equal((await new Browser(t, '198.51.100.50').signIn(target, now)).statusCode, 303, 'the owner signs in from another client');
    assert.equal((await new Browser(t, '198.51.100.51').signIn(analyst, now)).statusCode, 303, 'another account signs in as usual');
    advance(3_600_000);
    assert.equal(
      (await new Browser(t).signIn(target, now)).statusCode,
      303,
      'and the next hour the account works again from the first client',
    );
  });

  test('a form without its CSRF token is refused', async () => {
    const refused = await new Browser(t).post(
      '/console/en/sign-in',
      { email: analyst.email, password: analyst.password, code: '123456' },
      { csrf: false },
    );
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

test('PUBLIC_URL is an http(s) origin with an optional path; unset, it is http://HOST:PORT only where that names the server', () => {
  const publicUrl = (env: Record<string, string>) => loadConfig(env).publicUrl;
  assert.equal(publicUrl({}), 'http://127.0.0.1:3000');
  assert.equal(publicUrl({ HOST: 'localhost', PORT: '8080' }), 'http://localhost:8080');
  assert.equal(publicUrl({ HOST: '::1' }), 'http://[::1]:3000');
  assert.equal(publicUrl({ PUBLIC_URL: 'https://Hotline.Example.org/' }), 'https://hotline.example.org');
  assert.equal(publicUrl({ PUBLIC_URL: 'https://example.org:8443/hifazat/', HTTPS: 'true' }), 'https://example.org:8443/hifazat');
  assert.equal(publicUrl({ HOST: '0.0.0.0', PUBLIC_URL: 'https://hotline.example.org' }), 'https://hotline.example.org');

  const refusal = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (error) {
      assert.ok(error instanceof HifazatError && error.code === 'config_invalid', String(error));
      return error.message;
    }
    assert.fail(`accepted ${JSON.stringify(env)}`);
  };
  for (const bad of [
    'hotline.example.org',
    'ftp://hotline.example.org',
    'https://user:pass@hotline.example.org',
    'https://hotline.example.org/?next=1',
    'https://hotline.example.org/#top',
    'javascript:alert(1)',
    '',
  ]) {
    assert.match(refusal({ PUBLIC_URL: bad }), /PUBLIC_URL: must be an http:\/\/ or https:\/\/ address/, bad);
  }
  for (const wildcard of ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0']) {
    assert.match(
      refusal({ HOST: wildcard }),
      new RegExp(`PUBLIC_URL: required when HOST is ${wildcard.replace(/[[\]]/g, '\\$&')}, which listens on every address`),
    );
  }
  assert.match(refusal({ HTTPS: 'true' }), /PUBLIC_URL: required when HTTPS=true/);
  assert.match(
    refusal({ HTTPS: 'true', PUBLIC_URL: 'http://hotline.example.org' }),
    /PUBLIC_URL: must be an https:\/\/ address when HTTPS=true/,
  );
  assert.match(refusal({ PORT: '0' }), /PUBLIC_URL: required when PORT is 0/);
});
