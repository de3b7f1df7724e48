import type { Socket } from 'node:net';

/** How long a refused request's connection keeps being read (and discarded) after the answer. */
export const lingerMs = 2000;

/**
 * Closes a connection whose request body was refused unread, so that the client sees the answer.
 *
 * Node answers such a request and then destroys the socket at once; unread bytes of the body
 * are still in the kernel's buffer, so the kernel resets the connection, and a reset can arrive
 * before the client has read the answer, which it then never sees (a client sending a large
 * image with a wrong key would see "connection reset" instead of 401). This does what web
 * servers call a lingering close: it ends the writing side after the answer (the client reads
 * the answer and then the end), keeps reading and discarding what still arrives, and destroys
 * the socket when the client closes or after `lingerMs`, so the cost stays bounded.
 *
 * It replaces the socket's `destroySoon`, which Node's HTTP server calls after the last answer
 * on a connection: if a later Node stopped calling it, connections would close as before.
 */
export function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    this.resume();
    const timer = setTimeout(() => this.destroy(), lingerMs);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.once('end', () => this.destroy());
  };
}
