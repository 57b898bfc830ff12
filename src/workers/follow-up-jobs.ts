import { findPayment } from '../db/payments.ts';
import { findRefund } from '../db/refunds.ts';
import { isAppError } from '../lib/errors.ts';
import { queryRefund } from '../wechatpay/refunds.ts';
import { closePayment } from '../services/payments/close-payment.ts';
import { queryPaymentAtWechat } from '../services/payments/query-payment.ts';
import { applyRefundResult } from '../services/refunds/apply-refund.ts';
import type { ServiceContext } from '../services/context.ts';

/**
 * The bodies of the `payment-query` and `refund-query` jobs. Each asks WeChat (outside any database
 * transaction) and applies the answer through the same guarded services as notifications, so a query
 * racing a notification still yields one transition and one webhook. Failures are logged, not thrown:
 * the sweep has already moved `next_query_at` forward, so the row comes back on its schedule.
 */
export type PaymentFollowUp = 'settled' | 'queried' | 'not_at_wechat' | 'closed' | 'already_paid' | 'error';

export async function runPaymentQuery(ctx: ServiceContext, job: { paymentId: string; merchantId: string }): Promise<PaymentFollowUp> {
  const p = await findPayment(ctx.db, job.merchantId, job.paymentId);
  if (!p || (p.status !== 'created' && p.status !== 'pending')) return 'settled';
  try {
    if (p.expires_at.getTime() <= ctx.clock.now()) {
      // Expired: close at WeChat first so the payer cannot pay it later; a paid order is applied instead.
      const closed = await closePayment(ctx, p.merchant_id, p.id, 'expired');
      return closed.status === 'closed' ? 'closed' : 'queried';
    }
    const r = await queryPaymentAtWechat(ctx, p.merchant_id, p.id);
    return r.found ? 'queried' : 'not_at_wechat';
  } catch (err) {
    if (isAppError(err) && err.code === 'payment_already_paid') return 'already_paid';
    ctx.logger.warn({ err: describe(err), paymentId: p.id }, 'payment follow-up query failed; will retry on schedule');
    return 'error';
  }
}

export type RefundFollowUp = 'settled' | 'queried' | 'error';

export async function runRefundQuery(ctx: ServiceContext, job: { refundId: string; merchantId: string }): Promise<RefundFollowUp> {
  const r = await findRefund(ctx.db, job.merchantId, job.refundId);
  if (!r || (r.status !== 'pending' && r.status !== 'processing')) return 'settled';
  try {
    const { client } = await ctx.wechat.forMerchant(r.merchant_id);
    const answer = await queryRefund(client, r.out_refund_no);
    await applyRefundResult(ctx, { merchantId: r.merchant_id, outRefundNo: r.out_refund_no }, answer, 'query');
    return 'queried';
  } catch (err) {
    ctx.logger.warn({ err: describe(err), refundId: r.id }, 'refund follow-up query failed; will retry on schedule');
    return 'error';
  }
}

/** Error name, code and message only: WeChat errors never carry secrets, but stay terse in logs. */
function describe(err: unknown): Record<string, unknown> {
  const e = err as { name?: string; code?: string; reason?: string; message?: string };
  return { name: e?.name, code: e?.code ?? e?.reason, message: e?.message };
}
