import { claimBreached, updateReviewGuarded } from '../../db/risk-reviews.ts';
import { raiseAlert } from '../alerts/raise-alert.ts';
import type { ServiceContext } from '../context.ts';

/**
 * Review SLA: an open or claimed item past its due time raises one `review.sla_breached` alert
 * (deduplicated by item) and is marked so the next sweep skips it. Items are claimed with
 * `FOR UPDATE SKIP LOCKED`, so several nodes sweeping at once raise each breach once.
 */
export async function sweepReviewSla(ctx: Pick<ServiceContext, 'db' | 'jobs' | 'clock' | 'alerting'>, limit = 100): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = new Date(ctx.clock.now());
    const due = await claimBreached(trx, now, limit);
    for (const r of due) {
      await raiseAlert(ctx, trx, {
        key: `review.sla_breached:${r.id}`,
        source: 'review.sla_breached',
        severity: 'warning',
        merchantId: r.merchant_id,
        title: `Risk review ${r.id} is past its due time`,
        data: { review_id: r.id, payment_id: r.payment_id, status: r.status, assignee: r.assignee, due_at: r.due_at.toISOString() },
      });
      await updateReviewGuarded(trx, r.id, ['open', 'claimed'], { sla_breached_at: now }, now);
    }
    return due.length;
  });
}

/** The in-process timer (like the follow-up sweep): safe on several nodes, stopped on shutdown. */
export function startReviewSlaSweeper(ctx: ServiceContext, intervalMs = 30_000): { stop(): Promise<void>; sweepNow(): Promise<number> } {
  let running: Promise<number> | undefined;
  const sweep = (): Promise<number> => {
    running ??= sweepReviewSla(ctx)
      .catch((err: unknown) => {
        ctx.logger.error({ err }, 'review SLA sweep failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return {
    sweepNow: sweep,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
