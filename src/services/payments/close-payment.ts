import { appendAudit, type AuditInput } from '../../audit/append.ts';
import { updatePaymentGuarded, findPayment, type PaymentRow } from '../../db/payments.ts';
import { insertPaymentEvent } from '../../db/payment-events.ts';
import { PAID_STATUSES } from '../../domain/payment-status.ts';
import { AppError } from '../../lib/errors.ts';
import { closeOrder } from '../../wechatpay/transactions.ts';
import type { ServiceContext } from '../context.ts';
import { emitEvent } from '../events/emit-event.ts';
import { getPayment } from './get-payment.ts';
import { paymentView } from './payment-view.ts';
import { queryAndApply } from './query-payment.ts';
import { classifyOrRethrow } from './wechat-errors.ts';

/**
 * `POST /v1/payments/{id}/close` (also the expiry job): close at WeChat first, then locally, so a payer
 * cannot pay an order we consider closed. If WeChat says it is paid, the payment is queried and the
 * success applied, and the caller learns `payment_already_paid`. Closing a closed payment is a no-op.
 */
export async function closePayment(
  ctx: ServiceContext,
  merchantId: string,
  id: string,
  reason: 'merchant' | 'expired' = 'merchant',
  /** Who closes it (merchant API key or console operator): audited in the transaction that closes it. */
  by?: { actor: AuditInput['actor']; ip?: string | null | undefined },
): Promise<PaymentRow> {
  const payment = await getPayment(ctx, merchantId, id);
  if (payment.status === 'closed') return payment;
  if (PAID_STATUSES.includes(payment.status)) throw alreadyPaid();
  if (payment.status === 'failed') throw new AppError('conflict', 'payment_not_pending', 'The payment is not in a state that allows this.', { status: payment.status });

  const { client } = await ctx.wechat.forMerchant(merchantId);
  try {
    await closeOrder(client, payment.out_trade_no);
  } catch (e) {
    const c = classifyOrRethrow(e);
    if (c.wechatCode === 'ORDERPAID') {
      const settled = await queryAndApply(ctx, payment);
      if (PAID_STATUSES.includes(settled.status)) throw alreadyPaid();
      throw c.error;
    }
    // ORDER_CLOSED: already closed there; ORDER_NOT_EXIST: the create never reached WeChat. Both mean
    // nobody can pay it, so closing locally is right.
    if (c.wechatCode !== 'ORDERCLOSED' && c.wechatCode !== 'ORDERNOTEXIST' && c.wechatCode !== 'RESOURCENOTEXISTS') throw c.error;
  }
  const now = new Date(ctx.clock.now());
  const closed = await ctx.db.transaction().execute(async (trx) => {
    const row = await updatePaymentGuarded(trx, payment.id, ['created', 'pending'], { status: 'closed', wechat_trade_state: 'CLOSED', next_query_at: null }, now);
    if (!row) return undefined;
    await insertPaymentEvent(trx, payment.id, 'closed', { reason }, now);
    await emitEvent(ctx, trx, { merchantId, type: 'payment.closed', dedupKey: `payment.closed:${payment.id}`, data: { payment: paymentView(row) } });
    if (by) await appendAudit(ctx, trx, { actor: by.actor, action: 'payment.closed', target: { type: 'payment', id: payment.id }, merchantId, outcome: 'success', ip: by.ip ?? null });
    return row;
  });
  if (closed) return closed;
  // Someone settled it between our read and our write (a success notification): report what won.
  const now2 = await findPayment(ctx.db, merchantId, id);
  if (now2 && PAID_STATUSES.includes(now2.status)) throw alreadyPaid();
  return now2 ?? payment;
}

function alreadyPaid(): AppError {
  return new AppError('conflict', 'payment_already_paid', 'The payment has already been paid.');
}
