import { z } from 'zod';
import type { Resolver } from '../../net/outbound-url.ts';
import type { ServiceContext } from '../context.ts';
import { ALERT_NOTIFY_QUEUE } from './notify-queue.ts';
import { sendAlertNotification } from './send-notification.ts';

/**
 * Consumes `alert-notify` jobs. A transient channel failure fails the job so pg-boss retries it
 * (retryLimit / retryDelay / retryBackoff set when it was queued); a permanent one completes it.
 */
const jobSchema = z.object({
  alertId: z.string().min(1),
  channelId: z.string().min(1),
  level: z.number().int().min(0).max(10),
  reason: z.enum(['opened', 'reminder', 'escalated']),
});

export async function startAlertNotifyWorker(ctx: ServiceContext, opts: { pollingIntervalSeconds?: number; resolve?: Resolver } = {}): Promise<void> {
  await ctx.jobs.createQueue(ALERT_NOTIFY_QUEUE);
  await ctx.jobs.work<Record<string, unknown>>(ALERT_NOTIFY_QUEUE, { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1 }, async (jobs) => {
    const results = await Promise.allSettled(
      jobs.map(async (j) => {
        const parsed = jobSchema.safeParse(j.data);
        if (!parsed.success) {
          ctx.logger.error({ queue: ALERT_NOTIFY_QUEUE }, 'malformed alert job dropped');
          return;
        }
        const r = await sendAlertNotification(ctx, parsed.data, opts.resolve ? { resolve: opts.resolve } : {});
        if (r.status === 'failed' && !r.permanent) throw new Error(`alert notification failed: ${r.error}`);
      }),
    );
    // pg-boss fails the whole batch when the handler throws: batches of one keep a retry from re-sending a delivered one.
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });
}
