import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { HifazatError } from '../../src/domain/errors.ts';
import { loggableError } from '../../src/http/logging.ts';
import type { Database } from '../../src/store/database.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { formEncode, formHeaders } from '../helpers/forms.ts';

/**
 * A value a person could send: wherever it goes in a request (a header, a cookie, the query, a
 * body of any kind, a value PostgreSQL refuses and quotes back), it must never reach a log line,
 * at any level.
 */
const canary = 'Qz7CanaryXv41';
const clientAddress = '203.0.113.50';
const forwardedAddress = '198.51.100.77';
const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** Queries that make PostgreSQL itself fail with the value in its message or its detail. */
const databaseFailures: Record<string, (database: Database, value: string) => Promise<unknown>> = {
  // Drizzle: "Failed query: … params: <value>", caused by `invalid input syntax for type uuid: "<value>"`.
  uuid: (database, value) => database.db.execute(sql`SELECT ${value}::uuid`),
  // A named statement: `value "<value>" is out of range for type integer` on its own.
  integer: (database, value) => database.run({ name: 'logging_test_integer', text: 'SELECT $1::int AS n' }, [`9999999999${value}`]),
  // The detail: `Key (x)=(<value>) already exists.`, with a table and a constraint name.
  unique: (database, value) =>
    database.rawTransaction(async (raw) => {
      await raw.exec('CREATE TEMPORARY TABLE logging_probe (x text PRIMARY KEY) ON COMMIT DROP');
      await raw.query('INSERT INTO logging_probe VALUES ($1), ($1)', [value]);
    }),
};

/** A route of this test only: runs one of the failing queries with what the client sent. */
function probeRoutes(app: FastifyInstance, database: Database) {
  app.get<{ Params: { kind: string }; Querystring: { v?: string } }>('/api/probe/:kind', async (request) => {
    await databaseFailures[request.params.kind]!(database, String(request.query.v));
    return { ok: true };
  });
  app.post<{ Params: { kind: string }; Body: { v?: string } }>('/api/probe/:kind', async (request) => {
    await databaseFailures[request.params.kind]!(database, String(request.body.v));
    return { ok: true };
  });
}

async function realDatabaseError(database: Database, kind: string): Promise<Error> {
  try {
    await databaseFailures[kind]!(database, canary);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`the ${kind} query did not fail`);
}

function multipart(fields: Record<string, string>, file: { name: string; filename: string; content: string }) {
  const boundary = '----logging-test-boundary';
  let body = '';
  for (const [name, value] of Object.entries(fields))
    body += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  body += `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n--${boundary}--\r\n`;
  return { contentType: `multipart/form-data; boundary=${boundary}`, payload: Buffer.from(body) };
}

