import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services/index.ts';

export function healthRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    /** The process is up. */
    app.get('/healthz', async () => ({ status: 'ok' }));
    /** The process can serve: its database answers. */
    app.get('/readyz', async (_request, reply) => {
      try {
        await services.database.ping();
        return { status: 'ready' };
      } catch {
        return reply.code(503).send({ status: 'unavailable' });
      }
    });
  };
}
