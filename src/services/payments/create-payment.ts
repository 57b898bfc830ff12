import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Merchant } from '../../domain/merchant.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { toRfc3339Cst } from '../../lib/clock.ts';
import { findPayment, findPaymentByOutTradeNo, updatePaymentGuarded, type PaymentRow } from '../../db/payments.ts';
import { insertPaymentEvent } from '../../db/payment-events.ts';
import { recordWechatAcceptance, reservePaymentRows } from '../../db/payment-order-path.ts';
import type { IdempotencySession } from '../idempotency/idempotency.ts';
import type { ServiceContext } from '../context.ts';
import { parseCreatePayment, sameOrder, type CreatePaymentParams } from './payment-input.ts';
import { merchantNumber } from './derived-number.ts';
import { notifyUrlFor, sendH5Order } from './wechat-calls.ts';
import { classifyOrRethrow } from './wechat-errors.ts';
import { queryAndApply } from './query-payment.ts';
import type { Lang } from '../../lib/error-messages.ts';
import { insertDecision } from '../../db/risk-decisions.ts';
import { preOrderRisk, riskBlockedError, type PreOrderRisk } from '../risk/pre-order.ts';
import { riskInputOf } from '../risk/payment-risk-input.ts';

/** WeChat's h5_url is valid for 5 minutes (spec §4.1). */
export const H5_URL_TTL_MS = 5 * 60_000;
/** First active query after creation; the query job backs off from there. */
export const FIRST_QUERY_DELAY_MS = 15_000;

/** The response an idempotent request stores for a payment (the route's view of it). */
export type PaymentResponse = (p: PaymentRow) => { status: number; body: unknown };

export interface CreatePaymentOptions {
  /**
   * The request's Idempotency-Key: claimed inside the reservation transaction, the reserved payment is
   * recorded on it (a takeover resumes it: `resumeId`), and `responseFor` is stored on it in the same
   * statement that records WeChat's answer.
   */
  idempotency?: IdempotencySession;
  responseFor?: PaymentResponse;
  /** Seed for a generated out_trade_no (see merchantNumber). */
  outTradeNoSeed?: string;
  /** The caller's language, for the reasons of a risk refusal. */
  lang?: Lang;
}

/**
 * Tests only: `afterWechatCall` runs after WeChat answered and before the answer is recorded (to
 * simulate a crash there); `insideReservation` runs in the claim transaction after the risk decision,
 * before the reservation statement (a failure there must leave nothing behind).
 */
export const createPaymentTestHooks: { afterWechatCall?: (paymentId: string) => void | Promise<void>; insideReservation?: () => void | Promise<void> } = {};

type Reserved = { kind: 'payment'; payment: PaymentRow } | { kind: 'blocked'; risk: PreOrderRisk } | { kind: 'conflict'; existing: PaymentRow };

/**
 * `POST /v1/payments`: validate → reserve (a `created` row, committed) → call WeChat → record `pending`.
 * No transaction spans the WeChat call. Two transactions in all: (1) the idempotency claim, the risk
 * decision and the reservation commit together (one statement besides the claim); (2) the record of
 * WeChat's answer and the stored idempotent response are one statement. A retry of the same order (same
 * out_trade_no and parameters, or the same Idempotency-Key) finds the reserved row and re-enters WeChat
 * with identical fields, which WeChat answers with a fresh h5_url for the same order: that is how a crash
 * or a timeout between the call and the record heals.
 */
export async function createPayment(ctx: ServiceContext, merchant: Merchant, input: unknown, opts: CreatePaymentOptions = {}): Promise<PaymentRow> {
  const params = parseCreatePayment(input, merchant, ctx.mode);
  const ids = { paymentId: newId('pay'), outTradeNo: params.out_trade_no ?? merchantNumber(32, opts.outTradeNoSeed) };
  const reserved = await reserve(ctx, merchant, params, opts, ids);
  if (reserved.kind === 'blocked') throw riskBlockedError(reserved.risk, opts.lang ?? 'en');
  if (reserved.kind === 'conflict') {
    throw new AppError('conflict', 'out_trade_no_conflict', 'A payment with this out_trade_no exists with different parameters.', {
      payment_id: reserved.existing.id,
    });
  }
  const payment = reserved.payment;
  if (payment.status !== 'created') return payment; // already accepted (or settled): nothing to call
  const session = opts.idempotency;
  return submitToWechat(ctx, payment, session && opts.responseFor ? { session, responseFor: opts.responseFor } : undefined);
}

