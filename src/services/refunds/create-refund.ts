import { z } from 'zod';
import type { Merchant } from '../../domain/merchant.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { releaseRefund, reserveRefund, type PaymentRow } from '../../db/payments.ts';
import { insertPaymentEvent } from '../../db/payment-events.ts';
import { findRefund, findRefundByOutRefundNo, insertRefund, succeededRefundTotal, updateRefundGuarded, type RefundRow } from '../../db/refunds.ts';
import { statusAfterRefunds } from '../../domain/payment-status.ts';
import { outRefundNoSchema } from '../../wechatpay/refunds.ts';
import type { ServiceContext } from '../context.ts';
import { emitEvent } from '../events/emit-event.ts';
import { recordIdempotentResource, type IdempotencyRef } from '../idempotency/idempotency.ts';
import { merchantNumber } from '../payments/derived-number.ts';
import { getPayment } from '../payments/get-payment.ts';
import { invalidRequest } from '../payments/payment-input.ts';
import { refundView } from '../payments/payment-view.ts';
import { notifyUrlFor, sendRefund } from '../payments/wechat-calls.ts';
import { classifyOrRethrow } from '../payments/wechat-errors.ts';
import { applyRefundResult } from './apply-refund.ts';
import { appendAudit, type AuditInput } from '../../audit/append.ts';

export const createRefundSchema = z.strictObject({
  amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('Amount to refund in fen (分)'),
  reason: z.string().min(1).max(80).optional().describe('Shown to the payer (1–80 characters)'),
  out_refund_no: outRefundNoSchema.optional().describe('Your refund number (1–64 of 0-9 A-Z a-z _ - | * @); generated when absent'),
});

/** First refund query if no notification arrives (WeChat settles most refunds within a minute). */
export const FIRST_REFUND_QUERY_DELAY_MS = 60_000;

export interface CreateRefundOptions {
  idempotency?: IdempotencyRef;
  resumeRefundId?: string | null;
  outRefundNoSeed?: string;
  /** Audit attribution: the merchant API passes its key, the admin API its operator; default `system`. */
  actor?: AuditInput['actor'];
  /** The client address recorded with the audit entry (merchant API client or console operator). */
  ip?: string | null | undefined;
}

/**
 * `POST /v1/payments/{id}/refunds`: reserve (refund row + conditional increment of the payment's
 * refunded amount, one transaction) → call WeChat with the refund's out_refund_no → record. The
 * reservation makes concurrent refunds unable to exceed the paid amount together; a definitive refusal
 * gives it back; an unknown outcome keeps it, with the refund `pending` for the refund query job, which
 * re-submits with the same out_refund_no (WeChat deduplicates on it).
 */
export async function createRefund(ctx: ServiceContext, merchant: Merchant, paymentId: string, input: unknown, opts: CreateRefundOptions = {}): Promise<RefundRow> {
  const parsed = createRefundSchema.safeParse(input);
  if (!parsed.success) throw invalidRequest(parsed.error);
  const params = parsed.data;
  const payment = await getPayment(ctx, merchant.id, paymentId);
  const refund = await reserve(ctx, payment, params, opts);
  if (refund.status !== 'pending') return refund;
  return submitRefund(ctx, refund, payment);
}

