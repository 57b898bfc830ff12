import { findRefund, type RefundRow } from '../../db/refunds.ts';
import { findPayment } from '../../db/payments.ts';
import { AppError } from '../../lib/errors.ts';
import { queryRefund } from '../../wechatpay/refunds.ts';
import type { ServiceContext } from '../context.ts';
import { classifyOrRethrow } from '../payments/wechat-errors.ts';
import { applyRefundResult, type ApplyRefundOutcome } from './apply-refund.ts';
import { submitRefund } from './create-refund.ts';

export type QueryRefundResult = { outcome: ApplyRefundOutcome | 'resubmitted'; refund: RefundRow };

/**
 * Follows a refund at WeChat (the refund query job and the console). For a `pending` refund whose
 * create call ended in an unknown outcome, 404 RESOURCE_NOT_EXISTS means WeChat never accepted it, so it
 * is submitted again with the same out_refund_no — never a new one, which could refund twice.
 */
export async function queryRefundAtWechat(ctx: ServiceContext, merchantId: string, refundId: string): Promise<QueryRefundResult> {
  const refund = await findRefund(ctx.db, merchantId, refundId);
  if (!refund) throw new AppError('not_found', 'refund_not_found', 'No such refund.');
  const { client } = await ctx.wechat.forMerchant(merchantId);
  try {
    const answer = await queryRefund(client, refund.out_refund_no);
    const applied = await applyRefundResult(ctx, { merchantId, outRefundNo: refund.out_refund_no }, answer, 'query');
    return { outcome: applied.outcome, refund: applied.refund ?? refund };
  } catch (e) {
    const c = classifyOrRethrow(e);
    if ((c.wechatCode === 'RESOURCENOTEXISTS' || c.wechatCode === 'ORDERNOTEXIST') && refund.status === 'pending') {
      const payment = await findPayment(ctx.db, merchantId, refund.payment_id);
      if (!payment) throw new Error(`refund ${refund.id} without its payment`);
      return { outcome: 'resubmitted', refund: await submitRefund(ctx, refund, payment) };
    }
    throw c.error;
  }
}
