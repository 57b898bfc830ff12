import { AppError } from '../../lib/errors.ts';
import { findPayment } from '../../db/payments.ts';
import { findRefund, listRefundsOfPayment } from '../../db/refunds.ts';
import { insertPaymentEvent } from '../../db/payment-events.ts';
import { setPaymentRisk } from '../../db/risk-decisions.ts';
import { findReview, updateReviewGuarded, type ReviewRow } from '../../db/risk-reviews.ts';
import { appendAudit } from '../../audit/append.ts';
import { getMerchant } from '../merchants/merchants.ts';
import type { ServiceContext } from '../context.ts';
import { emitEvent } from '../events/emit-event.ts';
import { paymentView } from '../payments/payment-view.ts';
import { createRefund } from '../refunds/create-refund.ts';
import { reviewEventData } from './post-payment.ts';
import { getReviewItem, type Reviewer } from './reviews.ts';

export const RISK_REFUND_REASON = 'risk review rejected';

/**
 * Derived from the review id, so a retried rejection re-enters the same refund (WeChat dedups on it).
 * Attempt n > 0 follows a refund WeChat refused or closed: that number is spent, so a new one is used.
 */
export function riskRefundNo(reviewId: string, attempt = 0): string {
  const suffix = attempt > 0 ? `_${attempt}` : '';
  return `risk_${reviewId}`.slice(0, 64 - suffix.length) + suffix;
}

/** Refund states that mean the money did not and will not go back: a rejection may try again. */
const SPENT: ReadonlySet<string> = new Set(['failed', 'closed']);

/** A rejected item with no refund yet, or whose refund WeChat refused or closed: rejecting again retries. */
async function refundSpent(ctx: Pick<ServiceContext, 'db'>, r: ReviewRow): Promise<boolean> {
  if (r.refund_id === null) return true;
  const refund = await findRefund(ctx.db, r.merchant_id, r.refund_id);
  return refund !== undefined && SPENT.has(refund.status);
}

/**
 * Reject: (1) in one transaction the item becomes `rejected`, the payment `risk.status = rejected`,
 * and the decision is audited; (2) outside any transaction, a full refund of what remains is created
 * (reserve → WeChat → record, like any refund); (3) the refund id is attached and
 * `payment.review_closed {approved: false, refund_id}` goes out. If (2) fails, the item stays
 * rejected without a refund id and rejecting it again resumes at (2): a refund whose outcome was
 * unknown is re-submitted with the same out_refund_no; after one WeChat refused, a new number is used.
 * The same holds when the refund is closed later (WeChat closed it, the money stayed): rejecting
 * again refunds under a new number and the item points at the new refund.
 */
export async function rejectReview(ctx: ServiceContext, who: Reviewer, id: string, note: string | null): Promise<ReviewRow> {
  const current = await getReviewItem(ctx, who, id);
  let review: ReviewRow;
  if (current.status === 'rejected' && (await refundSpent(ctx, current))) {
    review = current; // resume a rejection whose refund did not go through, or was closed since
  } else {
    review = await ctx.db.transaction().execute(async (trx) => {
      const now = new Date(ctx.clock.now());
      const updated = await updateReviewGuarded(trx, id, ['open', 'claimed'], { status: 'rejected', decided_by: who.operatorId, note, decided_at: now }, now);
      if (!updated) {
        const r = (await findReview(trx, id))!;
        throw new AppError('conflict', 'review_state_conflict', `The review item is ${r.status}; it cannot be rejected.`, { status: r.status });
      }
      const payment = await findPayment(trx, updated.merchant_id, updated.payment_id);
      if (payment) await setPaymentRisk(trx, payment.id, { ...(payment.risk ?? { score: 0, rules: [] }), status: 'rejected' }, now);
      await insertPaymentEvent(trx, updated.payment_id, 'risk_review_rejected', { review_id: id, by: who.operatorId }, now);
      await appendAudit(ctx, trx, {
        actor: { type: 'operator', id: who.operatorId },
        action: 'risk.review.rejected',
        target: { type: 'risk_review', id },
        merchantId: updated.merchant_id,
        outcome: 'success',
        ip: who.ip ?? null,
        data: { payment_id: updated.payment_id, note_present: note !== null },
      });
      return updated;
    });
  }

  const merchant = await getMerchant(ctx, review.merchant_id);
  const payment = await findPayment(ctx.db, review.merchant_id, review.payment_id);
  if (!payment) throw new AppError('not_found', 'payment_not_found', 'No such payment.');
  // This review's earlier refund attempts: one still alive (pending after an unknown outcome,
  // processing, succeeded) is resumed or reused; refused or closed ones are skipped with a new number.
  const prefix = riskRefundNo(review.id);
  const attempts = (await listRefundsOfPayment(ctx.db, payment.id)).filter((r) => r.out_refund_no === prefix || r.out_refund_no.startsWith(`${prefix}_`));
  const alive = attempts.find((r) => !SPENT.has(r.status));
  // The refund's own audit entry (refund.created) names the reviewer whose rejection caused it.
  const byReviewer = { actor: { type: 'operator' as const, id: who.operatorId }, ip: who.ip ?? null };
  let refundId: string | null = null;
  if (alive) {
    const refund = await createRefund(ctx, merchant, payment.id, { amount: Number(alive.amount), reason: RISK_REFUND_REASON, out_refund_no: alive.out_refund_no }, byReviewer);
    refundId = refund.id;
  } else {
    const remaining = Number(payment.amount) - Number(payment.refunded_amount);
    if (remaining > 0) {
      const refund = await createRefund(ctx, merchant, payment.id, { amount: remaining, reason: RISK_REFUND_REASON, out_refund_no: riskRefundNo(review.id, attempts.length) }, byReviewer);
      refundId = refund.id;
    }
  }

  return ctx.db.transaction().execute(async (trx) => {
    const now = new Date(ctx.clock.now());
    const updated = (await updateReviewGuarded(trx, id, ['rejected'], { refund_id: refundId }, now)) ?? review;
    const after = (await findPayment(trx, review.merchant_id, review.payment_id)) ?? payment;
    await emitEvent(ctx, trx, {
      merchantId: review.merchant_id,
      type: 'payment.review_closed',
      dedupKey: `payment.review_closed:${review.payment_id}`,
      data: { approved: false, refund_id: refundId, payment: paymentView(after), review: reviewEventData(updated) },
    });
    return updated;
  });
}
