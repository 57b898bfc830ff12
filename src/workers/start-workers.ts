import { z } from 'zod';
import type { ServiceContext } from '../services/context.ts';
import type { NotificationEffects } from '../services/notifications/effects.ts';
import { reprocessNotification } from '../services/notifications/reprocess-notification.ts';
import { runPaymentQuery, runRefundQuery } from './follow-up-jobs.ts';
import { sweepOnce, type SweepOptions } from './follow-up-sweep.ts';
import { runHourlyCustody } from '../services/custody/hourly-custody.ts';
import { QUEUES } from './queues.ts';
import { startWebhookDeliverWorker, type WebhookWorkerOptions } from './webhook-deliver-worker.ts';

/**
 * Starts every background worker: the pg-boss consumers (webhook delivery, payment and refund
 * follow-up queries, notification re-processing) and the periodic sweep that feeds them. pg-boss's own
 * cron runs once a minute at best, so the sweep is an in-process timer; it is safe to run in several
 * processes at once (its claims are row locks plus a schedule bump). `stop()` ends the timer and waits
 * for a running sweep; the pg-boss consumers stop with `stopJobs`.
 */
export interface WorkerOptions {
  effects: NotificationEffects;
  /** Sweep period (default 5 s). */
  sweepIntervalMs?: number;
  /** Audit retention for the hourly purge (config ANFU_AUDIT_RETENTION_DAYS); no purge when undefined. */
  auditRetentionDays?: number;
  /** Idempotency-key purge period (default 1 h). */
  purgeIntervalMs?: number;
  pollingIntervalSeconds?: number;
  sweep?: SweepOptions;
  webhooks?: WebhookWorkerOptions;
}

export interface RunningWorkers {
  /** Runs one sweep now (tests; also used at start). */
  sweepNow(): Promise<void>;
  stop(): Promise<void>;
}

const paymentJob = z.object({ paymentId: z.string().min(1), merchantId: z.string().min(1) });
const refundJob = z.object({ refundId: z.string().min(1), merchantId: z.string().min(1) });
const inboxJob = z.object({ inboxId: z.number().int().positive() });

export async function startWorkers(ctx: ServiceContext, opts: WorkerOptions): Promise<RunningWorkers> {
  const polling = opts.pollingIntervalSeconds ?? 1;
  await startWebhookDeliverWorker(ctx, { pollingIntervalSeconds: polling, ...opts.webhooks });
  await consume(ctx, QUEUES.paymentQuery, polling, paymentJob, (d) => runPaymentQuery(ctx, d));
  await consume(ctx, QUEUES.refundQuery, polling, refundJob, (d) => runRefundQuery(ctx, d));
  // Up to a sweep's worth of inbox rows per fetch: after a crash, a backlog of verified rows must not
  // trickle through at a handful per polling interval.
  await consume(
    ctx,
    QUEUES.notificationProcess,
    polling,
    inboxJob,
    async (d) => {
      await reprocessNotification(ctx, opts.effects, d.inboxId);
    },
    50,
  );

  const sweepMs = opts.sweepIntervalMs ?? 5_000;
  const purgeMs = opts.purgeIntervalMs ?? 3600_000;
  let lastPurge = 0;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const sweep = (): Promise<void> => {
    running ??= (async () => {
      try {
        const purge = Date.now() - lastPurge >= purgeMs;
        if (purge) lastPurge = Date.now();
        await sweepOnce(ctx, opts.sweep, purge);
        if (purge) await runHourlyCustody(ctx, { auditRetentionDays: opts.auditRetentionDays });
      } catch (err) {
        ctx.logger.error({ err }, 'follow-up sweep failed');
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => void sweep().then(loop), sweepMs);
    timer.unref?.();
  };
  loop();

  return {
    sweepNow: sweep,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

async function consume<T>(ctx: ServiceContext, queue: string, polling: number, schema: z.ZodType<T>, run: (data: T) => Promise<unknown>, batchSize = 4): Promise<void> {
  await ctx.jobs.work<Record<string, unknown>>(queue, { batchSize, pollingIntervalSeconds: polling }, async (jobs) => {
    await Promise.all(
      jobs.map(async (j) => {
        const parsed = schema.safeParse(j.data);
        if (!parsed.success) {
          ctx.logger.error({ queue }, 'malformed job dropped');
          return;
        }
        try {
          await run(parsed.data);
        } catch (err) {
          // The sweep brings the row back on its schedule; failing the job would only add noise.
          ctx.logger.error({ err, queue }, 'job failed');
        }
      }),
    );
  });
}
