import type { PaymentStatus } from '../db/schema.ts';
import { findPayerStatus } from '../db/payer-status.ts';
import { queryByOutTradeNo } from '../wechatpay/transactions.ts';
import type { ServiceContext } from './context.ts';
import { applyTransactionResult } from './payments/apply-transaction.ts';

/**
 * What the hosted return page may learn about a payment: its status, and where the payer can start
 * again (the merchant's first H5 domain, or an override such as the sandbox's demo shop).
 */
export interface PayerPaymentInfo {
  status: PaymentStatus;
  retryUrl: string | null;
}

export interface PayerPagesOptions {
  /** Where a payer of this merchant starts again; default `https://<first H5 domain>/` in live mode. */
  retryUrlFor?: (merchantId: string) => string | null;
}

export async function findPaymentForPayer(ctx: Pick<ServiceContext, 'db' | 'mode'>, id: string, opts: PayerPagesOptions = {}): Promise<PayerPaymentInfo | undefined> {
  const row = await findPayerStatus(ctx.db, id);
  if (!row) return undefined;
  const override = opts.retryUrlFor?.(row.merchant_id);
  const first = row.h5_domains[0];
  const fallback = first && ctx.mode === 'live' ? `https://${first}/` : null;
  return { status: row.status, retryUrl: override ?? fallback };
}

/**
 * "确认支付情况": asks WeChat now (one query) and applies the answer through the same exactly-once path
 * as notifications and the query sweep. Finished payments are left alone. Errors propagate; the caller
 * keeps the page polling and the sweep still queries the payment on its schedule.
 */
export async function confirmPaymentForPayer(ctx: ServiceContext, id: string): Promise<void> {
  const row = await findPayerStatus(ctx.db, id);
  if (!row || (row.status !== 'created' && row.status !== 'pending')) return;
  const { client } = await ctx.wechat.forMerchant(row.merchant_id);
  const transaction = await queryByOutTradeNo(client, row.out_trade_no);
  await applyTransactionResult(ctx, { merchantId: row.merchant_id, outTradeNo: row.out_trade_no }, transaction, 'query');
}
