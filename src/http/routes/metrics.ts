import type { FastifyInstance } from 'fastify';
import type { AppMetrics } from '../../metrics/app-metrics.ts';
import { AppError } from '../../lib/errors.ts';
import { safeEqual } from '../../lib/secret.ts';

/**
 * GET /metrics in the Prometheus text format. Sandbox: open. Live: only with
 * `Authorization: Bearer <ANFU_METRICS_TOKEN>` (constant-time compare); a live gateway without a
 * configured token never exposes it (every request is 401), so forgetting the token fails closed.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: AppMetrics, opts: { mode: 'sandbox' | 'live'; token?: string | undefined }): void {
  app.get('/metrics', async (req, reply) => {
    if (opts.mode === 'live') {
      const header = req.headers.authorization ?? '';
      const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
      if (!opts.token || !m || !safeEqual(m[1] as string, opts.token)) {
        void reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new AppError('unauthenticated', 'metrics_unauthorized', 'a valid metrics bearer token is required');
      }
    }
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  });
}
