import type { Merchant } from '../../domain/merchant.ts';
import { AppError } from '../../lib/errors.ts';
import type { Lang } from '../../lib/error-messages.ts';
import { insertDecision, type NewDecision } from '../../db/risk-decisions.ts';
import type { PaymentRisk } from '../../db/risk-tables.ts';
import type { RiskDecision } from '../../risk/index.ts';
import type { ServiceContext } from '../context.ts';
import type { CreatePaymentParams } from '../payments/payment-input.ts';
import { decisionRow, factsSnapshot, paymentRiskAfter, storeUnavailableDecision } from './decision-record.ts';

/**
 * The pre-order decision, taken after input validation and before the reservation: one velocity
 * store call (read + record the attempt atomically) and no database read while the merchant's rule
 * set is cached. The decision row is written by the caller inside the reservation transaction.
 */
export interface PreOrderRisk {
  decision: RiskDecision;
  row: NewDecision;
  /** The payment's risk column: set when the order proceeds flagged. */
  paymentRisk: PaymentRisk | null;
}

export async function preOrderRisk(
  ctx: ServiceContext,
  merchant: Merchant,
  params: CreatePaymentParams,
  ids: { paymentId: string; outTradeNo: string },
): Promise<PreOrderRisk | null> {
  if (!ctx.risk) return null;
  const m = await ctx.risk.forMerchant(ctx.db, merchant.id);
  const now = new Date(ctx.clock.now());
  let decision: RiskDecision;
  let facts: Record<string, unknown>;
  try {
    const a = await ctx.risk.assessPreOrder(m, {
      payment_id: ids.paymentId,
      merchant_id: merchant.id,
      amount: params.amount,
      payer_client_ip: params.payer_client_ip,
      ...(params.device_id ? { device_id: params.device_id } : {}),
      h5_type: params.h5_type,
      ...(params.user_agent ? { user_agent: params.user_agent } : {}),
      description: params.description,
    });
    decision = a.decision;
    facts = factsSnapshot(a.facts);
  } catch (e) {
    if (!(e instanceof AppError && e.code === 'risk_store_unavailable')) throw e;
    ctx.logger.warn({ merchantId: merchant.id }, 'velocity store unavailable; order flagged for review');
    decision = storeUnavailableDecision(m.ruleSet.version);
    facts = { phase: 'pre_order', amount: params.amount, velocity_store: 'unavailable' };
  }
  const row = decisionRow(decision, facts, { ...ids, merchantId: merchant.id, phase: 'pre_order', ruleSetId: m.ruleSetId, now });
  const paymentRisk = decision.action === 'review' ? paymentRiskAfter(null, decision, 'flagged') : null;
  return { decision, row, paymentRisk };
}

/** Stores a block decision (no payment row exists) and builds the 403 the merchant receives. */
export async function refuseBlocked(ctx: ServiceContext, risk: PreOrderRisk, lang: Lang): Promise<never> {
  await insertDecision(ctx.db, risk.row);
  const rules = risk.decision.fired.filter((r) => r.action === 'block');
  throw new AppError('forbidden', 'risk_blocked', 'The payment was refused by risk control.', {
    decision_id: risk.row.id,
    reasons: rules.map((r) => ({ rule_id: r.rule_id, reason: r.reason[lang] })),
  });
}
