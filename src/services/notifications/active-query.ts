import { pullPaymentQueriesForward, pullPaymentQueryForward } from '../../db/query-schedule.ts';
import type { ServiceContext } from '../context.ts';

/**
 * "An unverifiable notification changes nothing and triggers an active query" (issue §5). The trigger
 * only makes the merchant's recent unpaid payments due; the query sweep does the asking, at its own
 * pace. Throttled per merchant in memory, so a flood of forged or probe notifications costs one small
 * UPDATE per interval, not one WeChat call each.
 */
export const ACTIVE_QUERY_THROTTLE_MS = 30_000;
/** Only recent orders: an old unpaid order is already on the slow end of the query schedule. */
export const ACTIVE_QUERY_LOOKBACK_MS = 24 * 3600_000;
const ACTIVE_QUERY_LIMIT = 100;

const lastTrigger = new Map<string, number>();

export async function requestActiveQuery(ctx: Pick<ServiceContext, 'db' | 'clock' | 'logger'>, merchantId: string): Promise<boolean> {
  const now = ctx.clock.now();
  const last = lastTrigger.get(merchantId);
  if (last !== undefined && now - last < ACTIVE_QUERY_THROTTLE_MS && now >= last) return false;
  lastTrigger.set(merchantId, now);
  try {
    const n = await pullPaymentQueriesForward(ctx.db, merchantId, new Date(now), new Date(now - ACTIVE_QUERY_LOOKBACK_MS), ACTIVE_QUERY_LIMIT);
    if (n > 0) ctx.logger.info({ merchantId, payments: n }, 'active query requested after an unverifiable notification');
  } catch (err) {
    // Best effort: the regular schedule still queries these payments.
    ctx.logger.warn({ err, merchantId }, 'could not request an active query');
  }
  return true;
}

export async function requestPaymentQuery(ctx: Pick<ServiceContext, 'db' | 'clock'>, paymentId: string): Promise<void> {
  await pullPaymentQueryForward(ctx.db, paymentId, new Date(ctx.clock.now()));
}
