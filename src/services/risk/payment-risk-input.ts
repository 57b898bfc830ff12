import type { PaymentRow } from '../../db/payments.ts';
import type { PaymentRiskInputRaw } from '../../risk/index.ts';

/**
 * The engine's input for a stored payment (post-payment decisions, outcomes, backtests). The openid
 * comes from WeChat's answer, not the row: the row keeps only a blind index and a mask of it.
 */
export function riskInputOf(
  p: Pick<PaymentRow, 'id' | 'merchant_id' | 'amount' | 'currency' | 'payer_client_ip' | 'device_id' | 'h5_type' | 'user_agent' | 'description'>,
  payerOpenid?: string | null,
): PaymentRiskInputRaw {
  return {
    payment_id: p.id,
    merchant_id: p.merchant_id,
    amount: Number(p.amount),
    currency: p.currency,
    payer_client_ip: p.payer_client_ip,
    ...(p.device_id ? { device_id: p.device_id } : {}),
    ...(p.h5_type ? { h5_type: p.h5_type } : {}),
    ...(p.user_agent ? { user_agent: p.user_agent } : {}),
    description: p.description.slice(0, 256),
    ...(payerOpenid ? { payer_openid: payerOpenid } : {}),
  };
}
