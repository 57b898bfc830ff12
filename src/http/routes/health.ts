import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { ServiceContext } from '../../services/context.ts';

/**
 * /healthz: the process is alive. /readyz: it can take traffic — the database answers and the node
 * is not draining. A load balancer stops sending work as soon as shutdown begins.
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: ServiceContext, state: { draining: boolean }): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (state.draining) return reply.status(503).send({ status: 'draining' });
    try {
      await sql`select 1`.execute(ctx.db);
    } catch {
      return reply.status(503).send({ status: 'database_unavailable' });
    }
    return { status: 'ready' };
  });
}
