import type { Merchant } from '../../domain/merchant.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { toRfc3339Cst } from '../../lib/clock.ts';
import { findPayment, findPaymentByOutTradeNo, insertPayment, updatePaymentGuarded, type PaymentRow } from '../../db/payments.ts';
import { insertPaymentEvent } from '../../db/payment-events.ts';
import { recordIdempotentResource, type IdempotencyRef } from '../idempotency/idempotency.ts';
import type { ServiceContext } from '../context.ts';
import { parseCreatePayment, sameOrder, type CreatePaymentParams } from './payment-input.ts';
import { merchantNumber } from './derived-number.ts';
import { notifyUrlFor, sendH5Order } from './wechat-calls.ts';
import { classifyOrRethrow } from './wechat-errors.ts';
import { queryAndApply } from './query-payment.ts';
import type { Lang } from '../../lib/error-messages.ts';
import { insertDecision } from '../../db/risk-decisions.ts';
import { preOrderRisk, refuseBlocked, type PreOrderRisk } from '../risk/pre-order.ts';
import { riskInputOf } from '../risk/payment-risk-input.ts';

/** WeChat's h5_url is valid for 5 minutes (spec §4.1). */
export const H5_URL_TTL_MS = 5 * 60_000;
/** First active query after creation; the query job backs off from there. */
export const FIRST_QUERY_DELAY_MS = 15_000;

export interface CreatePaymentOptions {
  /** The Idempotency-Key in force: the reserved payment is recorded on it so a takeover can resume it. */
  idempotency?: IdempotencyRef;
  /** A payment the first attempt of this idempotent request reserved (recovered lock). */
  resumePaymentId?: string | null;
  /** Seed for a generated out_trade_no (see merchantNumber). */
  outTradeNoSeed?: string;
  /** The caller's language, for the reasons of a risk refusal. */
  lang?: Lang;
}

/** Tests only: runs after WeChat answered and before the answer is recorded (to simulate a crash there). */
export const createPaymentTestHooks: { afterWechatCall?: (paymentId: string) => void | Promise<void> } = {};

/**
 * `POST /v1/payments`: validate → reserve (a `created` row, committed) → call WeChat → record `pending`.
 * No transaction spans the WeChat call. A retry of the same order (same out_trade_no and parameters, or
 * the same Idempotency-Key) finds the reserved row and re-enters WeChat with identical fields, which
 * WeChat answers with a fresh h5_url for the same order: that is how a crash or a timeout between the
 * call and the record heals.
 */
export async function createPayment(ctx: ServiceContext, merchant: Merchant, input: unknown, opts: CreatePaymentOptions = {}): Promise<PaymentRow> {
  const params = parseCreatePayment(input, merchant, ctx.mode);
  const ids = { paymentId: newId('pay'), outTradeNo: params.out_trade_no ?? merchantNumber(32, opts.outTradeNoSeed) };
  // Risk decides before the reservation and the WeChat call. A takeover of an idempotent request
  // resumes a payment that was already decided, so it is not decided (nor counted) twice.
  let risk = opts.resumePaymentId ? null : await preOrderRisk(ctx, merchant, params, ids);
  if (risk?.decision.action === 'block') {
    // A retry of an order accepted before the block answers with that order, as any re-entry does.
    const existing = await findPaymentByOutTradeNo(ctx.db, merchant.id, ids.outTradeNo);
    if (!existing) await refuseBlocked(ctx, risk, opts.lang ?? 'en');
    risk = null;
  }
  const payment = await reserve(ctx, merchant, params, opts, ids, risk);
  if (payment.status !== 'created') return payment; // already accepted (or settled): nothing to call
  return submitToWechat(ctx, payment);
}

