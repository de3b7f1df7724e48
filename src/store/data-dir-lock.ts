import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HifazatError } from '../domain/errors.ts';

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
