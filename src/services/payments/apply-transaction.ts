import { createHash } from 'node:crypto';
import type { Transaction as DbTransaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { lockPaymentWithMerchant, updatePaymentGuarded, type PaymentPatch, type PaymentRow } from '../../db/payments.ts';
import { insertPaymentEvent } from '../../db/payment-events.ts';
import { checkTransactionIntegrity } from '../../domain/integrity.ts';
import { canTransition, statusForTradeState, PAID_STATUSES, type PaymentStatus } from '../../domain/payment-status.ts';
import type { Transaction } from '../../wechatpay/transaction-schema.ts';
import type { ServiceContext } from '../context.ts';
import { emitEvent, type EventType } from '../events/emit-event.ts';
import { paymentView } from './payment-view.ts';
import { withTransaction } from './with-transaction.ts';
import { decidePostPayment, reviewEventData } from '../risk/post-payment.ts';
import { riskInputOf } from '../risk/payment-risk-input.ts';
import { protectPersonalData } from '../custody/personal-data.ts';

export type TransactionSource = 'notification' | 'query' | 'create';
export type ApplyOutcome = 'applied' | 'already' | 'no_change' | 'integrity_mismatch' | 'unknown_payment';

export interface ApplyTransactionResult {
  outcome: ApplyOutcome;
  /** The payment after the call (absent for unknown_payment). */
  payment?: PaymentRow;
}

type Ctx = Pick<ServiceContext, 'db' | 'clock' | 'jobs' | 'logger' | 'risk' | 'vault'>;

const EVENT_FOR: Partial<Record<PaymentStatus, EventType>> = {
  succeeded: 'payment.succeeded',
  closed: 'payment.closed',
  failed: 'payment.failed',
};

/**
 * Applies what WeChat says about an order (a verified notification, a query answer) to the stored
 * payment — exactly once, whoever observes it first. The integrity check runs before anything else:
 * a transaction whose mchid, appid, out_trade_no, amount or currency differs from what we ordered
 * changes nothing and raises `payment.integrity_alert`, since it is either a bug or a forged answer.
 * The transition is a guarded UPDATE in one transaction with the timeline row and the outbox event, so
 * a notification racing a query yields one transition and one webhook.
 */
export async function applyTransactionResult(
  ctx: Ctx,
  ref: { merchantId: string; outTradeNo: string },
  transaction: Transaction,
  source: TransactionSource,
  trx?: DbTransaction<Database>,
): Promise<ApplyTransactionResult> {
  return withTransaction(ctx.db, trx, async (tx) => {
    const now = new Date(ctx.clock.now());
    const p = await lockPaymentWithMerchant(tx, ref.merchantId, ref.outTradeNo);
    if (!p) return { outcome: 'unknown_payment' };
    const { mchid, appid, ...payment } = p;

    const mismatches = checkTransactionIntegrity(
      { mchid, appid, out_trade_no: payment.out_trade_no, amount: Number(payment.amount), currency: payment.currency },
      transaction,
    ) as { field: string; expected: string | number; observed: string | number | null }[];
    // A paid order always has WeChat's id (and the database insists): a SUCCESS without one is malformed.
    if (statusForTradeState(transaction.trade_state) === 'succeeded' && !transaction.transaction_id) {
      mismatches.push({ field: 'transaction_id', expected: 'present', observed: null });
    }
    if (mismatches.length > 0) {
      const fingerprint = createHash('sha256').update(JSON.stringify(mismatches)).digest('hex').slice(0, 16);
      await insertPaymentEvent(tx, payment.id, 'integrity_mismatch', { source, mismatches, trade_state: transaction.trade_state }, now);
      await emitEvent(ctx, tx, {
        merchantId: payment.merchant_id,
        type: 'payment.integrity_alert',
        dedupKey: `payment.integrity_alert:${payment.id}:${source}:${fingerprint}`,
        data: { payment_id: payment.id, out_trade_no: payment.out_trade_no, source, mismatches },
      });
      ctx.logger.error({ paymentId: payment.id, source, fields: mismatches.map((m) => m.field) }, 'WeChat answer failed the integrity check; nothing changed');
      return { outcome: 'integrity_mismatch', payment };
    }

    const target = statusForTradeState(transaction.trade_state);
    if (target === null) return { outcome: 'no_change', payment };
    // A paid payment later partially refunded is still "succeeded" as far as the trade goes.
    if (payment.status === target || (target === 'succeeded' && PAID_STATUSES.includes(payment.status))) {
      return { outcome: 'already', payment };
    }
    if (!canTransition(payment.status, target)) {
      // E.g. WeChat says paid for an order we hold closed: money moved where our books say it cannot.
      await insertPaymentEvent(tx, payment.id, 'state_conflict', { source, from: payment.status, trade_state: transaction.trade_state }, now);
      ctx.logger.error({ paymentId: payment.id, from: payment.status, tradeState: transaction.trade_state }, 'WeChat state conflicts with a final local state');
      return { outcome: 'no_change', payment };
    }

    const patch: PaymentPatch = { status: target, wechat_trade_state: transaction.trade_state, next_query_at: null };
    if (target === 'succeeded') {
      patch.transaction_id = transaction.transaction_id ?? null;
      // The openid is personal data: sealed in the vault; the row keeps only a blind index and a mask.
      const openid = transaction.payer?.openid;
      if (openid) {
        const p = await protectPersonalData(ctx, tx, 'openid', { type: 'payment', id: payment.id }, openid);
        patch.payer_openid_index = p.index;
        patch.payer_openid_masked = p.masked;
      }
      const paidAt = transaction.success_time ? new Date(transaction.success_time) : now;
      patch.paid_at = Number.isNaN(paidAt.getTime()) ? now : paidAt;
    }
    const from = (['created', 'pending'] as const).filter((s) => canTransition(s, target));
    let updated = await updatePaymentGuarded(tx, payment.id, from, patch, now);
    if (!updated) return { outcome: 'already', payment };
    await insertPaymentEvent(tx, payment.id, target, { source, trade_state: transaction.trade_state, transaction_id: transaction.transaction_id ?? null }, now);
    // Post-payment risk runs before the event so `payment.succeeded` already says `in_review` when held.
    const held = target === 'succeeded' ? await decidePostPayment(ctx, tx, updated, transaction.payer?.openid ?? null) : undefined;
    if (held) updated = held.payment;
    if (target === 'failed') ctx.risk?.recordOutcome(riskInputOf(updated), 'failed');
    const type = EVENT_FOR[target];
    if (type) await emitEvent(ctx, tx, { merchantId: payment.merchant_id, type, dedupKey: `${type}:${payment.id}`, data: { payment: paymentView(updated) } });
    if (held?.review) {
      await emitEvent(ctx, tx, {
        merchantId: payment.merchant_id,
        type: 'payment.review_opened',
        dedupKey: `payment.review_opened:${payment.id}`,
        data: { payment: paymentView(updated), review: reviewEventData(held.review) },
      });
    }
    return { outcome: 'applied', payment: updated };
  });
}
