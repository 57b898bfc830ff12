import { randomInt } from 'node:crypto';
import { toRfc3339Cst } from '../lib/clock.ts';
import type { SimContext } from './context.ts';
import type { RefundOutcome } from './faults.ts';
import type { SimRefund } from './state.ts';
import { SimError } from './sim-error.ts';

/** The Refund object of create and query answers (spec §5.3). */
export function refundView(r: SimRefund): Record<string, unknown> {
  const view: Record<string, unknown> = {
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
  };
  if (r.success_time !== undefined) view.success_time = toRfc3339Cst(r.success_time);
  Object.assign(view, {
    create_time: toRfc3339Cst(r.create_time),
    status: r.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: r.amount.total,
      refund: r.amount.refund,
      from: [],
      payer_total: r.amount.total,
      payer_refund: r.amount.refund,
      settlement_refund: r.amount.refund,
      settlement_total: r.amount.total,
      discount_refund: 0,
      currency: r.amount.currency,
      refund_fee: 0,
    },
    promotion_detail: [],
  });
  return view;
}

const MAX_REFUNDS_PER_ORDER = 50;
const REFUND_WINDOW_MS = 365 * 86_400_000;

export interface NewRefund {
  out_refund_no: string;
  out_trade_no?: string;
  transaction_id?: string;
  reason?: string;
  notify_url?: string;
  amount: { refund: number; total: number; currency: string };
  fingerprint: string;
}

/** Accepts a refund (WeChat's 200 means accepted, not done): PROCESSING until it settles. */
export function createRefund(ctx: SimContext, req: NewRefund): SimRefund {
  const existing = ctx.state.refund(req.out_refund_no);
  if (existing) {
    // The same out_refund_no is the same refund: retries never refund twice (spec §5.3).
    if (existing.fingerprint === req.fingerprint) return existing;
    throw new SimError(400, 'INVALID_REQUEST', '退款单号已存在，且请求参数与原退款请求不一致');
  }
  const byId = req.transaction_id ? ctx.state.orderByTransactionId(req.transaction_id) : undefined;
  const byNo = req.out_trade_no ? ctx.state.order(req.out_trade_no) : undefined;
  if (req.transaction_id && req.out_trade_no && byId !== byNo) throw new SimError(400, 'INVALID_REQUEST', 'transaction_id与out_trade_no不属于同一笔订单');
  const order = byId ?? byNo;
  if (!order) throw new SimError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
  if (order.trade_state !== 'SUCCESS' && order.trade_state !== 'REFUND') throw new SimError(404, 'RESOURCE_NOT_EXISTS', '订单未支付，不能退款');
  // Refunds are accepted for one year after payment (spec §5.3).
  if (ctx.clock.now() - order.success_time! > REFUND_WINDOW_MS) throw new SimError(400, 'INVALID_REQUEST', '订单已超过可退款的最大期限（支付后一年）');
  if (req.amount.total !== order.amount.total) throw new SimError(400, 'INVALID_REQUEST', '订单金额total与原订单金额不一致');
  const previous = ctx.state.refundsOf(order.out_trade_no);
  if (previous.length >= MAX_REFUNDS_PER_ORDER) throw new SimError(403, 'RULE_LIMIT', `一笔订单最多退款${MAX_REFUNDS_PER_ORDER}次`);
  const committed = previous.filter((r) => r.status !== 'CLOSED').reduce((sum, r) => sum + r.amount.refund, 0);
  if (committed + req.amount.refund > order.amount.total) throw new SimError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');

  let refundId = '50';
  while (refundId.length < 29) refundId += String(randomInt(0, 10));
  const delayMs = (ctx.refundDelaySeconds * 1000) / ctx.timeScale;
  const refund: SimRefund = {
    refund_id: refundId,
    out_refund_no: req.out_refund_no,
    out_trade_no: order.out_trade_no,
    transaction_id: order.transaction_id!,
    fingerprint: req.fingerprint,
    amount: req.amount,
    status: 'PROCESSING',
    create_time: ctx.clock.now(),
    settle_at: Date.now() + delayMs,
    settle_to: ctx.faults.refundOutcome,
    ...(req.reason !== undefined ? { reason: req.reason } : {}),
    ...(req.notify_url !== undefined ? { notify_url: req.notify_url } : {}),
  };
  ctx.state.putRefund(refund);
  if (order.trade_state === 'SUCCESS') ctx.state.putOrder({ ...order, trade_state: 'REFUND' });
  scheduleSettlement(ctx, refund);
  return refund;
}

export function scheduleSettlement(ctx: SimContext, r: SimRefund): void {
  if (r.status !== 'PROCESSING') return;
  ctx.later(Math.max(0, (r.settle_at ?? Date.now()) - Date.now()), () => {
    const now = ctx.state.refund(r.out_refund_no);
    if (now?.status === 'PROCESSING') settleRefund(ctx, r.out_refund_no, now.settle_to ?? 'SUCCESS');
  });
}

const REFUND_SUMMARY: Record<RefundOutcome, string> = { SUCCESS: '退款成功', ABNORMAL: '退款异常', CLOSED: '退款关闭' };

/** Moves a PROCESSING refund to its outcome and notifies the merchant (spec §5.4). A CLOSED refund frees its amount again. */
export function settleRefund(ctx: SimContext, outRefundNo: string, outcome: RefundOutcome): Record<string, unknown> {
  const r = ctx.state.refund(outRefundNo)!;
  const settled: SimRefund = { ...r, status: outcome, ...(outcome === 'SUCCESS' ? { success_time: ctx.clock.now() } : {}) };
  delete settled.settle_at;
  ctx.state.putRefund(settled);
  const order = ctx.state.order(settled.out_trade_no)!;
  const plaintext: Record<string, unknown> = {
    mchid: order.mchid,
    transaction_id: settled.transaction_id,
    out_trade_no: settled.out_trade_no,
    refund_id: settled.refund_id,
    out_refund_no: settled.out_refund_no,
    refund_status: outcome,
  };
  if (settled.success_time !== undefined) plaintext.success_time = toRfc3339Cst(settled.success_time);
  plaintext.user_received_account = '支付用户零钱';
  plaintext.amount = { total: settled.amount.total, refund: settled.amount.refund, payer_total: settled.amount.total, payer_refund: settled.amount.refund };
  ctx.notifier.send({
    url: settled.notify_url ?? order.notify_url,
    event_type: `REFUND.${outcome}`,
    summary: REFUND_SUMMARY[outcome],
    original_type: 'refund',
    plaintext,
    out_trade_no: settled.out_trade_no,
    out_refund_no: settled.out_refund_no,
  });
  return refundView(settled);
}
