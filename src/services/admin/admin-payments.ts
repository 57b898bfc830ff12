import { z } from 'zod';
import { deliveriesForEvents, eventsByDedupKeys, findPaymentInScope, refundsOfPayment, searchPayments } from '../../db/admin-read-models.ts';
import { listPaymentEvents } from '../../db/payment-events.ts';
import type { PaymentRow } from '../../db/payments.ts';
import { PAYMENT_STATUSES } from '../../domain/payment-status.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { closePayment } from '../payments/close-payment.ts';
import { paymentView, refundView } from '../payments/payment-view.ts';
import { queryPaymentAtWechat } from '../payments/query-payment.ts';
import { createRefund } from '../refunds/create-refund.ts';
import { parseOrThrow } from '../operators/operator-input.ts';
import type { MerchantScope } from '../operators/permissions.ts';
import type { Actor } from '../operators/create-operator.ts';
import { auditAfter, merchantInScope } from './admin-merchants.ts';

const searchSchema = z.strictObject({
  merchant_id: z.string().regex(/^mer_[A-Za-z0-9]{1,64}$/).optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
  q: z.string().trim().min(1).max(64).optional(),
  created_gte: z.iso.datetime({ offset: true }).optional(),
  created_lt: z.iso.datetime({ offset: true }).optional(),
  min_amount: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  max_amount: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  starting_after: z.string().regex(/^pay_[A-Za-z0-9]{1,64}$/).optional(),
});

const notFound = () => new AppError('not_found', 'payment_not_found', 'No such payment.');

/** `GET /admin/api/payments`: filters plus a keyset cursor, only over merchants in scope. */
export async function searchConsolePayments(ctx: Pick<ServiceContext, 'db'>, scope: MerchantScope, query: unknown) {
  const q = parseOrThrow(searchSchema, query);
  let after: { createdAt: Date; id: string } | undefined;
  if (q.starting_after) {
    const c = await findPaymentInScope(ctx.db, scope, q.starting_after);
    if (!c) throw new AppError('invalid_input', 'invalid_cursor', 'starting_after does not name a payment you can see.', { field: '/starting_after' });
    after = { createdAt: c.created_at, id: c.id };
  }
  const rows = await searchPayments(ctx.db, {
    scope,
    merchantId: q.merchant_id,
    status: q.status,
    q: q.q,
    createdGte: q.created_gte ? new Date(q.created_gte) : undefined,
    createdLt: q.created_lt ? new Date(q.created_lt) : undefined,
    minAmount: q.min_amount,
    maxAmount: q.max_amount,
    after,
    limit: q.limit + 1,
  });
  const data = rows.slice(0, q.limit).map((p) => ({ ...paymentView(p), merchant_id: p.merchant_id }));
  return { object: 'list' as const, data, has_more: rows.length > q.limit };
}

async function paymentInScope(ctx: Pick<ServiceContext, 'db'>, scope: MerchantScope, id: string): Promise<PaymentRow> {
  const p = await findPaymentInScope(ctx.db, scope, id);
  if (!p) throw notFound();
  return p;
}

export interface TimelineEntry {
  at: string;
  source: 'payment' | 'refund' | 'webhook' | 'webhook_delivery';
  kind: string;
  data: Record<string, unknown>;
}

/**
 * `GET /admin/api/payments/:id`: the payment, its refunds, and one timeline ordered by time, built
 * from the payment's own events (WeChat calls, notifications and queries applied), its refunds, the
 * webhooks emitted for both and each delivery attempt.
 */
export async function consolePaymentDetail(ctx: Pick<ServiceContext, 'db'>, scope: MerchantScope, id: string) {
  const p = await paymentInScope(ctx, scope, id);
  const [events, refunds] = await Promise.all([listPaymentEvents(ctx.db, p.id), refundsOfPayment(ctx.db, p.id)]);
  const paymentTypes = ['payment.succeeded', 'payment.closed', 'payment.failed', 'payment.integrity_alert', 'payment.review_opened', 'payment.review_closed'];
  const keys = [...paymentTypes.map((t) => `${t}:${p.id}`), ...refunds.flatMap((r) => [`refund.succeeded:${r.id}`, `refund.failed:${r.id}`])];
  const outbox = await eventsByDedupKeys(ctx.db, p.merchant_id, keys);
  const deliveries = await deliveriesForEvents(ctx.db, outbox.map((e) => e.id));
  const timeline: TimelineEntry[] = [
    ...events.map((e) => ({ at: e.created_at.toISOString(), source: 'payment' as const, kind: e.kind, data: e.data })),
    ...refunds.map((r) => ({ at: r.created_at.toISOString(), source: 'refund' as const, kind: `refund.${r.status}`, data: { refund_id: r.id, amount: r.amount, out_refund_no: r.out_refund_no } })),
    ...outbox.map((e) => ({ at: e.created_at.toISOString(), source: 'webhook' as const, kind: e.type, data: { event_id: e.id } })),
    ...deliveries.map((d) => ({ at: d.created_at.toISOString(), source: 'webhook_delivery' as const, kind: `delivery.${d.status}`, data: { event_id: d.event_id, attempt: d.attempt, response_status: d.response_status } })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return { payment: { ...paymentView(p), merchant_id: p.merchant_id }, refunds: refunds.map(refundView), timeline };
}

/** "Query now": asks WeChat and applies the answer (the payment service owns the transaction). */
export async function consoleQueryPayment(ctx: ServiceContext, actor: Actor, scope: MerchantScope, id: string) {
  const p = await paymentInScope(ctx, scope, id);
  const r = await queryPaymentAtWechat(ctx, p.merchant_id, p.id);
  await auditAfter(ctx, actor, 'payment.queried', p.merchant_id, { type: 'payment', id: p.id }, {});
  return {
    found: r.found,
    ...(r.found ? { outcome: r.outcome, trade_state: r.tradeState } : {}),
    payment: { ...paymentView(r.payment), merchant_id: r.payment.merchant_id },
  };
}

export async function consoleClosePayment(ctx: ServiceContext, actor: Actor, scope: MerchantScope, id: string) {
  const p = await paymentInScope(ctx, scope, id);
  // Audited by closePayment, in the transaction that closes it (nothing is recorded when it was closed already).
  const row = await closePayment(ctx, p.merchant_id, p.id, 'merchant', { actor: { type: actor.type, id: actor.id }, ip: actor.ip ?? null });
  return { ...paymentView(row), merchant_id: row.merchant_id };
}

/** Refund from the console: the same reservation rules as the merchant API; the body is validated there. */
export async function consoleRefund(ctx: ServiceContext, actor: Actor, scope: MerchantScope, id: string, input: unknown) {
  const p = await paymentInScope(ctx, scope, id);
  const merchant = await merchantInScope(ctx, scope, p.merchant_id);
  // Audited once, by createRefund, in the transaction that reserves the refund.
  const refund = await createRefund(ctx, merchant, p.id, input, { actor: { type: actor.type, id: actor.id }, ip: actor.ip ?? null });
  return refundView(refund);
}
