import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { ThrottleRule } from '../domain/throttling.ts';
import type { Services } from '../services/index.ts';
import type { Client } from '../services/throttle.ts';

/**
 * The client of a request, for throttling only: the connection's address, or the address the
 * trusted proxy reports (Fastify's trustProxy, set from TRUST_PROXY: the proxy's own addresses or
 * a hop count, so a client cannot choose its own through X-Forwarded-For).
 */
export function clientOf(request: FastifyRequest): Client {
  return { address: request.ip };
}

/** A route's per-client limit, counted once the body is read (so a refused form can be shown again). */
export function clientLimit(services: Services, rule: ThrottleRule): preHandlerAsyncHookHandler {
  return async (request) => {
    await services.throttles.take(rule, clientOf(request));
  };
}
