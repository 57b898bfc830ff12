import { z } from 'zod';
import { parseIp } from './ip.ts';

/**
 * What the payment service tells the risk engine about one payment. Validated here because the
 * engine is also reachable from backtests over stored data, not only from checked HTTP input.
 */
export const paymentRiskInputSchema = z.strictObject({
  /** The payment's own id; it identifies its velocity events, so a retried record never double counts. */
  payment_id: z.string().min(1).max(64),
  merchant_id: z.string().min(1).max(64),
  /** Integer fen. */
  amount: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/).default('CNY'),
  payer_client_ip: z.string().refine((s) => parseIp(s) !== null, { message: 'not an IPv4 or IPv6 address' }),
  device_id: z.string().max(128).optional(),
  /** WeChat's h5_info.type: iOS, Android or Wap. */
  h5_type: z.string().max(32).optional(),
  user_agent: z.string().max(1024).optional(),
  description: z.string().max(256).optional(),
  /** Known only after payment. */
  payer_openid: z.string().max(128).optional(),
});
export type PaymentRiskInputRaw = z.input<typeof paymentRiskInputSchema>;
export type PaymentRiskInput = z.output<typeof paymentRiskInputSchema>;
