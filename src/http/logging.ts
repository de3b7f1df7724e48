import type { FastifyServerOptions } from 'fastify';

/**
 * Logs that cannot identify a reporter or leak what anyone typed, at every level (trace
 * included, where plugins log whole option objects with the request's headers in them).
 *
 * Four layers, each on its own enough for what it guards:
 * 1. `logMethod` sees every log call first: an error's message (which pino would otherwise copy
 *    into `msg` verbatim) is replaced by its loggable form, other messages lose quoted text and
 *    paths, and printf-style arguments are dropped.
 * 2. `formatters.log` keeps only the fields named in `loggedFields`; anything else a plugin
 *    logs (`busboyOptions` with the headers, a body, a query) is dropped and only counted.
 * 3. Serializers give the kept fields their shape: a request is its method and route pattern,
 *    a response its status, an error `loggableError` below.
 * 4. `redact` removes what would identify someone, should a serializer above ever let it through.
 */

/** The fields a log line may carry; each has a serializer below. */
const loggedFields = new Set(['req', 'res', 'err', 'responseTime', 'statusCode', 'auditHead']);
/** Bindings of the root and child loggers that may be kept (the request id is always empty). */
const loggedBindings = new Set(['pid', 'hostname', 'reqId']);

/** SQLSTATE: two characters of class (00–5x, F0, HV, P0, XX) and three of condition. */
const sqlState = /^(?:[0-5][0-9A-Z]|F0|HV|P0|XX)[0-9A-Z]{3}$/;
const identifier = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const errorCode = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Generic messages for the SQLSTATEs and classes we expect; the code itself is always logged. */
const sqlStateNames: Record<string, string> = {
  '22001': 'value too long',
  '22003': 'number out of range',
  '22007': 'invalid date or time',
  '22008': 'date or time out of range',
  '22021': 'character not in the encoding',
  '22P02': 'invalid text representation',
  '22P05': 'untranslatable character',
  '23502': 'not-null violation',
  '23503': 'foreign-key violation',
  '23505': 'unique violation',
  '23514': 'check violation',
  '25P02': 'transaction aborted',
  '40001': 'serialization failure',
  '40P01': 'deadlock detected',
  '42P01': 'undefined table',
  '42703': 'undefined column',
  '42883': 'undefined function',
  '53300': 'too many connections',
  '57014': 'query cancelled',
  '57P01': 'server shutting down',
};
const sqlStateClasses: Record<string, string> = {
  '08': 'connection exception',
  '22': 'data exception',
  '23': 'integrity constraint violation',
  '25': 'invalid transaction state',
  '40': 'transaction rollback',
  '42': 'syntax error or access rule violation',
  '53': 'insufficient resources',
  '54': 'program limit exceeded',
  '55': 'object not in prerequisite state',
  '57': 'operator intervention',
  '58': 'system error',
  P0: 'raised by a function or trigger',
  XX: 'internal error',
};

/**
 * A message, or an error's message, with what may be a value withheld: everything from the
 * first quote to the last (PostgreSQL, V8 and most libraries quote the value they refuse, and a
 * value may itself hold quotes), and every path (a path as sent can carry anything a person
 * pasted). What is left says what went wrong, not with what.
 */
