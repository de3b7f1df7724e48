import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { HifazatError } from '../domain/errors.ts';
import { openStorage, runInServer } from '../main.ts';
import { embeddedBackup, postgresBackup, recordBackup, recordRestore, restoreBackup, writeBackupFile } from '../services/backup.ts';
import { auditProblemDescriptions } from '../services/audit.ts';
import { createServices } from '../services/index.ts';
import { Keyring, loadOrCreateDataKey } from '../services/keys.ts';

/** Said after every backup: the key is what makes a backup readable, and what makes a stolen one useless. */
const keyWarning = (keyFile: string) =>
  `The data key file (${keyFile}) is NOT in the backup. Back it up separately and keep it apart from the backups: ` +
  `a backup without its key is unreadable, and a key kept beside its backups protects nothing.\n`;

/**
 * `hifazat backup FILE`: a consistent copy of the whole database. On the embedded database a
 * running server takes it (no other process may open its data directory) and sends it over the
 * control channel; without one the command opens the data itself. With DATABASE_URL, pg_dump.
 */
export async function backupCommand(config: Config, args: string[]): Promise<number> {
  if (args.length !== 1) {
    process.stderr.write('Usage: hifazat backup FILE\n');
    return 2;
  }
  const file = resolve(args[0]!);
  let takenBy = 'this command';
  if (config.databaseUrl) {
    const url = config.databaseUrl;
    const storage = await openStorage(config);
    try {
      let header;
      await writeBackupFile(file, async (output) => {
        header = await postgresBackup(storage.database, storage.keyring, url, output);
      });
      await recordBackup(createServices(storage.database, storage.keyring).audit, header!);
    } finally {
      await storage.close();
    }
  } else {
    const fromServer = await runInServer(config, 'backup');
    // Opening an empty DATA_DIR would make a new database (and key) only to back it up.
    if (!fromServer && !existsSync(join(config.dataDir, 'pglite'))) {
      throw new HifazatError('not_found', `There is no database in ${config.dataDir}: nothing to back up. Is DATA_DIR right?`);
    }
    let bytes: Uint8Array;
    if (fromServer) {
      bytes = fromServer.body;
      takenBy = `the running server (PID ${fromServer.pid})`;
    } else {
      const storage = await openStorage(config);
      try {
        const backup = await embeddedBackup(storage.database, storage.keyring);
        await recordBackup(createServices(storage.database, storage.keyring).audit, backup.header);
        bytes = backup.bytes;
      } finally {
        await storage.close();
      }
    }
    await writeBackupFile(file, async (output) => void output.write(bytes));
  }
  const megabytes = (statSync(file).size / 1e6).toFixed(1);
  process.stdout.write(`Backup written to ${file} (${megabytes} MB, taken by ${takenBy}).\n${keyWarning(config.keyFile)}`);
  return 0;
}

/**
 * `hifazat restore FILE [--force]`: into an empty DATA_DIR (embedded) or an empty database at
 * DATABASE_URL (--force: one that is not), with the key file the backup needs already in place.
 * Then the storage opens as at any start (migrating the restored schema forward), the audit
 * chain is verified and the restore is recorded in it.
 */
export async function restoreCommand(config: Config, args: string[], options: { force: boolean }): Promise<number> {
  if (args.length !== 1) {
    process.stderr.write('Usage: hifazat restore FILE [--force]\n');
    return 2;
  }
  const file = resolve(args[0]!);
  let keyring: Keyring;
  try {
    keyring = new Keyring(loadOrCreateDataKey(config.keyFile, { create: false }));
  } catch (error) {
    if (!(error instanceof HifazatError)) throw error;
    throw new HifazatError(
      'config_invalid',
      `A restore needs the data key file kept with the backup, at ${config.keyFile} (HIFAZAT_KEY_FILE, or DATA_DIR/data.key): ${error.message} Nothing was restored.`,
    );
  }
  const header = await restoreBackup(
    file,
    config.databaseUrl ? { engine: 'postgres', url: config.databaseUrl } : { engine: 'pglite', dataDir: config.dataDir },
    keyring,
    { keyFile: config.keyFile, force: options.force },
  );
  const storage = await openStorage(config);
  try {
    const { audit } = createServices(storage.database, storage.keyring);
    const verification = await audit.verify();
    await recordRestore(audit, header);
    const into = config.databaseUrl ? 'the database of DATABASE_URL' : config.dataDir;
    process.stdout.write(`Restored ${file} (taken ${header.createdAt}, schema ${header.schema}) into ${into}.\n`);
    if (verification.ok) {
      process.stdout.write(`Audit log intact: ${verification.entries} entries checked; the restore is recorded in it.\n`);
      return 0;
    }
    process.stdout.write(
      `Audit log NOT intact: ${verification.problemCount} problem(s) in ${verification.entries} entries.\n` +
        verification.problems.map((p) => `  seq ${p.seq}: ${p.problem}: ${auditProblemDescriptions[p.problem]}\n`).join(''),
    );
    return 1;
  } finally {
    await storage.close();
  }
}
