import { z } from 'zod';
import { deliverEvent, type DeliveryOptions } from '../services/webhooks/deliver-webhook.ts';
import type { ServiceContext } from '../services/context.ts';
import { QUEUES } from './queues.ts';

/**
 * Consumes `webhook-deliver` jobs: one attempt each, then the next attempt is its own job with
 * `startAfter` (pg-boss keeps the schedule durable across restarts). Jobs are enqueued with
 * retryLimit 0, so this handler never throws for a delivery failure: it schedules the retry itself,
 * and on an internal error (database down) it re-enqueues the same try after a short pause.
 */
const jobSchema = z.object({ eventId: z.string().min(1), try: z.number().int().min(1).optional(), manual: z.boolean().optional() });

export interface WebhookWorkerOptions extends DeliveryOptions {
  pollingIntervalSeconds?: number;
  batchSize?: number;
  /** Pause before re-running a job that failed for an internal reason. */
  internalRetryMs?: number;
}

export async function startWebhookDeliverWorker(ctx: ServiceContext, opts: WebhookWorkerOptions = {}): Promise<void> {
  await ctx.jobs.work<Record<string, unknown>>(
    QUEUES.webhookDeliver,
    { batchSize: opts.batchSize ?? 8, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1 },
    async (jobs) => {
      await Promise.all(jobs.map((j) => runOne(ctx, j.data, opts)));
    },
  );
}

async function runOne(ctx: ServiceContext, data: unknown, opts: WebhookWorkerOptions): Promise<void> {
  const parsed = jobSchema.safeParse(data);
  if (!parsed.success) {
    ctx.logger.error({ queue: QUEUES.webhookDeliver }, 'malformed webhook job dropped');
    return;
  }
  const job = { eventId: parsed.data.eventId, try: parsed.data.try ?? 1, manual: parsed.data.manual ?? false };
  try {
    const r = await deliverEvent(ctx, job, opts);
    if (r.status === 'failed') {
      await ctx.jobs.send(QUEUES.webhookDeliver, { ...job, try: job.try + 1 }, { retryLimit: 0, startAfter: new Date(Date.now() + r.retryInMs) });
    }
  } catch (err) {
    ctx.logger.error({ err, eventId: job.eventId }, 'webhook delivery could not run; re-queued');
    const pause = opts.internalRetryMs ?? 30_000;
    await ctx.jobs.send(QUEUES.webhookDeliver, job, { retryLimit: 0, startAfter: new Date(Date.now() + pause) }).catch(() => undefined);
  }
}
