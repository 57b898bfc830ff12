import type { Transaction } from 'kysely';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Database } from '../../db/schema.ts';
import type { PaymentRow } from '../../db/payments.ts';
import { insertPaymentEvent } from '../../db/payment-events.ts';
import { insertDecision, setPaymentRisk } from '../../db/risk-decisions.ts';
import { insertReview, reviewSlaSeconds, type ReviewRow } from '../../db/risk-reviews.ts';
import type { RiskDecision } from '../../risk/index.ts';
import type { ServiceContext } from '../context.ts';
import { decisionRow, factsSnapshot, paymentRiskAfter, storeUnavailableDecision } from './decision-record.ts';
import { riskInputOf } from './payment-risk-input.ts';

/**
 * The post-payment decision, in the transaction that records the success (so the payment, its
 * decision, the review item and the `payment.succeeded` event commit together). The payer's openid
 * is known now. `review` or `block` holds the payment: H5 pay has no capture step, so holding means
 * the merchant is told to wait (`risk.status = in_review`) until a reviewer approves or rejects.
 *
 * With the Redis store this is one Redis round trip under the payment's row lock, bounded by the
 * store's command timeout (500 ms); a timeout holds the payment rather than failing the notification.
 */
export interface PostPaymentOutcome {
  payment: PaymentRow;
  review?: ReviewRow;
}

type Ctx = Pick<ServiceContext, 'clock' | 'logger' | 'risk'>;

export async function decidePostPayment(ctx: Ctx, tx: Transaction<Database>, payment: PaymentRow, payerOpenid: string | null): Promise<PostPaymentOutcome> {
  if (!ctx.risk) return { payment };
  const m = await ctx.risk.forMerchant(tx, payment.merchant_id);
  const now = new Date(ctx.clock.now());
  let decision: RiskDecision;
  let facts: Record<string, unknown>;
  try {
    const a = await ctx.risk.assessPostPayment(m, riskInputOf(payment, payerOpenid));
    decision = a.decision;
    facts = factsSnapshot(a.facts);
  } catch (e) {
    if (!(e instanceof AppError) || (e.code !== 'risk_store_unavailable' && e.code !== 'risk_input_invalid')) throw e;
    ctx.logger.warn({ paymentId: payment.id, code: e.code }, 'post-payment risk decision without facts; payment held for review');
    decision = storeUnavailableDecision(m.ruleSet.version);
    ctx.risk.observe(decision);
    facts = { phase: 'post_payment', amount: Number(payment.amount), velocity_store: 'unavailable' };
  }
  const row = decisionRow(decision, facts, {
    paymentId: payment.id,
    merchantId: payment.merchant_id,
    outTradeNo: payment.out_trade_no,
    phase: 'post_payment',
    ruleSetId: m.ruleSetId,
    now,
  });
  const stored = await insertDecision(tx, row);
  // Already decided (the success was applied before and this is a replay): nothing more to do.
  if (!stored || decision.action === 'allow') return { payment };

  const slaSeconds = await reviewSlaSeconds(tx, payment.merchant_id);
  const review = await insertReview(tx, {
    id: newId('rv'),
    payment_id: payment.id,
    merchant_id: payment.merchant_id,
    decision_id: stored.id,
    reason: stored.fired,
    due_at: new Date(now.getTime() + slaSeconds * 1000),
    now,
  });
  if (!review) return { payment };
  const updated = (await setPaymentRisk(tx, payment.id, paymentRiskAfter(payment.risk, decision, 'in_review'), now)) ?? payment;
  await insertPaymentEvent(tx, payment.id, 'risk_review_opened', { review_id: review.id, decision_id: stored.id, rules: stored.fired.map((r) => r.rule_id) }, now);
  return { payment: updated, review };
}

/** The `data` of `payment.review_opened` / `payment.review_closed`, beside the payment view. */
export function reviewEventData(review: ReviewRow): Record<string, unknown> {
  return {
    id: review.id,
    status: review.status,
    due_at: review.due_at.toISOString(),
    rules: review.reason.map((r) => ({ rule_id: r.rule_id, action: r.action, reason: r.reason })),
    ...(review.decided_at ? { decided_at: review.decided_at.toISOString(), note: review.note } : {}),
    ...(review.refund_id ? { refund_id: review.refund_id } : {}),
  };
}