export function withheldValues(text: string): string {
  return text
    .replace(/["'`\u201c\u2018][\s\S]*["'`\u201d\u2019]/, '"…"')
    .replace(/(^|[\s:=([,])\/(?!\/)\S*/g, '$1/…')
    .slice(0, 500);
}

interface DatabaseErrorFields {
  code: string;
  severity?: unknown;
  schema?: unknown;
  table?: unknown;
  column?: unknown;
  dataType?: unknown;
  constraint?: unknown;
  routine?: unknown;
}

function isDatabaseError(e: Error & { code?: unknown }): e is Error & DatabaseErrorFields {
  return typeof e.code === 'string' && sqlState.test(e.code);
}

/** The stack's frames (`    at …` lines), without the message V8 put at its head. */
function framesOf(e: Error): string {
  const stack = typeof e.stack === 'string' ? e.stack : '';
  const head = e.message ? `${e.name}: ${e.message}` : e.name;
  const lines = (stack.startsWith(head) ? stack.slice(head.length) : stack).split('\n');
  // If the message was changed after the stack was taken, the head is not known: keep only the
  // frames at the end, after the last line that is not one.
  let first = lines.length;
  while (first > 0 && /^\s+at \S/.test(lines[first - 1]!)) first--;
  return lines
    .slice(first)
    .map((line) => `\n${line}`)
    .join('');
}

/**
 * An error as it may be logged: its type, its code, a message with no value in it, its stack's
 * frames and its cause, and nothing else (an error's other fields hold the query's parameters,
 * the raw HTTP packet, PostgreSQL's `detail`, `where` and `hint`, …).
 *
 * - PostgreSQL's errors (from pg and PGlite alike, told by their SQLSTATE) keep the SQLSTATE, a
 *   generic message named after it, their severity and the names of the schema, table, column,
 *   type and constraint concerned (identifiers from our migrations); their own message quotes
 *   the value refused (`invalid input syntax for type uuid: "…"`) and is never kept.
 * - Drizzle's "Failed query" keeps the SQL text, which holds only placeholders, without the
 *   parameters it appends.
 * - Any other error keeps its message with quoted text and paths withheld (`withheldValues`).
 */
export function loggableError(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err, message: 'A value that is not an Error was thrown.' };
  const e = err as Error & { code?: unknown; cause?: unknown; query?: unknown };
  const statusCode = (err as { statusCode?: unknown }).statusCode;
  let type = typeof e.name === 'string' && identifier.test(e.name) ? e.name : 'Error';
  let message: string;
  const fields: Record<string, unknown> = {};
  if (isDatabaseError(e)) {
    type = 'DatabaseError';
    message = `database error ${e.code} (${sqlStateNames[e.code] ?? sqlStateClasses[e.code.slice(0, 2)] ?? 'see the SQLSTATE'})`;
    if (e.severity === 'ERROR' || e.severity === 'FATAL' || e.severity === 'PANIC') fields.severity = e.severity;
    for (const name of ['schema', 'table', 'column', 'dataType', 'constraint', 'routine'] as const) {
      const value = e[name];
      if (typeof value === 'string' && identifier.test(value)) fields[name] = value;
    }
  } else if (e.message.startsWith('Failed query: ')) {
    message = typeof e.query === 'string' ? `Failed query: ${e.query}` : e.message.replace(/\nparams: [\s\S]*$/, '');
  } else {
    message = withheldValues(e.message);
  }
  return {
    type,
    ...(typeof e.code === 'string' && errorCode.test(e.code) ? { code: e.code } : {}),
    ...(typeof statusCode === 'number' ? { statusCode } : {}),
    ...fields,
    message,
    stack: `${type}: ${message}${framesOf(e)}`,
    ...(e.cause === undefined || depth >= 4 ? {} : { cause: loggableError(e.cause, depth + 1) }),
  };
}

/** The message a log call may write: an error's loggable message, or the text with values withheld. */
function loggableMessage(message: unknown, err: unknown): string | undefined {
  if (err !== undefined && err !== null && (message === undefined || message === (err as { message?: unknown }).message)) {
    return loggableError(err).message as string;
  }
  if (message === undefined) return undefined;
  return typeof message === 'string' ? withheldValues(message) : 'A message that is not text was withheld.';
}

type LogMethod = (...args: unknown[]) => void;

/**
 * Every log call passes here first. pino writes an error's own message as the line's `msg`
 * when none is given (and Fastify gives `error.message` as the message), so the message is
 * decided here; printf-style arguments after it are dropped, as they could carry anything.
 */
function logMethod(this: unknown, args: unknown[], method: LogMethod): void {
  const [first, second] = args;
  if (first instanceof Error) {
    method.call(this, { err: first }, loggableMessage(second, first));
  } else if (typeof first === 'object' && first !== null) {
    const message = loggableMessage(second, (first as { err?: unknown }).err);
    if (message === undefined) method.call(this, first);
    else method.call(this, first, message);
  } else {
    method.call(this, loggableMessage(first, undefined) ?? '');
  }
}

function keepLoggedFields(object: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  let withheld = 0;
  for (const key of Object.keys(object)) {
    if (loggedFields.has(key)) kept[key] = object[key];
    else withheld++;
  }
  // Only how many: the names could be keys of a parsed body, which a person chose.
  if (withheld > 0) kept.withheldFields = withheld;
  return kept;
}

function keepBindings(bindings: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const key of Object.keys(bindings)) if (loggedBindings.has(key)) kept[key] = bindings[key];
  return kept;
}

/**
 * Request logging that cannot identify a reporter: method, route pattern and status only. No
 * address, no user agent, no headers, no cookies, no query string, no body, at any level.
 */
export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    hooks: { logMethod },
    formatters: { log: keepLoggedFields, bindings: keepBindings },
    serializers: {
      req: (req: { method?: unknown; routeOptions?: { url?: unknown } }) => ({
        method: typeof req.method === 'string' && /^[A-Z]{1,16}$/.test(req.method) ? req.method : 'OTHER',
        // The route pattern, never the path as sent: a path can carry anything a person pasted.
        route: typeof req.routeOptions?.url === 'string' ? req.routeOptions.url : '(no route)',
      }),
      res: (res: { statusCode?: unknown }) => ({ statusCode: typeof res.statusCode === 'number' ? res.statusCode : undefined }),
      err: (err: unknown) => loggableError(err) as { type: string; message: string; stack: string },
      responseTime: (value: unknown) => (typeof value === 'number' ? value : undefined),
      statusCode: (value: unknown) => (typeof value === 'number' ? value : undefined),
      // The audit log's head (main.ts): a seq and a hex hash, or null for an empty log.
      auditHead: (value: { seq?: unknown; hash?: unknown } | null) =>
        value !== null && typeof value.seq === 'number' && typeof value.hash === 'string' && /^[0-9a-f]{64}$/.test(value.hash)
          ? { seq: value.seq, hash: value.hash }
          : null,
    },
    redact: {
      paths: [
        'req.headers',
        'req.url',
        'req.query',
        'req.params',
        'req.body',
        'req.remoteAddress',
        'req.remotePort',
        'res.headers',
        'err.detail',
        'err.where',
        'err.hint',
        'err.params',
        'err.rawPacket',
      ],
      remove: true,
    },
  };
}