/** Sends bytes over a real socket (not inject), so that Node's HTTP parser sees them; returns what came back. */
async function rawRequest(app: FastifyInstance, bytes: string): Promise<string> {
  const { port } = app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** Every request a person could send with the canary in it, each kind once. */
async function sendCanaries(t: TestApp, browser: Browser) {
  const session = Object.entries(browser.cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
  const headers = {
    cookie: `${session}; tracker=${canary}`,
    'user-agent': `Mozilla/5.0 (${canary})`,
    'x-forwarded-for': `${forwardedAddress}, ${canary}`,
    'x-canary': canary,
    referer: `https://elsewhere.example/${canary}`,
    'accept-language': `ur-${canary}`,
  };
  const send = (options: { method: 'GET' | 'POST'; url: string; payload?: string | Buffer | object; headers?: Record<string, string> }) =>
    t.app.inject({ ...options, remoteAddress: clientAddress, headers: { ...headers, ...options.headers } });
  const statuses: Record<string, number> = {};
  const record = async (what: string, response: Promise<{ statusCode: number }>) => {
    statuses[what] = (await response).statusCode;
  };

  // Headers and the query string, on public pages, the API and signed-in console pages.
  await record('public page with query', send({ method: 'GET', url: `/en/?q=${canary}&${canary}=1` }));
  await record('unknown path', send({ method: 'GET', url: `/${canary}/x?y=${canary}` }));
  await record('console page with query', send({ method: 'GET', url: `/console/en/cases?search=${canary}&page=${canary}` }));
  await record('console case by id', send({ method: 'GET', url: `/console/en/cases/${canary}` }));
  await record('api with query', send({ method: 'GET', url: `/api/v1/openapi.json?${canary}` }));
  // Urlencoded bodies: a report, a follow-up, a sign-in.
  await record(
    'report form',
    send({
      method: 'POST',
      url: '/en/report',
      headers: formHeaders,
      payload: formEncode({ language: 'en', kind: 'abuse', description: `seen ${canary}`, district: canary, [canary]: canary }),
    }),
  );
  await record(
    'follow-up form',
    send({ method: 'POST', url: '/en/follow-up', headers: formHeaders, payload: formEncode({ receipt: canary }) }),
  );
  await record(
    'sign-in form',
    send({
      method: 'POST',
      url: '/console/en/sign-in',
      headers: formHeaders,
      payload: formEncode({ email: `${canary}@example.org`, password: canary, code: canary, _csrf: canary }),
    }),
  );
  await record(
    'form with repeated and odd fields',
    send({
      method: 'POST',
      url: '/en/report',
      headers: formHeaders,
      payload: `description=${canary}&description=${canary}&%ff${canary}=%00`,
    }),
  );
  // JSON bodies: valid, invalid, of the wrong shape, and a content type nobody accepts.
  await record(
    'api report',
    send({
      method: 'POST',
      url: '/api/v1/reports',
      headers: { 'content-type': 'application/json', 'idempotency-key': canary },
      payload: JSON.stringify({
        kind: 'abuse',
        language: 'en',
        description: `report ${canary}`,
        urls: [`https://${canary}.example/`],
        occurredOn: canary,
      }),
    }),
  );
  await record(
    'api report, not JSON',
    send({
      method: 'POST',
      url: '/api/v1/reports',
      headers: { 'content-type': 'application/json' },
      payload: `{"description": "${canary}"`,
    }),
  );
  await record(
    'api report, wrong shape',
    send({
      method: 'POST',
      url: '/api/v1/reports',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify([canary, { [canary]: canary }]),
    }),
  );
  await record(
    'api report, unknown type',
    send({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': `text/${canary}` }, payload: canary }),
  );
  await record(
    'match api with a wrong key',
    send({
      method: 'POST',
      url: '/api/v1/match',
      headers: { authorization: `Bearer hz_${canary}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ signals: [canary] }),
    }),
  );
  // Multipart: the console's CSV upload, signed in with a real CSRF token, and a truncated one.
  const token = await browser.csrfToken('/console/en/statistics/media');
  const upload = multipart(
    { _csrf: token ?? '', note: canary },
    { name: 'file', filename: `${canary}.csv`, content: `date,newspaper\n2022-03-01,${canary}\n` },
  );
  await record(
    'multipart upload',
    send({
      method: 'POST',
      url: '/console/en/statistics/media/import',
      headers: { 'content-type': upload.contentType },
      payload: upload.payload,
    }),
  );
  await record(
    'truncated multipart upload',
    send({
      method: 'POST',
      url: '/console/en/statistics/media/import',
      headers: { 'content-type': upload.contentType },
      payload: upload.payload.subarray(0, upload.payload.length - 30),
    }),
  );
  // Values PostgreSQL itself refuses, and quotes back in its message or detail.
  for (const kind of Object.keys(databaseFailures)) {
    await record(`database error (${kind}, query)`, send({ method: 'GET', url: `/api/probe/${kind}?v=${canary}` }));
    await record(
      `database error (${kind}, JSON)`,
      send({
        method: 'POST',
        url: `/api/probe/${kind}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ v: canary }),
      }),
    );
  }
  // Bytes Node's HTTP parser refuses (its error carries the raw packet, headers included).
  await rawRequest(
    t.app,
    `GET /?${canary} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ${canary}\r\nCookie: ${session}\r\nX-Bad${canary} : \u0001${canary}\r\n\r\n`,
  );
  return statuses;
}

forEachEngine('logging', (engine) => {
  for (const level of levels) {
    test(`at LOG_LEVEL=${level}, no log line carries a header, cookie, query, body or a value PostgreSQL quoted`, async () => {
      const t = await testApp(engine, { http: { logLevel: level }, routes: probeRoutes });
      try {
        const staff = await enrolStaff(t, 'supervisor');
        const browser = new Browser(t, clientAddress);
        assert.equal((await browser.signIn(staff)).statusCode, 303, 'signed in');
        await t.app.listen({ port: 0, host: '127.0.0.1' });

        const statuses = await sendCanaries(t, browser);
        assert.equal(statuses['multipart upload'], 400, 'the upload was parsed and its CSV read');
        for (const kind of Object.keys(databaseFailures)) assert.equal(statuses[`database error (${kind}, query)`], 500);

        // The error path called directly, with real errors from this database.
        for (const kind of Object.keys(databaseFailures)) {
          const error = await realDatabaseError(t.database, kind);
          assert.ok(
            JSON.stringify({
              message: error.message,
              cause: (error.cause as Error | undefined)?.message,
              detail: (error as { detail?: string }).detail ?? (error.cause as { detail?: string } | undefined)?.detail,
            }).includes(canary),
            `the ${kind} error carries the value (the test is real)`,
          );
          const loggable = JSON.stringify(loggableError(error));
          assert.ok(!loggable.includes(canary), `loggableError keeps the value of the ${kind} error: ${loggable}`);
          t.app.log[level]({ err: error }, 'direct: object');
          t.app.log[level](error);
          t.app.log[level]({ err: new HifazatError('internal', 'Internal error.', { cause: error }) });
          t.app.log[level]({ err: error, body: { description: canary }, headers: { 'user-agent': canary } }, error.message);
        }

        const logs = t.logs.join('');
        const lines = t.logs.flatMap((chunk) => chunk.split('\n')).filter((line) => line !== '');
        assert.ok(lines.length >= 12, `log lines were written at ${level} (${lines.length})`);
        for (const line of lines) JSON.parse(line);
        for (const value of [
          canary,
          canary.toLowerCase(),
          clientAddress,
          forwardedAddress,
          'Mozilla',
          'hz_session=',
          staff.email,
          'tracker',
        ]) {
          assert.ok(
            !logs.toLowerCase().includes(value.toLowerCase()),
            `a log line at ${level} contains ${value}:\n${lines.filter((l) => l.toLowerCase().includes(value.toLowerCase())).join('\n')}`,
          );
        }
        for (const value of Object.values(browser.cookies))
          assert.ok(!logs.includes(value), `a log line at ${level} contains a cookie's value`);

        // What is kept is still useful: the SQLSTATE, the constraint's and table's names, the route.
        assert.match(logs, /"code":"22P02"/);
        assert.match(logs, /"code":"22003"/);
        assert.match(logs, /"code":"23505"/);
        assert.match(logs, /"constraint":"logging_probe_pkey"/);
        if (['trace', 'debug', 'info', 'warn', 'error'].includes(level)) {
          assert.match(logs, /"msg":"request failed"/, 'the failed requests were logged');
        }
        if (level === 'trace') {
          assert.match(logs, /Providing options to busboy/, "the multipart plugin's trace line was written");
          assert.match(logs, /"route":"\/api\/probe\/:kind"/);
        }
      } finally {
        await t.close();
      }
    });
  }
});