async function reserve(
  ctx: ServiceContext,
  merchant: Merchant,
  params: CreatePaymentParams,
  opts: CreatePaymentOptions,
  ids: { paymentId: string; outTradeNo: string },
  risk: PreOrderRisk | null,
): Promise<PaymentRow> {
  if (opts.resumePaymentId) {
    const p = await findPayment(ctx.db, merchant.id, opts.resumePaymentId);
    if (p) return p;
  }
  const nowMs = ctx.clock.now();
  const outTradeNo = ids.outTradeNo;
  const inserted = await ctx.db.transaction().execute(async (trx) => {
    const row = await insertPayment(trx, {
      id: ids.paymentId,
      merchant_id: merchant.id,
      out_trade_no: outTradeNo,
      amount: params.amount,
      description: params.description,
      payer_client_ip: params.payer_client_ip,
      h5_type: params.h5_type,
      redirect_url: params.redirect_url ?? null,
      attach: params.attach ?? null,
      metadata: params.metadata,
      expires_at: new Date(nowMs + params.expires_in_seconds * 1000),
      next_query_at: new Date(nowMs + FIRST_QUERY_DELAY_MS),
      created_at: new Date(nowMs),
      device_id: params.device_id ?? null,
      user_agent: params.user_agent ?? null,
      risk: risk?.paymentRisk ? JSON.stringify(risk.paymentRisk) : null,
    });
    if (row) {
      await insertPaymentEvent(trx, row.id, 'created', { amount: params.amount }, new Date(nowMs));
      // The decision commits with the payment it decided, or not at all.
      if (risk) await insertDecision(trx, risk.row);
      if (risk?.paymentRisk) await insertPaymentEvent(trx, row.id, 'risk_flagged', { decision_id: risk.row.id, rules: risk.paymentRisk.rules.map((r) => r.rule_id) }, new Date(nowMs));
      if (opts.idempotency) await recordIdempotentResource({ db: trx }, opts.idempotency, row.id);
    }
    return row;
  });
  if (inserted) return inserted;
  const existing = await findPaymentByOutTradeNo(ctx.db, merchant.id, outTradeNo);
  if (!existing) throw new Error('payment vanished after a unique conflict');
  if (!sameOrder(existing, params)) {
    throw new AppError('conflict', 'out_trade_no_conflict', 'A payment with this out_trade_no exists with different parameters.', {
      payment_id: existing.id,
    });
  }
  return existing;
}

/** Calls WeChat for a `created` payment and records the outcome; used by create and by identical re-entry. */
export async function submitToWechat(ctx: ServiceContext, payment: PaymentRow): Promise<PaymentRow> {
  const { client } = await ctx.wechat.forMerchant(payment.merchant_id);
  let h5Url: string;
  try {
    const res = await sendH5Order(ctx, client, {
      description: payment.description,
      out_trade_no: payment.out_trade_no,
      // Part of the order: WeChat treats a re-entry with another time_expire as a different order.
      time_expire: toRfc3339Cst(payment.expires_at.getTime()),
      ...(payment.attach !== null ? { attach: payment.attach } : {}),
      notify_url: notifyUrlFor(ctx, payment.merchant_id),
      amount: { total: Number(payment.amount), currency: 'CNY' },
      scene_info: {
        payer_client_ip: payment.payer_client_ip,
        ...(payment.device_id ? { device_id: payment.device_id } : {}),
        h5_info: { type: payment.h5_type ?? 'Wap' },
      },
    });
    h5Url = res.h5_url;
  } catch (e) {
    return handleRefusal(ctx, payment, e);
  }
  await createPaymentTestHooks.afterWechatCall?.(payment.id);
  const now = new Date(ctx.clock.now());
  const recorded = await ctx.db.transaction().execute(async (trx) => {
    const row = await updatePaymentGuarded(trx, payment.id, ['created', 'pending'], { status: 'pending', h5_url: h5Url, h5_url_expires_at: new Date(now.getTime() + H5_URL_TTL_MS) }, now);
    if (row) await insertPaymentEvent(trx, payment.id, payment.status === 'created' ? 'wechat_accepted' : 'h5_url_refreshed', {}, now);
    return row;
  });
  // Not updated: a notification or a query settled it meanwhile; answer with what is stored.
  return recorded ?? (await findPayment(ctx.db, payment.merchant_id, payment.id)) ?? payment;
}

async function handleRefusal(ctx: ServiceContext, payment: PaymentRow, e: unknown): Promise<PaymentRow> {
  const c = classifyOrRethrow(e);
  const details = { ...c.error.details, payment_id: payment.id };
  // Paid or closed already (a re-entry after the payer acted): learn the truth and answer with it.
  if (c.wechatCode === 'ORDERPAID' || c.wechatCode === 'ORDERCLOSED') {
    const settled = await queryAndApply(ctx, payment).catch(() => undefined);
    if (settled && settled.status !== 'created' && settled.status !== 'pending') return settled;
  }
  if (c.outcome === 'definitive' && payment.status === 'created') {
    const now = new Date(ctx.clock.now());
    await ctx.db.transaction().execute(async (trx) => {
      const row = await updatePaymentGuarded(trx, payment.id, ['created'], { status: 'failed', next_query_at: null }, now);
      if (row) await insertPaymentEvent(trx, payment.id, 'wechat_refused', { code: c.error.code, wechat_code: c.wechatCode ?? null }, now);
    });
    ctx.risk?.recordOutcome(riskInputOf(payment), 'failed');
  } else if (c.outcome === 'unknown') {
    ctx.logger.warn({ paymentId: payment.id, code: c.error.code }, 'WeChat order outcome unknown; left for re-entry or the query job');
  }
  throw new AppError(c.error.kind, c.error.code, c.error.message, details);
}
