import { createHash, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { HifazatError, errorCodes, type ErrorCode } from '../domain/errors.ts';

/**
 * The control channel: how a command line on the same machine asks the process that holds a data
 * directory (store/data-dir-lock.ts) to run a command for it, such as a backup of the embedded
 * database, which no other process may open while the server runs. It is carried by the lock's
 * own socket. Every connection first gets a greeting naming the holder's PID (what a refused
 * second process prints); a request then carries the secret the holder wrote into the data
 * directory (0600), so only someone who may read the data directory is answered: an abstract
 * socket has no file permissions of its own.
 *
 * One exchange per connection, each a line of JSON: the greeting, the request
 * `{secret, command, args}`, the answer `{ok: true, length}` followed by that many bytes, or
 * `{ok: false, code, message}`.
 */

/** What the holder runs: a command's name and arguments to the bytes sent back. */
export type ControlHandler = (command: string, args: Record<string, string>) => Promise<Uint8Array>;

const protocol = 'hifazat-control/1';
const maxLineBytes = 64 * 1024;
/** A request must arrive this soon after connecting: an idle connection holds nothing for long. */
const requestTimeoutMs = 10_000;

/** Reads lines, then raw bytes, from a socket, holding what arrived ahead of the reader. */
class SocketReader {
  #chunks: Buffer[] = [];
  #length = 0;
  #ended = false;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
      this.#notify();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on('error', (error) => {
      this.#failure = error;
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #more(): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#ended) throw new HifazatError('internal', 'The control connection closed before the answer was complete.');
    await new Promise<void>((resolve) => (this.#wake = resolve));
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    this.#chunks = all.length > n ? [all.subarray(n)] : [];
    this.#length = all.length - n;
    return all.subarray(0, n);
  }

  async line(): Promise<string> {
    for (;;) {
      const newline = this.#chunks.length === 0 ? -1 : Buffer.concat(this.#chunks).indexOf(0x0a);
      if (newline >= 0) return this.#take(newline + 1).toString('utf8', 0, newline);
      if (this.#length > maxLineBytes) throw new HifazatError('internal', 'A control message was too long.');
      await this.#more();
    }
  }

  async bytes(n: number): Promise<Buffer> {
    while (this.#length < n) await this.#more();
    return this.#take(n);
  }
}

const sendLine = (socket: Socket, message: unknown) => socket.write(`${JSON.stringify(message)}\n`);

function digest(value: Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * The holder's side of one connection: greets, then answers one request whose secret matches
 * (compared in constant time) with `handler`, which is absent while the holder is not (yet) a
 * running server.
 */
export function answerControlRequest(socket: Socket, holder: { pid: number; secret: Buffer; handler(): ControlHandler | undefined }): void {
  const reader = new SocketReader(socket);
  socket.setTimeout(requestTimeoutMs, () => socket.destroy());
  sendLine(socket, { protocol, pid: holder.pid });
  const refuse = (code: ErrorCode, message: string) => socket.end(`${JSON.stringify({ ok: false, code, message })}\n`);
  void (async () => {
    let request: { secret?: unknown; command?: unknown; args?: unknown };
    try {
      request = JSON.parse(await reader.line()) as typeof request;
    } catch {
      // A lock probe that only read the greeting, or a connection that sent nothing usable.
      socket.destroy();
      return;
    }
    socket.setTimeout(0);
    const given = Buffer.from(typeof request.secret === 'string' ? request.secret : '', 'utf8');
    if (!timingSafeEqual(digest(given), digest(Buffer.from(holder.secret.toString('hex'))))) {
      refuse('forbidden', 'The control secret is wrong: run this as the user that runs Hifazat, with the same DATA_DIR.');
      return;
    }
    const handler = holder.handler();
    if (!handler) {
      refuse(
        'invalid_state',
        `The Hifazat process holding the data directory (PID ${holder.pid}) is not a running server (or is still starting) and takes no commands: wait for it to finish.`,
      );
      return;
    }
    const args = request.args !== null && typeof request.args === 'object' ? (request.args as Record<string, string>) : {};
    try {
      const body = await handler(String(request.command), args);
      sendLine(socket, { ok: true, length: body.length });
      socket.end(body);
    } catch (error) {
      refuse(
        error instanceof HifazatError ? error.code : 'internal',
        error instanceof HifazatError ? error.message : 'The server could not run the command: its log says why.',
      );
    }
  })().catch(() => socket.destroy());
}

/** The command line's side: the holder's PID from its greeting, and a way to send it one request. */
export async function greetingOf(socket: Socket): Promise<{
  pid: number;
  request(secret: string, command: string, args: Record<string, string>): Promise<Uint8Array>;
}> {
  const reader = new SocketReader(socket);
  const greeting = JSON.parse(await reader.line()) as { protocol?: unknown; pid?: unknown };
  if (greeting.protocol !== protocol || typeof greeting.pid !== 'number') {
    throw new HifazatError('internal', 'The process holding the data directory does not speak this version of the control channel.');
  }
  return {
    pid: greeting.pid,
    async request(secret, command, args) {
      sendLine(socket, { secret, command, args });
      const answer = JSON.parse(await reader.line()) as { ok?: boolean; length?: number; code?: string; message?: string };
      if (answer.ok !== true || typeof answer.length !== 'number') {
        const code = errorCodes.includes(answer.code as ErrorCode) ? (answer.code as ErrorCode) : 'internal';
        throw new HifazatError(code, answer.message ?? 'The running server refused the command.');
      }
      // The length announced first shows a transfer cut short (the server stopped meanwhile).
      return reader.bytes(answer.length);
    },
  };
}
