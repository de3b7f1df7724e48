import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp, type HttpOptions } from '../../src/http/app.ts';
import { createServices, type Budgets, type Services } from '../../src/services/index.ts';
import { Keyring } from '../../src/services/keys.ts';
import type { Database } from '../../src/store/database.ts';
import { testDatabase, type Engine, type TestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  /** On PostgreSQL, connected as the application's least-privileged role (asOwner for the rest). */
  database: TestDatabase;
  keyring: Keyring;
  /** Every log line the app wrote. */
  logs: string[];
  close(): Promise<void>;
}

/** An app on its own fresh database, with logs captured and tiny proof-of-work difficulty. */
export async function testApp(
  engine: Engine,
  overrides: {
    budgets?: Partial<Budgets>;
    http?: Partial<HttpOptions>;
    clock?: () => Date;
    /** Routes only this test has (registered before the app is ready), e.g. one that makes the database fail. */
    routes?: (app: FastifyInstance, database: Database) => void;
  } = {},
): Promise<TestApp> {
  const database = await testDatabase(engine);
  const keyring = new Keyring(randomBytes(32));
  const services = createServices(
    database,
    keyring,
    {
      // Every request of a test comes from one address (127.0.0.1) unless it says otherwise.
      reportsPerHour: 10_000,
      unverifiedReportsPerHour: 10_000,
      followUpsPerTenMinutes: 10_000,
      proofOfWork: { min: 10, max: 50 },
      ...overrides.budgets,
    },
    overrides.clock,
  );
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = await buildApp(services, {
    logLevel: 'info',
    logStream,
    trustProxy: false,
    https: false,
    // Where links point; a test that sends an Origin header sends this one (see serveTestApp).
    publicUrl: 'http://hifazat.test',
    matchRequestsPerMinute: 10_000,
    ...overrides.http,
  });
  overrides.routes?.(app, database);
  await app.ready();
  return {
    app,
    services,
    database,
    keyring,
    logs,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

/** The client of a report or follow-up a test makes through the services directly. */
export const testClient = { address: '127.0.0.1' };

/** Files one online-material report through the API, as the public would; its report's and case's ids. */
export async function submitOnlineReport(t: TestApp): Promise<{ reportId: string; caseId: string }> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/reports',
    payload: { kind: 'online_material', language: 'en', urls: ['https://example.com/x'] },
  });
  if (created.statusCode !== 201) throw new Error(`the report was not stored: ${created.statusCode} ${created.body}`);
  const [row] = await t.database.rawTransaction((raw) =>
    raw.query<{ id: string; case_id: string }>('SELECT id, case_id FROM reports WHERE created_at = (SELECT max(created_at) FROM reports)'),
  );
  return { reportId: row!.id, caseId: row!.case_id };
}