async function reserve(ctx: ServiceContext, payment: PaymentRow, params: z.output<typeof createRefundSchema>, opts: CreateRefundOptions): Promise<RefundRow> {
  if (opts.resumeRefundId) {
    const r = await findRefund(ctx.db, payment.merchant_id, opts.resumeRefundId);
    if (r) return r;
  }
  const outRefundNo = params.out_refund_no ?? merchantNumber(32, opts.outRefundNoSeed);
  const existing = await findRefundByOutRefundNo(ctx.db, payment.merchant_id, outRefundNo);
  if (existing) return sameRefundOrConflict(existing, payment, params.amount);
  const nowMs = ctx.clock.now();
  const now = new Date(nowMs);
  const result = await ctx.db.transaction().execute(async (trx) => {
    const row = await insertRefund(trx, {
      id: newId('re'),
      payment_id: payment.id,
      merchant_id: payment.merchant_id,
      out_refund_no: outRefundNo,
      amount: params.amount,
      reason: params.reason ?? null,
      next_query_at: new Date(nowMs + FIRST_REFUND_QUERY_DELAY_MS),
      created_at: now,
    });
    if (!row) return { kind: 'duplicate' as const };
    const reserved = await reserveRefund(trx, payment.id, params.amount, now);
    if (!reserved.ok) {
      // Throwing rolls the refund row back with the failed reservation.
      throw reserved.reason === 'limit_reached'
        ? new AppError('unprocessable', 'refund_limit_reached', 'A payment can be refunded at most 50 times.')
        : reserved.reason === 'not_refundable'
          ? new AppError('conflict', 'payment_not_refundable', 'Only a paid payment can be refunded.', { status: payment.status })
          : new AppError('unprocessable', 'refund_exceeds_amount', 'Refunds cannot exceed the amount paid.', {
              amount: Number(payment.amount),
              requested: params.amount,
            });
    }
    await insertPaymentEvent(trx, payment.id, 'refund_reserved', { refund_id: row.id, amount: params.amount }, now);
    if (opts.idempotency) await recordIdempotentResource({ db: trx }, opts.idempotency, row.id);
    await appendAudit(ctx, trx, {
      actor: opts.actor ?? { type: 'system', id: 'anfu' },
      action: 'refund.created',
      target: { type: 'refund', id: row.id },
      merchantId: payment.merchant_id,
      outcome: 'success',
      ip: opts.ip ?? null,
      data: { payment_id: payment.id, amount: params.amount, out_refund_no: outRefundNo },
    });
    return { kind: 'new' as const, row };
  });
  if (result.kind === 'new') return result.row;
  const raced = await findRefundByOutRefundNo(ctx.db, payment.merchant_id, outRefundNo);
  if (!raced) throw new Error('refund vanished after a unique conflict');
  return sameRefundOrConflict(raced, payment, params.amount);
}

function sameRefundOrConflict(r: RefundRow, payment: PaymentRow, amount: number): RefundRow {
  if (r.payment_id !== payment.id || Number(r.amount) !== amount) {
    throw new AppError('conflict', 'out_refund_no_conflict', 'A refund with this out_refund_no exists with different parameters.', { refund_id: r.id });
  }
  return r;
}

/** Sends (or re-sends, same out_refund_no) a pending refund to WeChat and records the answer. */
export async function submitRefund(ctx: ServiceContext, refund: RefundRow, payment: Pick<PaymentRow, 'out_trade_no' | 'amount'>): Promise<RefundRow> {
  const { client } = await ctx.wechat.forMerchant(refund.merchant_id);
  let answer;
  try {
    answer = await sendRefund(ctx, client, {
      out_trade_no: payment.out_trade_no,
      out_refund_no: refund.out_refund_no,
      ...(refund.reason ? { reason: refund.reason } : {}),
      notify_url: notifyUrlFor(ctx, refund.merchant_id),
      amount: { refund: Number(refund.amount), total: Number(payment.amount), currency: 'CNY' },
    });
  } catch (e) {
    const c = classifyOrRethrow(e);
    if (c.outcome === 'definitive') await failRefund(ctx, refund, c.error.code);
    else ctx.logger.warn({ refundId: refund.id, code: c.error.code }, 'WeChat refund outcome unknown; left pending for the refund query job');
    throw new AppError(c.error.kind, c.error.code, c.error.message, { ...c.error.details, refund_id: refund.id });
  }
  const applied = await applyRefundResult(ctx, { merchantId: refund.merchant_id, outRefundNo: refund.out_refund_no }, answer, 'create');
  return applied.refund ?? refund;
}

/** WeChat refused the refund outright: it will never happen, so the reservation and its slot go back. */
export async function failRefund(ctx: ServiceContext, refund: RefundRow, code: string): Promise<RefundRow | undefined> {
  const now = new Date(ctx.clock.now());
  return ctx.db.transaction().execute(async (trx) => {
    const row = await updateRefundGuarded(trx, refund.id, ['pending'], { status: 'failed', error: code, next_query_at: null }, now);
    if (!row) return undefined;
    const p = await trx.selectFrom('payments').select(['amount']).where('id', '=', refund.payment_id).executeTakeFirstOrThrow();
    const succeeded = await succeededRefundTotal(trx, refund.payment_id);
    await releaseRefund(trx, refund.payment_id, Number(refund.amount), statusAfterRefunds(Number(p.amount), succeeded), true, now);
    await insertPaymentEvent(trx, refund.payment_id, 'refund_failed', { refund_id: refund.id, code }, now);
    await emitEvent(ctx, trx, {
      merchantId: refund.merchant_id,
      type: 'refund.failed',
      dedupKey: `refund.failed:${refund.id}:failed`,
      data: { refund: refundView(row), abnormal: false, error: code },
    });
    return row;
  });
}
