import { once } from 'node:events';
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { commandLine } from '../domain/actor.ts';
import { backupContexts } from '../domain/encryption-contexts.ts';
import { HifazatError } from '../domain/errors.ts';
import {
  dumpPostgres,
  embeddedDirectoryIsEmpty,
  knownSchemaVersions,
  loadEmbedded,
  postgresRelationCount,
  restorePostgres,
  schemaVersion,
  snapshotEmbedded,
} from '../store/backup.ts';
import { lockDataDir, usePrivateUmask } from '../store/data-dir-lock.ts';
import type { Database } from '../store/database.ts';
import type { AuditLog } from './audit.ts';
import type { Keyring } from './keys.ts';

/**
 * `hifazat backup` and `hifazat restore`. A backup file is a line naming the format, a line of
 * JSON (the engine, the schema version, when, and a key check), then the engine's own copy: the
 * embedded database's data directory as a gzipped tarball, or pg_dump's custom format. The data
 * key is not in it: the key check, a value sealed with the key of the day, tells at restore time
 * whether the key file present is the one the data needs, before anything is written.
 */

const magic = 'HIFAZAT BACKUP 1';
const keyCheckText = 'hifazat backup key check';
/** The header's two lines are far shorter: a file whose first bytes hold no such lines is not a backup. */
const maxHeaderBytes = 64 * 1024;

export type BackupEngine = Database['engine'];

export interface BackupHeader {
  engine: BackupEngine;
  /** The newest migration applied (store/migrations). */
  schema: string;
  createdAt: string;
  /** base64 of a known text sealed with the data key. */
  keyCheck: string;
}

async function headerFor(database: Database, keyring: Keyring): Promise<{ header: BackupHeader; bytes: Buffer }> {
  const header: BackupHeader = {
    engine: database.engine,
    schema: await schemaVersion(database),
    createdAt: new Date().toISOString(),
    keyCheck: keyring.encrypt(keyCheckText, backupContexts.keyCheck).toString('base64'),
  };
  return { header, bytes: Buffer.from(`${magic}\n${JSON.stringify(header)}\n`) };
}

/** The backup of the embedded database, whole, in memory: what the running server sends the command line. */
export async function embeddedBackup(database: Database, keyring: Keyring): Promise<{ header: BackupHeader; bytes: Uint8Array }> {
  const { header, bytes } = await headerFor(database, keyring);
  return { header, bytes: Buffer.concat([bytes, await snapshotEmbedded(database)]) };
}

/**
 * Writes a backup to `file` (0600) through a temporary file beside it, renamed when complete: a
 * failed or interrupted backup never leaves a file that looks whole.
 */
export async function writeBackupFile(file: string, write: (output: Writable) => Promise<void>): Promise<void> {
  const temporary = `${file}.partial-${process.pid}`;
  const output = createWriteStream(temporary, { flags: 'wx', mode: 0o600 });
  try {
    await once(output, 'open');
    await write(output);
    output.end();
    await once(output, 'finish');
    await rename(temporary, file);
  } catch (error) {
    output.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A backup of the PostgreSQL database, written to `output` (pg_dump takes one consistent snapshot). */
export async function postgresBackup(database: Database, keyring: Keyring, url: string, output: Writable): Promise<BackupHeader> {
  const { header, bytes } = await headerFor(database, keyring);
  output.write(bytes);
  await dumpPostgres(url, output);
  return header;
}

/** Records a backup taken, as the command line: who copied the whole database is worth an entry. */
export async function recordBackup(audit: Pick<AuditLog, 'transaction'>, header: Pick<BackupHeader, 'engine' | 'schema'>): Promise<void> {
  await audit.transaction(commandLine, async (_tx, record) => {
    record({ action: 'backup.create', objectType: 'database', details: { engine: header.engine, schema: header.schema } });
  });
}

/** Reads and checks a backup file's header; the engine's copy starts at `payloadOffset`. */
export async function readBackupHeader(file: string): Promise<{ header: BackupHeader; payloadOffset: number }> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new HifazatError('not_found', `${file} cannot be read (${error.code}).`);
  });
  const start = Buffer.alloc(maxHeaderBytes);
  let length: number;
  try {
    length = (await handle.read(start, 0, maxHeaderBytes, 0)).bytesRead;
  } finally {
    await handle.close();
  }
  const first = start.indexOf(0x0a);
  const second = first < 0 ? -1 : start.indexOf(0x0a, first + 1);
  const notABackup = new HifazatError('validation_failed', `${file} is not a Hifazat backup (made by "hifazat backup").`);
  if (first < 0 || second < 0 || second >= length || start.toString('utf8', 0, first) !== magic) throw notABackup;
  let header: BackupHeader;
  try {
    header = JSON.parse(start.toString('utf8', first + 1, second)) as BackupHeader;
  } catch {
    throw notABackup;
  }
  if (
    (header.engine !== 'pglite' && header.engine !== 'postgres') ||
    typeof header.schema !== 'string' ||
    typeof header.keyCheck !== 'string'
  ) {
    throw notABackup;
  }
  return { header, payloadOffset: second + 1 };
}

