import type { FastifyServerOptions } from 'fastify';

/**
 * A database error as it may be logged: Drizzle puts the query's parameters in its message and
 * PostgreSQL the offending values in `detail`; both may hold what a person typed, so neither
 * is kept. The SQL text itself holds only placeholders.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; cause?: unknown };
  return {
    type: e.name,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    message: e.message.replace(/\nparams: [\s\S]*$/, ''),
    stack: e.stack?.replace(/\nparams: [\s\S]*?(?=\n\s+at )/, ''),
    ...(e.cause === undefined ? {} : { cause: loggableError(e.cause) }),
  };
}

/**
 * Request logging that cannot identify a reporter: method, route and status only. No address,
 * no user agent, no headers, no query string, no body.
 */
export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    serializers: {
      req: (req: { method: string; routeOptions?: { url?: string }; url: string }) => ({
        method: req.method,
        // The route pattern, never the path as sent: a path can carry anything a person pasted.
        route: req.routeOptions?.url ?? '(no route)',
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: (err: Error) => loggableError(err) as { type: string; message: string; stack: string },
    },
  };
}
