import { z } from 'zod';
import { countOpenIfTableExists, dailyAggregates, dailyAggregatesDirect, sumAggregates } from '../../db/admin-read-models.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { parseOrThrow } from '../operators/operator-input.ts';
import { assertInScope, type MerchantScope } from '../operators/permissions.ts';

const MAX_PERIOD_MS = 92 * 24 * 3600_000;
const querySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  merchant_id: z.string().regex(/^mer_[A-Za-z0-9]{1,64}$/).optional(),
});

/**
 * `GET /admin/api/dashboard`: volume, paid amount, success rate and the funnel created → cashier →
 * paid over a period (default: the last 7 days, at most 92), a daily series for the charts, and the
 * open reviews / alerts counts when those tables exist (null until the risk work creates them).
 * The figures come from the daily roll-up (`dailyAggregates`); `source: 'direct'` computes them from
 * `payments` alone — the reference the roll-up is checked against (property test, console bench).
 */
export async function dashboard(ctx: Pick<ServiceContext, 'db' | 'clock'>, scope: MerchantScope, query: unknown, opts: { source?: 'rollup' | 'direct' } = {}) {
  const q = parseOrThrow(querySchema, query);
  const now = new Date(ctx.clock.now());
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * 24 * 3600_000);
  if (!(from < to)) throw new AppError('invalid_input', 'invalid_period', '`from` must be before `to`.');
  if (to.getTime() - from.getTime() > MAX_PERIOD_MS) throw new AppError('invalid_input', 'period_too_long', 'The period may span at most 92 days.', { max_days: 92 });
  let effective = scope;
  if (q.merchant_id) {
    assertInScope(scope, q.merchant_id);
    effective = [q.merchant_id];
  }
  const [days, openReviews, openAlerts] = await Promise.all([
    opts.source === 'direct' ? dailyAggregatesDirect(ctx.db, effective, from, to) : dailyAggregates(ctx.db, effective, from, to, now),
    countOpenIfTableExists(ctx.db, 'risk_reviews', "status IN ('open', 'claimed')", effective),
    countOpenIfTableExists(ctx.db, 'alerts', "status IN ('open', 'acknowledged')", effective),
  ]);
  const agg = sumAggregates(days);
  const series = days.map((d) => ({ day: d.day, created: d.created, paid: d.paid, paid_amount: d.paid_amount }));
  const settled = agg.paid + agg.closed + agg.failed;
  return {
    period: { from: from.toISOString(), to: to.toISOString() },
    volume: agg.created,
    paid_count: agg.paid,
    paid_amount: agg.paid_amount,
    refunded_amount: agg.refunded_amount,
    // Of the payments that reached an end state, the share that was paid (open ones do not count yet).
    success_rate: settled === 0 ? null : agg.paid / settled,
    funnel: { created: agg.created, cashier: agg.reached_cashier, paid: agg.paid },
    series,
    open_reviews: openReviews,
    open_alerts: openAlerts,
  };
}
