/**
 * Builders shared by the risk tests and the benchmark: a plausible payment and full fact sets.
 * Not test doubles; real inputs with overridable fields.
 */
import { buildFacts } from './build-facts.ts';
import type { RiskFacts, RiskPhase } from './facts.ts';
import { parseIp } from './ip.ts';
import { emptyRiskLists } from './lists.ts';
import type { PaymentRiskInputRaw } from './payment-input.ts';
import { paymentRiskInputSchema } from './payment-input.ts';

export const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';

let seq = 0;
export function paymentInput(overrides: Partial<PaymentRiskInputRaw> = {}): PaymentRiskInputRaw {
  seq++;
  return {
    payment_id: `pay_${seq}`,
    merchant_id: 'm_1',
    amount: 1_000,
    currency: 'CNY',
    payer_client_ip: '203.0.113.7',
    device_id: 'dev_1',
    h5_type: 'iOS',
    user_agent: WECHAT_UA,
    description: 'T-shirt',
    ...overrides,
  };
}

/** Facts with no velocity history, as for a first payment. */
export function baseFacts(overrides: Partial<RiskFacts> = {}, phase: RiskPhase = 'pre_order', now = 1_750_000_000_000): RiskFacts {
  const input = paymentRiskInputSchema.parse(paymentInput());
  const facts = buildFacts({ input, ip: parseIp(input.payer_client_ip)! }, phase, now, {}, emptyRiskLists);
  return { ...facts, ...overrides };
}
