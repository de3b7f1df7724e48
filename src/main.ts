import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import { sealTypedDistricts } from './services/districts.ts';
import { DistrictStore } from './store/districts.ts';
import { createServices, defaultBudgets, type Services } from './services/index.ts';
import { HifazatError } from './domain/errors.ts';
import { commandLine } from './domain/actor.ts';
import { KeyRotation, type RotationProgress } from './services/key-rotation.ts';
import { Keyring } from './services/keys.ts';
import { AuditLog, parseAuditHead } from './services/audit.ts';
import { administerStaff, staffAdminRequestOf } from './services/staff-admin.ts';
import { AuditLogStore } from './store/audit-log.ts';
import { KeyRotationStore } from './store/key-rotation.ts';
import { lockDataDir, restrictDataDir, runInHolder, usePrivateUmask } from './store/data-dir-lock.ts';
import type { ControlHandler } from './store/control-channel.ts';
import { embeddedBackup, recordBackup } from './services/backup.ts';
import { applyMigrations, openDatabase, type Database } from './store/database.ts';

const maintenanceIntervalMs = 10 * 60 * 1000;
const indexRefreshIntervalMs = 10 * 1000;
const auditHeadIntervalMs = 60 * 60 * 1000;

export interface Opened {
  database: Database;
  keyring: Keyring;
  /** DATABASE_APP_ROLE, when this process (the owner) granted it its privileges. */
  grantedTo: string | undefined;
  /** The running server's commands (serverCommands) for the control channel of DATA_DIR's lock; nothing with DATABASE_URL. */
  serve(handler: ControlHandler): void;
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
  const lock = config.databaseUrl ? undefined : await lockDataDir(config.dataDir);
  try {
    // Follows the key file while the process runs: a key rotation reaches it within seconds.
    const keyring = Keyring.fromFile(config.keyFile, { create: true });
    const database = config.databaseUrl
      ? await openDatabase({ engine: 'postgres', url: config.databaseUrl, poolSize: config.databasePoolSize })
      : await openDatabase({ engine: 'pglite', dataDir: `${config.dataDir}/pglite` });
    const { grantedTo } = await applyMigrations(database, { appRole: config.databaseAppRole });
    // What SQL could not do in a migration: encrypt districts typed before 0010 (cheap once done).
    await sealTypedDistricts(new DistrictStore(database), keyring);
    restrictDataDir(config.dataDir);
    return {
      database,
      keyring,
      grantedTo,
      serve: (handler) => lock?.serve(handler),
      async close() {
        try {
          await database.close();
          restrictDataDir(config.dataDir);
        } finally {
          await lock?.release();
        }
      },
    };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

/**
 * Commands the running server runs for the command line, through the control channel of its
 * data directory's lock (store/control-channel.ts): on the embedded database no other process
 * may open the data while the server runs. Each gets the server's storage and services and
 * answers with bytes; a new one is a line here and a call of runInServer in cli/.
 */
export const serverCommands: Record<
  string,
  (server: { storage: Opened; services: Services }, args: Record<string, string>) => Promise<Uint8Array>
> = {
  async backup({ storage, services }) {
    const backup = await embeddedBackup(storage.database, storage.keyring);
    await recordBackup(services.audit, backup.header);
    return backup.bytes;
  },
  /** `hifazat key rotate` on the embedded database: the rotation runs here, its progress and result come back as JSON. */
  async 'key-rotate'({ storage }) {
    const progress: RotationProgress[] = [];
    const result = await keyRotation(storage, storage.keyring.file!).rotate(commandLine, (p) => progress.push(p));
    return Buffer.from(JSON.stringify({ progress, result }));
  },
  async 'key-status'({ storage }) {
    return Buffer.from(JSON.stringify(await keyRotation(storage, storage.keyring.file!).status()));
  },
  /** `hifazat admin …` while the embedded server runs: the request and its result as JSON. */
  async admin({ services }, args) {
    return Buffer.from(
      JSON.stringify(
        await administerStaff({ staff: services.staff, administration: services.staffAdministration }, staffAdminRequestOf(args)),
      ),
    );
  },
  /** `hifazat audit head` and `audit verify` while the embedded server runs: an operator's cron sends the head elsewhere. */
  async 'audit-head'({ services }) {
    return Buffer.from(JSON.stringify(await services.audit.head()));
  },
  async 'audit-verify'({ services }, args) {
    const expectHead = args.head === undefined ? null : parseAuditHead(args.head);
    return Buffer.from(JSON.stringify(await services.audit.verify(expectHead ? { expectHead } : {})));
  },
};

/**
 * Runs one of serverCommands in the server that holds DATA_DIR, if one does (undefined when no
 * process holds it: the command line may open the storage itself). Only the embedded database
 * is locked; with DATABASE_URL every process opens the database itself.
 */
export async function runInServer(
  config: Config,
  command: keyof typeof serverCommands,
  args: Record<string, string> = {},
): Promise<{ pid: number; body: Uint8Array } | undefined> {
  if (config.databaseUrl) return undefined;
  return runInHolder(config.dataDir, command, args);
}

/**
 * The data key's rotation and status (`hifazat key rotate|status`) over open storage: the command
 * line's own, or a running server's when the command asks it through its control channel.
 */
export function keyRotation(storage: Pick<Opened, 'database' | 'keyring'>, keyFile: string): KeyRotation {
  return new KeyRotation(
    new KeyRotationStore(storage.database),
    new AuditLog(new AuditLogStore(storage.database), storage.keyring),
    storage.keyring,
    keyFile,
  );
}

export async function start(config: Config): Promise<{ app: FastifyInstance; url: string; stop(): Promise<void> }> {
  const storage = await openStorage(config);
  const services = createServices(storage.database, storage.keyring, { ...defaultBudgets, ...config.clientLimits }, undefined, {
    publicUrl: config.publicUrl,
    ...config.notifications,
  });
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
  // Notifications: events found and deliveries sent every few seconds, in every process (the database keeps them apart).
  services.notifications.start((error: unknown) => app.log.error({ err: error }, 'notifications failed'));
  // From now on the command line's requests (hifazat backup) run here, with this server's storage.
  storage.serve(async (command, args) => {
    const run = Object.hasOwn(serverCommands, command) ? serverCommands[command] : undefined;
    if (!run) throw new HifazatError('not_found', `The running server has no command "${command}": it may be an older Hifazat.`);
    try {
      return await run({ storage, services }, args);
    } catch (error) {
      if (!(error instanceof HifazatError)) app.log.error({ err: error }, 'a command from the command line failed');
      throw error;
    }
  });
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
        await services.notifications.stop();
        await app.close();
        await storage.close();
      })()),
  };
}
