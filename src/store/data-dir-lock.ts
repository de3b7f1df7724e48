import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread } from 'node:worker_threads';
import { HifazatError } from '../domain/errors.ts';
import { answerControlRequest, greetingOf, type ControlHandler } from './control-channel.ts';

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
 * How the lock is held. `abstract` (Linux): a listening socket in the abstract namespace, named
 * after the data directory's device and inode; binding it is atomic, and the kernel releases it
 * the moment its process dies, however it dies. `file` (elsewhere, such as macOS): a socket file
 * in the data directory; one left by a dead process refuses connections and is taken over (two
 * processes taking over the same stale file at the same instant could both win: a development
 * machine's risk, not a server's).
 */
export type LockKind = 'abstract' | 'file';

const defaultKind: LockKind = process.platform === 'linux' ? 'abstract' : 'file';
const socketFileName = 'hifazat.sock';
/** sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included. */
const maxSocketPathBytes = 103;
/** The secret a control request must carry, rewritten by every holder; the directory's 0700 guards it. */
export const controlSecretFile = 'control.secret';
/** The PID file of Hifazat before the socket lock: a PID can outlive its process (a container restart reuses it). */
const legacyPidFile = 'hifazat.lock';

export interface DataDirLock {
  /** From now on, control requests (store/control-channel.ts) run `handler`: the running server's commands. */
  serve(handler: ControlHandler): void;
  release(): Promise<void>;
}

/** Where the lock of `dataDir` listens, and where the command line asks its holder. */
export function lockAddress(dataDir: string, kind: LockKind = defaultKind): string {
  if (kind === 'abstract') {
    // The inode, not the path: another path (a symbolic link, a bind mount) names the same lock.
    const { dev, ino } = statSync(dataDir, { bigint: true });
    return `\0hifazat-${createHash('sha256').update(`${dev}:${ino}`).digest('hex')}`;
  }
  const path = join(dataDir, socketFileName);
  if (Buffer.byteLength(path) > maxSocketPathBytes) {
    throw new HifazatError(
      'config_invalid',
      `DATA_DIR ${dataDir} is too long a path for its lock socket (${path} may have at most ${maxSocketPathBytes} bytes): use a shorter DATA_DIR.`,
    );
  }
  return path;
}

const lockedError = (dataDir: string, pid: number | undefined) =>
  new HifazatError(
    'data_dir_locked',
    `The data directory ${dataDir} is in use by another Hifazat process${pid === undefined ? '' : ` (PID ${pid})`}. Stop it, or set DATA_DIR to another directory.`,
  );

/**
 * PGlite does not lock its data directory, and two processes writing one corrupt it. This lock
 * is a listening socket (see LockKind) that the operating system releases when the process dies,
 * so a process killed with SIGKILL can be restarted at once, and a live holder is never taken for
 * a dead one. Its socket also carries the control channel: whoever connects is greeted with the
 * holder's PID, and requests with the secret written here (0600) are answered by `serve`'s handler.
 */
export async function lockDataDir(dataDir: string, options: { kind?: LockKind } = {}): Promise<DataDirLock> {
  const kind = options.kind ?? defaultKind;
  const address = lockAddress(dataDir, kind);
  const secret = randomBytes(32);
  let handler: ControlHandler | undefined;
  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    answerControlRequest(socket, { pid: process.pid, secret, handler: () => handler });
  });
  for (let attempt = 0; ; attempt++) {
    const failure = await listen(server, address);
    if (!failure) break;
    if (failure.code !== 'EADDRINUSE') throw failure;
    const holder = await holderOf(address);
    if (holder.state === 'live') throw lockedError(dataDir, holder.pid);
    if (attempt >= 4) throw lockedError(dataDir, undefined);
    // A socket file nobody listens on was left by a dead process: take it over. An abstract name
    // that refuses connections is being bound or released this very moment: try again shortly.
    if (kind === 'file') rmSync(address, { force: true });
    else await sleep(50);
  }
  // The lock does not keep a process alive; the command that took it releases it when done.
  server.unref();
  try {
    const temporary = join(dataDir, `${controlSecretFile}.${process.pid}`);
    writeFileSync(temporary, secret.toString('hex'), { mode: 0o600 });
    renameSync(temporary, join(dataDir, controlSecretFile));
    rmSync(join(dataDir, legacyPidFile), { force: true });
  } catch (error) {
    await close(server, connections);
    throw error;
  }
  return {
    serve: (next) => void (handler = next),
    release: () => close(server, connections),
  };
}

function listen(server: Server, address: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const failed = (error: NodeJS.ErrnoException) => resolve(error);
    server.once('error', failed);
    server.listen(address, () => {
      server.off('error', failed);
      resolve(undefined);
    });
  });
}

async function close(server: Server, connections: Set<Socket>): Promise<void> {
  for (const socket of connections) socket.destroy();
  // Closing a socket file's server also unlinks the file.
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A connection to whoever listens at `address`, or undefined when nobody does. */
function connectTo(address: string): Promise<Socket | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(address);
    socket.once('connect', () => resolve(socket));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') resolve(undefined);
      else reject(error);
    });
  });
}

async function holderOf(address: string): Promise<{ state: 'live'; pid: number | undefined } | { state: 'gone' }> {
  const socket = await connectTo(address);
  if (!socket) return { state: 'gone' };
  try {
    socket.setTimeout(2000, () => socket.destroy());
    return { state: 'live', pid: (await greetingOf(socket)).pid };
  } catch {
    // Something listens but does not greet (yet): it holds the lock all the same.
    return { state: 'live', pid: undefined };
  } finally {
    socket.destroy();
  }
}

/** The PID of the process holding `dataDir` (from its greeting), or undefined when none does. */
export async function lockHolder(dataDir: string, options: { kind?: LockKind } = {}): Promise<number | undefined> {
  const holder = await holderOf(lockAddress(dataDir, options.kind ?? defaultKind));
  return holder.state === 'live' ? holder.pid : undefined;
}

/**
 * Runs `command` in the process holding `dataDir` (a running server) over the control channel,
 * with the secret it wrote there. Undefined when no process holds the directory: the caller may
 * then open it itself.
 */
export async function runInHolder(
  dataDir: string,
  command: string,
  args: Record<string, string>,
  options: { kind?: LockKind } = {},
): Promise<{ pid: number; body: Uint8Array } | undefined> {
  if (!existsSync(dataDir)) return undefined;
  const socket = await connectTo(lockAddress(dataDir, options.kind ?? defaultKind));
  if (!socket) return undefined;
  try {
    const holder = await greetingOf(socket);
    let secret: string;
    try {
      secret = readFileSync(join(dataDir, controlSecretFile), 'utf8');
    } catch (error) {
      throw new HifazatError(
        'forbidden',
        `The Hifazat process holding ${dataDir} (PID ${holder.pid}) could not be asked: ${join(dataDir, controlSecretFile)} cannot be read (${(error as NodeJS.ErrnoException).code}). Run this as the user that runs Hifazat.`,
      );
    }
    return { pid: holder.pid, body: await holder.request(secret, command, args) };
  } finally {
    socket.destroy();
  }
}
