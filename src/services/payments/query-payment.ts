import { findPayment, type PaymentRow } from '../../db/payments.ts';
import { AppError } from '../../lib/errors.ts';
import { queryByOutTradeNo } from '../../wechatpay/transactions.ts';
import type { ServiceContext } from '../context.ts';
import { applyTransactionResult, type ApplyOutcome } from './apply-transaction.ts';
import { classifyOrRethrow } from './wechat-errors.ts';

/**
 * Asks WeChat about an order now and applies the answer (through the integrity check). Used by the
 * active-query job, by close/re-entry when WeChat says the order is paid or closed, and by the console.
 */
export async function queryAndApply(ctx: ServiceContext, payment: Pick<PaymentRow, 'id' | 'merchant_id' | 'out_trade_no'>): Promise<PaymentRow> {
  const r = await queryPaymentAtWechat(ctx, payment.merchant_id, payment.id);
  return r.payment;
}

export type QueryPaymentResult =
  | { found: true; outcome: ApplyOutcome; payment: PaymentRow; tradeState: string }
  /** WeChat has no such order (ORDER_NOT_EXIST): the create call never reached it. */
  | { found: false; payment: PaymentRow };

export async function queryPaymentAtWechat(ctx: ServiceContext, merchantId: string, paymentId: string): Promise<QueryPaymentResult> {
  const payment = await findPayment(ctx.db, merchantId, paymentId);
  if (!payment) throw new AppError('not_found', 'payment_not_found', 'No such payment.');
  const { client } = await ctx.wechat.forMerchant(merchantId);
  let tx;
  try {
    tx = await queryByOutTradeNo(client, payment.out_trade_no);
  } catch (e) {
    const c = classifyOrRethrow(e);
    if (c.wechatCode === 'ORDERNOTEXIST' || c.wechatCode === 'RESOURCENOTEXISTS') return { found: false, payment };
    throw c.error;
  }
  const applied = await applyTransactionResult(ctx, { merchantId, outTradeNo: payment.out_trade_no }, tx, 'query');
  return { found: true, outcome: applied.outcome, payment: applied.payment ?? payment, tradeState: tx.trade_state };
}
