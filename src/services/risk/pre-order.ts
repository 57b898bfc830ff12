import type { Merchant } from '../../domain/merchant.ts';
import { AppError } from '../../lib/errors.ts';
import type { Lang } from '../../lib/error-messages.ts';
import type { NewDecision } from '../../db/risk-decisions.ts';
import type { Db } from '../../db/merchants.ts';
import type { PaymentRisk } from '../../db/risk-tables.ts';
import type { RiskDecision } from '../../risk/index.ts';
import type { ServiceContext } from '../context.ts';
import type { CreatePaymentParams } from '../payments/payment-input.ts';
import { decisionRow, factsSnapshot, paymentRiskAfter, storeUnavailableDecision } from './decision-record.ts';

/**
 * The pre-order decision, taken after input validation and the idempotency claim, before the
 * reservation: one velocity store call (read + record the attempt atomically) and no database read
 * while the merchant's rule set is cached. The decision row is written by the caller inside the
 * reservation transaction (with the payment, or alone for a block).
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
  /** The caller's transaction when inside one (PGlite: never the pool from inside a transaction). */
  db: Db = ctx.db,
): Promise<PreOrderRisk | null> {
  if (!ctx.risk) return null;
  const m = await ctx.risk.forMerchant(db, merchant.id);
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
    ctx.risk.observe(decision);
    facts = { phase: 'pre_order', amount: params.amount, velocity_store: 'unavailable' };
  }
  const row = decisionRow(decision, facts, { ...ids, merchantId: merchant.id, phase: 'pre_order', ruleSetId: m.ruleSetId, now });
  const paymentRisk = decision.action === 'review' ? paymentRiskAfter(null, decision, 'flagged') : null;
  return { decision, row, paymentRisk };
}

/** The 403 the merchant receives for a block; the caller stores the decision (no payment row exists). */
export function riskBlockedError(risk: PreOrderRisk, lang: Lang): AppError {
  const rules = risk.decision.fired.filter((r) => r.action === 'block');
  return new AppError('forbidden', 'risk_blocked', 'The payment was refused by risk control.', {
    decision_id: risk.row.id,
    reasons: rules.map((r) => ({ rule_id: r.rule_id, reason: r.reason[lang] })),
  });
}
