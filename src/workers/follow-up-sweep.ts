import { jobDbIn } from '../db/jobs.ts';
import { claimDuePayments, claimDueRefunds, schedulePaymentQuery, scheduleRefundQuery } from '../db/query-schedule.ts';
import { claimStuckNotifications } from '../db/wechat-notifications.ts';
import { purgeExpiredIdempotencyKeys } from '../services/idempotency/idempotency.ts';
import type { ServiceContext } from '../services/context.ts';
import { DEFAULT_PAYMENT_QUERY_INTERVALS_MS, DEFAULT_REFUND_QUERY_INTERVALS_MS, nextQueryAt } from './follow-up-intervals.ts';
import { QUEUES } from './queues.ts';

/**
 * One pass of the periodic sweep: claims what is due (payments to query or close, refunds to follow,
 * notifications stuck in the inbox) and stages one job for each, in the same transaction that moves
 * the row's schedule forward — so a crash either loses neither or both, and two gateway processes
 * (SKIP LOCKED on PostgreSQL) never claim the same row. Also purges expired idempotency keys.
 */
export interface SweepOptions {
  paymentQueryIntervalsMs?: readonly number[];
  refundQueryIntervalsMs?: readonly number[];
  /**
   * Inbox rows still waiting for their effect are claimed when their `next_attempt_at` is due (15 s
   * after a verified row was stored, a deferral's backoff, a minute for `received`); a claimed row
   * comes back after this lease if its job did not settle it (default 60 s).
   */
  notificationLeaseMs?: number;
  /** How far back stuck notifications are retried (default 3 days). */
  stuckNotificationLookbackMs?: number;
  /** Inbox rows claimed per pass (default 500: a crash can leave a backlog of verified rows). */
  notificationBatchSize?: number;
  batchSize?: number;
}

export interface SweepResult {
  payments: number;
  refunds: number;
  notifications: number;
  purgedIdempotencyKeys: number;
}

export async function sweepOnce(ctx: ServiceContext, opts: SweepOptions = {}, purge = false): Promise<SweepResult> {
  const limit = opts.batchSize ?? 50;
  const now = ctx.clock.now();
  const payments = await ctx.db.transaction().execute(async (trx) => {
    const due = await claimDuePayments(trx, new Date(now), limit);
    for (const p of due) {
      const next = nextQueryAt(now, p.query_attempts, opts.paymentQueryIntervalsMs ?? DEFAULT_PAYMENT_QUERY_INTERVALS_MS, p.expires_at.getTime());
      await schedulePaymentQuery(trx, p.id, next);
      await ctx.jobs.send(QUEUES.paymentQuery, { paymentId: p.id, merchantId: p.merchant_id }, { db: jobDbIn(trx), retryLimit: 0 });
    }
    return due.length;
  });
  const refunds = await ctx.db.transaction().execute(async (trx) => {
    const due = await claimDueRefunds(trx, new Date(now), limit);
    for (const r of due) {
      await scheduleRefundQuery(trx, r.id, nextQueryAt(now, r.query_attempts, opts.refundQueryIntervalsMs ?? DEFAULT_REFUND_QUERY_INTERVALS_MS));
      await ctx.jobs.send(QUEUES.refundQuery, { refundId: r.id, merchantId: r.merchant_id }, { db: jobDbIn(trx), retryLimit: 0 });
    }
    return due.length;
  });
  const notifications = await ctx.db.transaction().execute(async (trx) => {
    const ids = await claimStuckNotifications(
      trx,
      new Date(now),
      new Date(now - (opts.stuckNotificationLookbackMs ?? 3 * 24 * 3600_000)),
      opts.notificationLeaseMs ?? 60_000,
      opts.notificationBatchSize ?? 500,
    );
    for (const inboxId of ids) await ctx.jobs.send(QUEUES.notificationProcess, { inboxId }, { db: jobDbIn(trx), retryLimit: 0 });
    return ids.length;
  });
  const purgedIdempotencyKeys = purge ? await purgeExpiredIdempotencyKeys(ctx) : 0;
  return { payments, refunds, notifications, purgedIdempotencyKeys };
}
