import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp, type HttpOptions } from '../../src/http/app.ts';
import { createServices, type Budgets, type Services } from '../../src/services/index.ts';
import { Keyring } from '../../src/services/keys.ts';
import type { Database } from '../../src/store/database.ts';
import { testDatabase, type Engine } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  database: Database;
  keyring: Keyring;
  /** Every log line the app wrote. */
  logs: string[];
  close(): Promise<void>;
}

/** An app on its own fresh database, with logs captured and tiny proof-of-work difficulty. */
export async function testApp(
  engine: Engine,
  overrides: { budgets?: Partial<Budgets>; http?: Partial<HttpOptions>; clock?: () => Date } = {},
): Promise<TestApp> {
  const database = await testDatabase(engine);
  const keyring = new Keyring(randomBytes(32));
  const services = createServices(database, keyring, {
    followUpFailuresPerTenMinutes: 1000,
    // Under 2,000, so the budget is claimed one report at a time and tests can count it exactly.
    unverifiedReportsPerHour: 1_000,
    proofOfWork: { min: 10, max: 50 },
    ...overrides.budgets,
  }, overrides.clock);
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
    clientRateLimit: { reportsPerHour: 10_000, followUpsPerTenMinutes: 10_000 },
    matchRequestsPerMinute: 10_000,
    ...overrides.http,
  });
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
