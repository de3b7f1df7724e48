import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import { sealTypedDistricts } from './services/districts.ts';
import { DistrictStore } from './store/districts.ts';
import { createServices, defaultBudgets } from './services/index.ts';
import { Keyring, loadOrCreateDataKey } from './services/keys.ts';
import { lockDataDir, restrictDataDir, usePrivateUmask } from './store/data-dir-lock.ts';
import { migrate, openDatabase, type Database } from './store/database.ts';

const maintenanceIntervalMs = 10 * 60 * 1000;
const indexRefreshIntervalMs = 10 * 1000;
const auditHeadIntervalMs = 60 * 60 * 1000;

export interface Opened {
  database: Database;
  keyring: Keyring;
  close(): Promise<void>;
}

/**
 * Opens the configured database (PGlite in DATA_DIR, locked against a second process, or the
 * PostgreSQL server at DATABASE_URL), brings its schema up to date and loads the data key.
 * DATA_DIR and everything in it is private (0700/0600) before the database opens, and again
 * once it is open (PGlite writes some files with modes of its own) and when it closes; the
 * process's umask (077) makes what it creates in between private too.
 */
export async function openStorage(config: Config): Promise<Opened> {
  usePrivateUmask();
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  restrictDataDir(config.dataDir);
  const unlock = config.databaseUrl ? () => {} : lockDataDir(config.dataDir);
  try {
    const keyring = new Keyring(loadOrCreateDataKey(config.keyFile, { create: true }));
    const database = config.databaseUrl
      ? await openDatabase({ engine: 'postgres', url: config.databaseUrl, poolSize: config.databasePoolSize })
      : await openDatabase({ engine: 'pglite', dataDir: `${config.dataDir}/pglite` });
    await migrate(database);
    // What SQL could not do in a migration: encrypt districts typed before 0010 (cheap once done).
    await sealTypedDistricts(new DistrictStore(database), keyring);
    restrictDataDir(config.dataDir);
    return {
      database,
      keyring,
      async close() {
        try {
          await database.close();
          restrictDataDir(config.dataDir);
        } finally {
          unlock();
        }
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

export async function start(config: Config): Promise<{ app: FastifyInstance; url: string; stop(): Promise<void> }> {
  const storage = await openStorage(config);
  const services = createServices(storage.database, storage.keyring, { ...defaultBudgets, ...config.clientLimits });
  const app = await buildApp(services, {
    logLevel: config.logLevel,
    trustProxy: config.trustProxy,
    https: config.https,
    publicUrl: config.publicUrl,
    matchRequestsPerMinute: config.matchRequestsPerMinute,
  });
  const timer = setInterval(() => {
    services.maintain().catch((error: unknown) => app.log.error({ err: error }, 'maintenance failed'));
  }, maintenanceIntervalMs);
  timer.unref();
  // Bank entries added or disabled by other instances reach this one's index within seconds.
  const indexTimer = setInterval(() => {
    services.matchIndex.refresh().catch((error: unknown) => app.log.error({ err: error }, 'match index refresh failed'));
  }, indexRefreshIntervalMs);
  indexTimer.unref();
  // The audit log's head, written where the log goes (outside the database): a later
  // `hifazat audit verify --head SEQ:HASH` shows whether the log was cut off or rewritten.
  const logAuditHead = async () => app.log.info({ auditHead: await services.audit.head() }, 'audit log head');
  const auditHeadTimer = setInterval(() => {
    logAuditHead().catch((error: unknown) => app.log.error({ err: error }, 'audit log head could not be read'));
  }, auditHeadIntervalMs);
  auditHeadTimer.unref();
  await services.maintain();
  await logAuditHead();
  await services.matchIndex.ensureLoaded();
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(timer);
        clearInterval(indexTimer);
        clearInterval(auditHeadTimer);
        await app.close();
        await storage.close();
      })()),
  };
}
