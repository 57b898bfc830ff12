import type { PaymentRow } from '../../db/payments.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { submitToWechat } from './create-payment.ts';
import { getPayment } from './get-payment.ts';

/**
 * `POST /v1/payments/{id}/h5-url`: a fresh h5_url (they last 5 minutes) by re-entering the order at
 * WeChat with identical fields. Refused once the order itself expired, or once it is no longer payable.
 */
export async function refreshH5Url(ctx: ServiceContext, merchantId: string, id: string): Promise<PaymentRow> {
  const payment = await getPayment(ctx, merchantId, id);
  if (payment.status !== 'created' && payment.status !== 'pending') {
    throw new AppError('conflict', 'payment_not_pending', 'The payment is not in a state that allows this.', { status: payment.status });
  }
  if (payment.expires_at.getTime() <= ctx.clock.now()) {
    throw new AppError('conflict', 'order_expired', 'The order has expired; create a new payment.', { expires_at: payment.expires_at.toISOString() });
  }
  const refreshed = await submitToWechat(ctx, payment);
  if (refreshed.status !== 'pending') {
    // WeChat reported it paid or closed meanwhile; the stored state now says so.
    throw new AppError('conflict', refreshed.status === 'succeeded' ? 'payment_already_paid' : 'payment_not_pending', 'The payment is not in a state that allows this.', {
      status: refreshed.status,
    });
  }
  return refreshed;
}