/**
 * One transaction: claim the Idempotency-Key (a replay, a 409 or a 422 stops here, before risk counts
 * an attempt), decide risk, and reserve. Outcomes that end the request are returned, not thrown, so
 * the claim (and a block's decision) commit; the caller throws after the commit.
 */
async function reserve(
  ctx: ServiceContext,
  merchant: Merchant,
  params: CreatePaymentParams,
  opts: CreatePaymentOptions,
  ids: { paymentId: string; outTradeNo: string },
): Promise<Reserved> {
  const session = opts.idempotency;
  const inTransaction = (fn: (trx: Transaction<Database>) => Promise<Reserved>): Promise<Reserved> =>
    session ? session.inClaimTransaction(fn) : ctx.db.transaction().execute(fn);
  return inTransaction(async (trx) => {
    // A takeover of an idempotent request resumes the payment the first attempt reserved; it was
    // decided then, so it is not decided (nor counted) twice.
    const resumeId = session?.resumeId ?? null;
    if (resumeId) {
      const p = await findPayment(trx, merchant.id, resumeId);
      if (p) return { kind: 'payment', payment: p };
    }
    let risk = resumeId ? null : await preOrderRisk(ctx, merchant, params, ids, trx);
    if (risk?.decision.action === 'block') {
      // A retry of an order accepted before the block answers with that order, as any re-entry does.
      if (!(await findPaymentByOutTradeNo(trx, merchant.id, ids.outTradeNo))) {
        await insertDecision(trx, risk.row);
        return { kind: 'blocked', risk };
      }
      risk = null;
    }
    await createPaymentTestHooks.insideReservation?.();
    const nowMs = ctx.clock.now();
    const row = await reservePaymentRows(trx, {
      payment: {
        id: ids.paymentId,
        merchant_id: merchant.id,
        out_trade_no: ids.outTradeNo,
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
      },
      events: [
        { kind: 'created', data: { amount: params.amount } },
        ...(risk?.paymentRisk ? [{ kind: 'risk_flagged', data: { decision_id: risk.row.id, rules: risk.paymentRisk.rules.map((r) => r.rule_id) } }] : []),
      ],
      // The decision commits with the payment it decided, or not at all.
      decision: risk?.row ?? null,
      idempotency: session?.ref ?? null,
    });
    if (row) return { kind: 'payment', payment: row };
    const existing = await findPaymentByOutTradeNo(trx, merchant.id, ids.outTradeNo);
    if (!existing) throw new Error('payment vanished after a unique conflict');
    return sameOrder(existing, params) ? { kind: 'payment', payment: existing } : { kind: 'conflict', existing };
  });
}

/**
 * Calls WeChat for a `created` payment and records the outcome; used by create and by identical
 * re-entry. With `completion`, the idempotent response is stored in the same statement as the record.
 */
export async function submitToWechat(ctx: ServiceContext, payment: PaymentRow, completion?: { session: IdempotencySession; responseFor: PaymentResponse }): Promise<PaymentRow> {
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
  const h5UrlExpiresAt = new Date(now.getTime() + H5_URL_TTL_MS);
  // The response is the view of the row as this statement leaves it; checked against what it returns.
  const expected = completion?.session.held ? completion.responseFor({ ...payment, status: 'pending', h5_url: h5Url, h5_url_expires_at: h5UrlExpiresAt, updated_at: now }) : undefined;
  const expectedBody = expected ? JSON.stringify(expected.body) : undefined;
  const recorded = await recordWechatAcceptance(ctx.db, {
    paymentId: payment.id,
    from: ['created', 'pending'],
    h5Url,
    h5UrlExpiresAt,
    now,
    eventKind: payment.status === 'created' ? 'wechat_accepted' : 'h5_url_refreshed',
    complete: completion && expected && expectedBody !== undefined ? { ref: completion.session.ref, status: expected.status, body: expectedBody } : null,
  });
  if (!recorded) {
    // Not updated: a notification or a query settled it meanwhile; answer with what is stored.
    return (await findPayment(ctx.db, payment.merchant_id, payment.id)) ?? payment;
  }
  if (completion && expected && recorded.completed) {
    completion.session.markCompleted();
    const actual = completion.responseFor(recorded.payment);
    if (actual.status !== expected.status || JSON.stringify(actual.body) !== expectedBody) await completion.session.replaceResponse(actual.status, actual.body);
  }
  return recorded.payment;
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
