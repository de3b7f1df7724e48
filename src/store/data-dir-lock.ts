import { chmodSync, closeSync, lstatSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { HifazatError } from '../domain/errors.ts';

/** Only the owner may read, write or enter: files 0600, directories 0700. */
const privateFileMode = 0o600;
const privateDirectoryMode = 0o700;

/**
 * Files and directories this process creates from now on are private (umask 077): Node's
 * `open` and `mkdir`, and so PGlite's, apply it. It is process-wide, so exports and anything
 * else the process writes are private too. Worker threads cannot change it (nor need to).
 */
export function usePrivateUmask(): void {
  if (isMainThread) process.umask(0o077);
}

/**
 * Forces DATA_DIR and everything in it to 0700 (directories) and 0600 (files), whatever
 * created them: an operator who made the directory 0755, a restored backup, or PGlite, which
 * writes some files (its initdb files, the relation-cache init files it writes at start) with
 * explicit modes that the umask does not cover. Symbolic links are not followed. An entry this
 * process may not change (another user's, such as a volume's lost+found) is left alone if it is
 * already private, and otherwise stops the start: the database must not stay readable.
 */
export function restrictDataDir(dataDir: string): void {
  const pending = [dataDir];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    restrict(dir, privateDirectoryMode);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) restrict(path, privateFileMode);
    }
  }
}

function restrict(path: string, mode: number): void {
  let current: number;
  try {
    current = lstatSync(path).mode & 0o7777;
  } catch (error) {
    // Removed meanwhile (PGlite renames and deletes its temporary files): nothing to protect.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (current === mode) return;
  try {
    chmodSync(path, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || ((code === 'EPERM' || code === 'EROFS') && (current & 0o077) === 0)) return;
    throw new HifazatError(
      'config_invalid',
      `${path} is readable by other users and this process cannot make it private (${code}). Make the data directory and everything in it belong to the user that runs Hifazat.`,
    );
  }
}

/**
 * PGlite does not lock its data directory, and two processes writing one corrupt it. The lock
 * is a file created exclusively and holding the owner's PID; a lock left by a process that no
 * longer exists (killed, crashed) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'hifazat.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new HifazatError(
          'data_dir_locked',
          `The data directory ${dataDir} is in use by another Hifazat process (PID ${owner}). Stop it, or set DATA_DIR to another directory.`,
        );
      }
      unlinkSync(path);
    }
  }
  throw new HifazatError('data_dir_locked', `Could not lock the data directory ${dataDir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