/** Whether the key file present opens what the backup holds: the backup is unreadable without its own key. */
export function checkBackupKey(header: BackupHeader, keyring: Keyring, keyFile: string): void {
  let opened: string | undefined;
  try {
    opened = keyring.decrypt(Buffer.from(header.keyCheck, 'base64'), backupContexts.keyCheck);
  } catch {
    opened = undefined;
  }
  if (opened !== keyCheckText) {
    throw new HifazatError(
      'invalid_state',
      `The data key file ${keyFile} does not decrypt this backup: it is not the key the data was encrypted with. Put the key file that was kept with this backup at HIFAZAT_KEY_FILE (or DATA_DIR/data.key) and run the restore again. Nothing was restored.`,
    );
  }
}

async function checkSchema(header: BackupHeader): Promise<void> {
  const known = await knownSchemaVersions();
  if (!known.includes(header.schema)) {
    throw new HifazatError(
      'invalid_state',
      `This backup's schema (${header.schema || 'none'}) is newer than this Hifazat knows (up to ${known.sort().at(-1)}): restore it with the same or a newer version of Hifazat. Nothing was restored.`,
    );
  }
}

export type RestoreTarget = { engine: 'pglite'; dataDir: string } | { engine: 'postgres'; url: string };

/**
 * Restores a backup into an empty target after checking it is a backup of that engine, of a
 * schema this Hifazat knows, and that `keyring` opens it. The embedded target is DATA_DIR's
 * database directory, which must be empty (a restore never overwrites one); a PostgreSQL target
 * must hold no tables unless `force`, which drops what the backup holds before restoring it.
 * The caller then opens the storage as usual, which migrates the restored schema forward.
 */
export async function restoreBackup(
  file: string,
  target: RestoreTarget,
  keyring: Keyring,
  options: { keyFile: string; force: boolean },
): Promise<BackupHeader> {
  const { header, payloadOffset } = await readBackupHeader(file);
  if (header.engine !== target.engine) {
    const wanted = header.engine === 'pglite' ? 'the embedded database (DATA_DIR, without DATABASE_URL)' : 'PostgreSQL (DATABASE_URL)';
    throw new HifazatError('invalid_state', `This is a backup of ${wanted}: restore it with that configuration. Nothing was restored.`);
  }
  await checkSchema(header);
  checkBackupKey(header, keyring, options.keyFile);
  if (target.engine === 'pglite') {
    const directory = `${target.dataDir}/pglite`;
    usePrivateUmask();
    await mkdir(target.dataDir, { recursive: true, mode: 0o700 });
    const lock = await lockDataDir(target.dataDir);
    try {
      if (!(await embeddedDirectoryIsEmpty(directory))) {
        throw new HifazatError(
          'invalid_state',
          `${directory} already holds a database: a restore does not overwrite one. Restore into a new DATA_DIR (with the key file), or move that directory away first. Nothing was restored.`,
        );
      }
      try {
        // PGlite unpacks a damaged tarball with an error it does not catch (the process would
        // crash): the whole gzip stream is read through first, which also finds a truncated file.
        await pipeline(
          createReadStream(file, { start: payloadOffset }),
          createGunzip(),
          new Writable({ write: (_chunk, _encoding, done) => done() }),
        );
        await loadEmbedded(directory, (await openAsBlob(file)).slice(payloadOffset));
      } catch (error) {
        // It was empty: a copy that could not be unpacked (a truncated file) leaves it so, to try again.
        await rm(directory, { recursive: true, force: true });
        throw new HifazatError('validation_failed', `${file} could not be restored: it is damaged or incomplete. Nothing was restored.`, {
          cause: error,
        });
      }
    } finally {
      await lock.release();
    }
  } else {
    const relations = await postgresRelationCount(target.url);
    if (relations > 0 && !options.force) {
      throw new HifazatError(
        'invalid_state',
        `The database of DATABASE_URL is not empty (${relations} tables, sequences or views): restore into a new, empty database, or give --force to drop what the backup holds and restore over it. Nothing was restored.`,
      );
    }
    await restorePostgres(target.url, createReadStream(file, { start: payloadOffset }), { clean: relations > 0 });
  }
  return header;
}

/** Records the restore in the restored log, as the command line, once it is open. */
export async function recordRestore(audit: Pick<AuditLog, 'transaction'>, header: BackupHeader): Promise<void> {
  await audit.transaction(commandLine, async (_tx, record) => {
    record({
      action: 'backup.restore',
      objectType: 'database',
      details: { engine: header.engine, schema: header.schema, backupCreatedAt: header.createdAt },
    });
  });
}
