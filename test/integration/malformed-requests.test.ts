import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { count } from 'drizzle-orm';
import { auditLog, caseTasks, incidentRecords, reports, staffUsers } from '../../src/store/schema.ts';
import { mediaReports } from '../../src/store/statistics-schema.ts';
import { testApp, type TestApp, submitOnlineReport } from '../helpers/app.ts';
import { Browser, enrolStaff, type EnrolledStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { formHeaders } from '../helpers/forms.ts';
import { commandLine } from '../../src/domain/actor.ts';

interface Case {
  name: string;
  method?: 'POST' | 'GET' | 'PUT' | 'DELETE';
  url: string;
  contentType?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** The status expected; every case is a 4xx. */
  status: number;
}

const valid = { kind: 'abuse', language: 'en', description: 'He follows her from school.' };
const json = (value: unknown) => JSON.stringify(value);
const api = (name: string, body: unknown, status = 400): Case => ({
  name,
  url: '/api/v1/reports',
  contentType: 'application/json',
  body: typeof body === 'string' ? body : json(body),
  status,
});
const form = (name: string, body: string, status = 400, lang = 'en'): Case => ({
  name,
  url: `/${lang}/report`,
  contentType: 'application/x-www-form-urlencoded',
  body,
  status,
});

const cases: Case[] = [
  // JSON API: shape and syntax
  api('empty JSON object', {}),
  api('JSON array', [valid]),
  api('JSON string', '"report"'),
  api('JSON null', 'null'),
  api('truncated JSON', '{"kind":"abuse",'),
  api('trailing garbage', `${json(valid)}x`),
  // Prototype poisoning: refused by the parser, never handed to the code that reads the body.
  api('__proto__ key', `{"kind":"abuse","language":"en","description":"x","__proto__":{"isAdmin":true}}`),
  api('constructor.prototype key', `{"kind":"abuse","language":"en","description":"x","constructor":{"prototype":{"isAdmin":true}}}`),
  api('empty body', ''),
  api('missing kind', { language: 'en', description: 'x' }),
  api('unknown kind', { ...valid, kind: 'gossip' }),
  api('missing language', { kind: 'abuse', description: 'x' }),
  api('unsupported language', { ...valid, language: 'fr' }),
  api('abuse without description', { kind: 'abuse', language: 'en' }),
  api('online material without URLs', { kind: 'online_material', language: 'en' }),
  api('URLs not an array', { kind: 'online_material', language: 'en', urls: 'https://example.com' }),
  api('URL is a number', { kind: 'online_material', language: 'en', urls: [42] }),
  api('javascript: URL', { kind: 'online_material', language: 'en', urls: ['javascript:alert(1)'] }),
  api('data: URL', { kind: 'online_material', language: 'en', urls: ['data:text/html,hi'] }),
  api('ftp URL', { kind: 'online_material', language: 'en', urls: ['ftp://example.com/a'] }),
  api('21 distinct URLs', {
    kind: 'online_material',
    language: 'en',
    urls: Array.from({ length: 21 }, (_, i) => `https://e.example/${i}`),
  }),
  api('URL over 2048 characters', { kind: 'online_material', language: 'en', urls: [`https://example.com/${'a'.repeat(2100)}`] }),
  api('description too long', { ...valid, description: 'x'.repeat(10_001) }),
  api('description with NUL', { ...valid, description: 'a\u0000b' }),
  api('description with escape character', { ...valid, description: 'a\u001b[31mb' }),
  api('description with C1 control', { ...valid, description: 'a\u0085b' }),
  api('description is a number', { ...valid, description: 7 }),
  api('site too long', { ...valid, site: 's'.repeat(201) }),
  api('date in the future', { ...valid, occurredOn: '2999-01-01' }),
  api('impossible date', { ...valid, occurredOn: '2024-02-30' }),
  api('date in another format', { ...valid, occurredOn: '01/02/2024' }),
  // Year 0 is a valid ISO date that PostgreSQL refuses: it was a 500. Nothing happened before 1900.
  api('date in year 0', { ...valid, occurredOn: '0000-01-01' }),
  api('date before 1900', { ...valid, occurredOn: '1899-12-31' }),
  api('unknown province', { ...valid, province: 'karachi' }),
  api('unknown age band', { ...valid, childAgeBand: '16-18' }),
  api('unknown sex', { ...valid, childSex: 'x' }),
  api('unknown relationship', { ...valid, abuserRelationship: 'uncle' }),
  api('unknown place', { ...valid, place: 'moon' }),
  api('unknown police status', { ...valid, policeStatus: 'maybe' }),
  api('inDangerNow as a string', { ...valid, inDangerNow: 'yes' }),
  api('unknown top-level field', { ...valid, ip: '203.0.113.9' }),
  api('prototype pollution attempt', '{"kind":"abuse","language":"en","description":"x","__proto__":{"admin":true}}'),
  api('unknown contact field', { ...valid, contact: { consent: true, phone: '03001234567', twitter: '@x' } }),
  api('contact without consent', { ...valid, contact: { phone: '03001234567' } }),
  api('contact consent without a way to reach', { ...valid, contact: { consent: true } }),
  api('bad phone number', { ...valid, contact: { consent: true, phone: 'call me maybe' } }),
  api('bad email', { ...valid, contact: { consent: true, email: 'not-an-email' } }),
  api('contact not an object', { ...valid, contact: 'me' }),
  {
    name: 'invalid UTF-8 in JSON',
    url: '/api/v1/reports',
    contentType: 'application/json',
    body: Buffer.concat([Buffer.from('{"kind":"abuse","language":"en","description":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    status: 400,
  },
  {
    name: 'body over the size limit',
    url: '/api/v1/reports',
    contentType: 'application/json',
    body: json({ ...valid, description: 'x'.repeat(300_000) }),
    status: 413,
  },
  { name: 'XML body', url: '/api/v1/reports', contentType: 'application/xml', body: '<report/>', status: 415 },
  { name: 'text body', url: '/api/v1/reports', contentType: 'text/plain', body: json(valid), status: 415 },
  {
    name: 'form body to the JSON API',
    url: '/api/v1/reports',
    contentType: 'application/x-www-form-urlencoded',
    body: 'kind=abuse&language=en&description=x',
    status: 415,
  },
  { name: 'multipart body', url: '/api/v1/reports', contentType: 'multipart/form-data; boundary=x', body: '--x\r\n\r\n--x--', status: 415 },
  {
    name: 'bad Idempotency-Key',
    url: '/api/v1/reports',
    contentType: 'application/json',
    body: json(valid),
    headers: { 'idempotency-key': 'short' },
    status: 400,
  },
  { name: 'GET on the reports endpoint', method: 'GET', url: '/api/v1/reports', status: 404 },
  {
    name: 'PUT on the reports endpoint',
    method: 'PUT',
    url: '/api/v1/reports',
    contentType: 'application/json',
    body: json(valid),
    status: 404,
  },
  // HTML form
  form('form without kind', 'language=en&description=x'),
  form('form with an unknown field', 'language=en&kind=abuse&description=x&admin=1'),
  form('form with a broken percent escape', 'language=en&kind=abuse&description=%E0%A4%A'),
  form('form with percent-encoded invalid UTF-8', 'language=en&kind=abuse&description=%C3%28'),
  form('form with a NUL character', 'language=en&kind=abuse&description=a%00b'),
  form('form with kind repeated', 'language=en&kind=abuse&kind=online_material&description=x'),
  form('form in Urdu with a bad date', 'language=ur&kind=abuse&description=x&occurredOn=2024-13-01', 400, 'ur'),
  form('form with a date in year 0', 'language=en&kind=abuse&description=x&occurredOn=0000-01-01'),
  form('form with a __proto__ field', 'language=en&kind=abuse&description=x&__proto__=1'),
  {
    name: 'form with raw invalid UTF-8',
    url: '/en/report',
    contentType: 'application/x-www-form-urlencoded',
    body: Buffer.concat([Buffer.from('language=en&kind=abuse&description='), Buffer.from([0xff, 0xfe])]),
    status: 400,
  },
  { name: 'form posted as JSON', url: '/en/report', contentType: 'application/json', body: json(valid), status: 415 },
  { name: 'form posted as text', url: '/en/report', contentType: 'text/plain', body: 'kind=abuse', status: 415 },
  {
    name: 'form over the size limit',
    url: '/en/report',
    contentType: 'application/x-www-form-urlencoded',
    body: `language=en&kind=abuse&description=${'x'.repeat(300_000)}`,
    status: 413,
  },
  // Follow-up
  { name: 'follow-up without receipt', url: '/api/v1/follow-up', contentType: 'application/json', body: '{}', status: 400 },
  {
    name: 'follow-up with a short receipt',
    url: '/api/v1/follow-up',
    contentType: 'application/json',
    body: json({ receipt: '1234' }),
    status: 400,
  },
  {
    name: 'follow-up with letters',
    url: '/api/v1/follow-up',
    contentType: 'application/json',
    body: json({ receipt: 'abcd'.repeat(9) }),
    status: 400,
  },
  {
    name: 'follow-up with an extra field',
    url: '/api/v1/follow-up',
    contentType: 'application/json',
    body: json({ receipt: '1'.repeat(36), x: 1 }),
    status: 400,
  },
  {
    name: 'message without body',
    url: '/api/v1/follow-up/messages',
    contentType: 'application/json',
    body: json({ receipt: '1'.repeat(36) }),
    status: 400,
  },
  {
    name: 'follow-up form with an unknown field',
    url: '/en/follow-up',
    contentType: 'application/x-www-form-urlencoded',
    body: 'receipt=1&x=2',
    status: 400,
  },
  { name: 'unknown API path', method: 'GET', url: '/api/v1/nothing', status: 404 },
  { name: 'unknown page', method: 'GET', url: '/ur/nothing', status: 404 },
  { name: 'unknown language', method: 'GET', url: '/fr/report', status: 404 },
];

forEachEngine('malformed requests', (engine) => {
  let t: TestApp;
  before(async () => {
    t = await testApp(engine);
  });
  after(() => t.close());

  test(`there are at least 50 cases (${cases.length})`, () => assert.ok(cases.length >= 50));

  for (const c of cases) {
    test(`${c.name} → ${c.status}`, async () => {
      const response = await t.app.inject({
        method: c.method ?? 'POST',
        url: c.url,
        headers: { ...(c.contentType ? { 'content-type': c.contentType } : {}), ...c.headers },
        ...(c.body === undefined ? {} : { payload: c.body }),
      });
      assert.equal(response.statusCode, c.status, response.body.slice(0, 300));
      if (c.url.startsWith('/api/')) {
        const body = response.json() as { errors?: { field: string; message: string }[]; error?: { code: string } };
        assert.ok(body.errors?.every((e) => e.field !== undefined && e.message) || body.error?.code, 'a clear error body');
      } else {
        assert.match(String(response.headers['content-type']), /text\/html/);
      }
    });
  }

  test('nothing was stored by any of them', async () => {
    assert.equal((await t.database.db.select().from(reports)).length, 0);
  });
});

/** A multipart/form-data body: text fields, and files as [filename, content]. */
function multipart(boundary: string, parts: [name: string, value: string | [filename: string, content: string]][]): string {
  return (
    parts
      .map(([name, value]) =>
        typeof value === 'string'
          ? `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
          : `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value[0]}"\r\nContent-Type: text/csv\r\n\r\n${value[1]}\r\n`,
      )
      .join('') + `--${boundary}--\r\n`
  );
}

/**
 * The console's findings (issue 9): each request here answered 500 before. Every console form
 * field is one string unless its route declares a list, and that is checked before anything runs.
 */
forEachEngine('malformed console requests', (engine) => {
  let t: TestApp;
  let admin: EnrolledStaff;
  let supervisor: EnrolledStaff;
  let adminBrowser: Browser;
  let supervisorBrowser: Browser;
  let reportId: string;
  let caseId: string;
  const now = new Date();
  before(async () => {
    t = await testApp(engine, { clock: () => now });
    admin = await enrolStaff(t, 'administrator', () => now);
    supervisor = await enrolStaff(t, 'supervisor', () => now);
    adminBrowser = new Browser(t);
    assert.equal((await adminBrowser.signIn(admin, now)).statusCode, 303);
    supervisorBrowser = new Browser(t);
    assert.equal((await supervisorBrowser.signIn(supervisor, now)).statusCode, 303);
    ({ reportId, caseId } = await submitOnlineReport(t));
    // Copying a link asks for the password and a code again first (the clock stands still here, so this lasts).
    const reauthenticated = await supervisorBrowser.post(
      `/console/en/reports/${reportId}/reveal-contact`,
      { reauthPassword: supervisor.password, reauthCode: supervisor.recoveryCodes[0]! },
      { formPage: `/console/en/reports/${reportId}` },
    );
    assert.equal(reauthenticated.statusCode, 200);
  });
  after(() => t.close());

  /** A post as `browser` with the CSRF token of `formPage` and a body written out by hand. */
  async function post(browser: Browser, url: string, formPage: string, contentType: string, payload: (csrf: string) => string) {
    const csrf = (await browser.csrfToken(formPage))!;
    return t.app.inject({
      method: 'POST',
      url,
      cookies: browser.cookies,
      headers: { 'content-type': contentType },
      payload: payload(csrf),
    });
  }
  const rows = async () => ({
    staff: (await t.database.db.select({ n: count() }).from(staffUsers))[0]!.n,
    audit: (await t.database.db.select({ n: count() }).from(auditLog))[0]!.n,
    tasks: (await t.database.db.select({ n: count() }).from(caseTasks))[0]!.n,
    media: (await t.database.db.select({ n: count() }).from(mediaReports))[0]!.n,
    incidents: (await t.database.db.select({ n: count() }).from(incidentRecords))[0]!.n,
  });
  const signInPage = '/console/en/sign-in';

  test('a sign-in with a repeated code answers 400 whether or not the password is right, before anything is checked', async () => {
    const before = await rows();
    const code = '123456';
    const attempt = (password: string) =>
      post(
        new Browser(t),
        '/console/en/sign-in',
        signInPage,
        formHeaders['content-type'],
        (csrf) =>
          `email=${encodeURIComponent(admin.email)}&password=${encodeURIComponent(password)}&code=${code}&code=${code}&_csrf=${encodeURIComponent(csrf)}`,
      );
    const right = await attempt(admin.password);
    const wrong = await attempt('not the password at all');
    assert.equal(right.statusCode, 400, right.body.slice(0, 300));
    assert.equal(wrong.statusCode, 400);
    assert.equal(right.body, wrong.body, 'the answer says nothing about the password');
    assert.match(right.body, /This form could not be read/);
    assert.deepEqual(await rows(), before, 'no failure audited, nothing stored: nothing ran');
  });

  test('other malformed sign-ins answer 400: repeated or non-string fields, JSON arrays and numbers, files', async () => {
    const email = encodeURIComponent(admin.email);
    const password = encodeURIComponent(admin.password);
    const boundary = 'hz-boundary';
    const requests: [string, string, (csrf: string) => string][] = [
      [
        'email repeated',
        formHeaders['content-type'],
        (csrf) => `email=${email}&email=${email}&password=${password}&code=1&_csrf=${encodeURIComponent(csrf)}`,
      ],
      [
        'password repeated',
        formHeaders['content-type'],
        (csrf) => `email=${email}&password=${password}&password=x&code=1&_csrf=${encodeURIComponent(csrf)}`,
      ],
      [
        'JSON code as a number',
        'application/json',
        (csrf) => JSON.stringify({ email: admin.email, password: admin.password, code: 123456, _csrf: csrf }),
      ],
      [
        'JSON code as a list',
        'application/json',
        (csrf) => JSON.stringify({ email: admin.email, password: admin.password, code: ['1', '2'], _csrf: csrf }),
      ],
      [
        'JSON password as an object',
        'application/json',
        (csrf) => JSON.stringify({ email: admin.email, password: { a: 1 }, code: '1', _csrf: csrf }),
      ],
      ['JSON array', 'application/json', () => JSON.stringify([admin.email, admin.password])],
      [
        'the code as an uploaded file',
        `multipart/form-data; boundary=${boundary}`,
        (csrf) =>
          multipart(boundary, [
            ['_csrf', csrf],
            ['email', admin.email],
            ['password', admin.password],
            ['code', ['code.txt', '123456']],
          ]),
      ],
    ];
    for (const [name, type, payload] of requests) {
      const response = await post(new Browser(t), '/console/en/sign-in', signInPage, type, payload);
      assert.equal(response.statusCode, 400, `${name}: ${response.body.slice(0, 200)}`);
      assert.match(String(response.headers['content-type']), /text\/html/);
    }
  });

  test('a page number past bigint on the audit page, and link positions past smallint, are 4xx', async () => {
    for (const before of ['99999999999999999999', '9223372036854775808', '1e3', '-1', '']) {
      const response = await adminBrowser.get(`/console/en/audit?before=${before}`);
      assert.equal(response.statusCode, 400, `before=${before}`);
    }
    assert.equal((await adminBrowser.get('/console/en/audit?before=1')).statusCode, 200);
    // A valid classification, so that the old code went on to look the link up (smallint) and failed.
    const classification = (csrf: string) =>
      `category=abuse_material&legalBases=ppc_292a&legalBases=peca_22&_csrf=${encodeURIComponent(csrf)}`;
    const reportPage = `/console/en/reports/${reportId}`;
    for (const position of ['99999', '99999999999999999999', '1e3', '-1']) {
      const classified = await post(
        supervisorBrowser,
        `/console/en/reports/${reportId}/urls/${position}/classify`,
        reportPage,
        formHeaders['content-type'],
        classification,
      );
      assert.equal(classified.statusCode, 404, `classify position ${position}: ${classified.body.slice(0, 200)}`);
      const copied = await post(
        supervisorBrowser,
        `/console/en/reports/${reportId}/copy-url`,
        reportPage,
        formHeaders['content-type'],
        (csrf) => `position=${position}&_csrf=${encodeURIComponent(csrf)}`,
      );
      assert.equal(copied.statusCode, 404, `copy position ${position}`);
    }
    const copiedNothing = await post(
      supervisorBrowser,
      `/console/en/reports/${reportId}/copy-url`,
      reportPage,
      formHeaders['content-type'],
      (csrf) => `_csrf=${encodeURIComponent(csrf)}`,
    );
    assert.equal(copiedNothing.statusCode, 404, 'no position at all');
    const casePage = `/console/en/cases/${caseId}`;
    for (const id of ['99999999999999999999', '12abc', '-1']) {
      const done = await post(
        supervisorBrowser,
        `/console/en/cases/${caseId}/tasks/${id}/done`,
        casePage,
        formHeaders['content-type'],
        (csrf) => `_csrf=${encodeURIComponent(csrf)}`,
      );
      assert.equal(done.statusCode, 404, `task ${id}`);
      const referral = await post(
        supervisorBrowser,
        `/console/en/cases/${caseId}/referrals/${id}`,
        casePage,
        formHeaders['content-type'],
        (csrf) => `firStatus=registered&_csrf=${encodeURIComponent(csrf)}`,
      );
      assert.equal(referral.statusCode, 404, `referral ${id}`);
    }
    // The classification with a real position still works.
    const classified = await post(
      supervisorBrowser,
      `/console/en/reports/${reportId}/urls/0/classify`,
      reportPage,
      formHeaders['content-type'],
      classification,
    );
    assert.equal(classified.statusCode, 303, classified.body.slice(0, 300));
  });

  test('a task or referral under a case path that is no case id answers 404 (its redirect was a 500)', async () => {
    const actor = (await t.services.staff.list()).find((m) => m.id === supervisor.id)!;
    const taskId = await t.services.cases.addTask(actor, caseId, { title: 'Call the platform', dueOn: '2026-01-31' });
    const referralId = await t.services.cases.addReferral(actor, caseId, {
      agencyId: '00000000-0000-4000-8000-00000000cc1a',
      referredAt: new Date(),
      method: 'phone',
      firStatus: 'pending',
    });
    const casePage = `/console/en/cases/${caseId}`;
    for (const notACase of ['%D9%A1%D9%A2', '%00', 'x']) {
      const referral = await post(
        supervisorBrowser,
        `/console/en/cases/${notACase}/referrals/${referralId}`,
        casePage,
        formHeaders['content-type'],
        (csrf) => `firStatus=registered&followUpOn=2026-03-01&_csrf=${encodeURIComponent(csrf)}`,
      );
      assert.equal(referral.statusCode, 404, `referral under ${notACase}: ${referral.body.slice(0, 200)}`);
      const done = await post(
        supervisorBrowser,
        `/console/en/cases/${notACase}/tasks/${taskId}/done`,
        casePage,
        formHeaders['content-type'],
        (csrf) => `_csrf=${encodeURIComponent(csrf)}`,
      );
      assert.equal(done.statusCode, 404, `task under ${notACase}`);
    }
    const [task] = await t.database.rawTransaction((raw) =>
      raw.query<{ done_at: unknown }>(`SELECT done_at FROM case_tasks WHERE id = ${taskId}`),
    );
    assert.equal(task!.done_at, null, 'the task was not completed through a path naming no case');
    const done = await post(
      supervisorBrowser,
      `/console/en/cases/${caseId}/tasks/${taskId}/done`,
      casePage,
      formHeaders['content-type'],
      (csrf) => `_csrf=${encodeURIComponent(csrf)}`,
    );
    assert.equal(done.statusCode, 303);
  });

  test('an invitation with a repeated field answers 400 and invites nobody', async () => {
    const before = await rows();
    const response = await post(
      adminBrowser,
      '/console/en/staff',
      '/console/en/staff',
      formHeaders['content-type'],
      (csrf) =>
        `email=new.analyst%40hotline.example.org&email=other%40hotline.example.org&displayName=New&role=analyst&_csrf=${encodeURIComponent(csrf)}`,
    );
    assert.equal(response.statusCode, 400, response.body.slice(0, 300));
    assert.deepEqual(await rows(), before);
  });

  test('a truncated newspaper CSV upload answers 400 and imports nothing', async () => {
    const before = await rows();
    const boundary = '----hifazat-upload';
    const csv = 'date,newspaper,headline,category,province\r\n2024-03-01,Dawn,A headline,rape,punjab\r\n';
    const whole = multipart(boundary, [['file', ['media.csv', csv]]]);
    const response = await post(
      supervisorBrowser,
      '/console/en/statistics/media/import',
      '/console/en/statistics/media',
      `multipart/form-data; boundary=${boundary}`,
      (csrf) => multipart(boundary, [['_csrf', csrf]]).replace(`--${boundary}--\r\n`, '') + whole.slice(0, whole.length - 40),
    );
    assert.equal(response.statusCode, 400, response.body.slice(0, 300));
    assert.match(response.body, /This form could not be read/);
    assert.deepEqual(await rows(), before);
  });

  test('a 7-digit code on the enrolment page answers 400 with the page again, not "your report may not have been sent"', async () => {
    const { enrolmentToken } = await t.services.staff.invite(commandLine, {
      email: 'seven.digits@hotline.example.org',
      displayName: 'Seven',
      role: 'analyst',
    });
    const page = `/console/en/enrol/${enrolmentToken}`;
    const response = await post(
      new Browser(t),
      page,
      page,
      formHeaders['content-type'],
      (csrf) =>
        `password=river+lantern+copper+meadow&passwordAgain=river+lantern+copper+meadow&code=1234567&_csrf=${encodeURIComponent(csrf)}`,
    );
    assert.equal(response.statusCode, 400, response.body.slice(0, 300));
    assert.match(response.body, /That code is not right/);
    assert.doesNotMatch(response.body, /may not have been sent/);
  });
});
