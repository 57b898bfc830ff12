import { findPayment, findPaymentByOutTradeNo, type PaymentRow } from '../../db/payments.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';

/** A payment of this merchant; another merchant's id is indistinguishable from a missing one. */
export async function getPayment(ctx: Pick<ServiceContext, 'db'>, merchantId: string, id: string): Promise<PaymentRow> {
  const p = /^pay_[A-Za-z0-9]{1,64}$/.test(id) ? await findPayment(ctx.db, merchantId, id) : undefined;
  if (!p) throw new AppError('not_found', 'payment_not_found', 'No such payment.');
  return p;
}

export async function getPaymentByOutTradeNo(ctx: Pick<ServiceContext, 'db'>, merchantId: string, outTradeNo: string): Promise<PaymentRow | undefined> {
  return findPaymentByOutTradeNo(ctx.db, merchantId, outTradeNo);
}
