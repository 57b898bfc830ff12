import type { Transaction } from 'kysely';
import { z } from 'zod';
import { appendAudit } from '../../audit/append.ts';
import { AppError } from '../../lib/errors.ts';
import type { Database } from '../../db/schema.ts';
import { findPayment } from '../../db/payments.ts';
import { insertPaymentEvent } from '../../db/payment-events.ts';
import { setPaymentRisk } from '../../db/risk-decisions.ts';
import { findReview, listReviews, updateReviewGuarded, type ReviewRow } from '../../db/risk-reviews.ts';
import type { ReviewStatus } from '../../db/risk-tables.ts';
import { inScope, type MerchantScope } from '../operators/permissions.ts';
import type { ServiceContext } from '../context.ts';
import { emitEvent } from '../events/emit-event.ts';
import { paymentView } from '../payments/payment-view.ts';
import { reviewEventData } from './post-payment.ts';

/**
 * The review queue: list, claim, assign, approve, reject. Each step is a guarded UPDATE, so two
 * reviewers acting on one item at once cannot both win (the loser gets `review_state_conflict`),
 * and each decision is audited in the transaction that makes it. Rejection's refund is a WeChat
 * call, so it runs after that transaction (see reject-review.ts).
 */
export interface Reviewer {
  operatorId: string;
  scope: MerchantScope;
  ip?: string | null;
}

export const listReviewsQuery = z.strictObject({
  status: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(['open', 'claimed', 'approved', 'rejected'])))
    .optional(),
  merchant_id: z.string().min(1).max(64).optional(),
  assignee: z.string().min(1).max(64).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function reviewView(r: ReviewRow) {
  return {
    id: r.id,
    object: 'review' as const,
    payment_id: r.payment_id,
    merchant_id: r.merchant_id,
    decision_id: r.decision_id,
    status: r.status,
    reason: r.reason,
    assignee: r.assignee,
    due_at: r.due_at.toISOString(),
    sla_breached: r.sla_breached_at !== null,
    decided_by: r.decided_by,
    note: r.note,
    decided_at: r.decided_at?.toISOString() ?? null,
    refund_id: r.refund_id,
    created_at: r.created_at.toISOString(),
  };
}

export async function listReviewItems(ctx: Pick<ServiceContext, 'db' | 'clock'>, who: Reviewer, raw: unknown) {
  const parsed = listReviewsQuery.safeParse(raw ?? {});
  if (!parsed.success) throw new AppError('invalid_input', 'invalid_request', 'The request is invalid.', { issues: parsed.error.issues.map((i) => i.message) });
  const q = parsed.data;
  if (q.merchant_id && !inScope(who.scope, q.merchant_id)) return [];
  const merchantIds = q.merchant_id ? [q.merchant_id] : who.scope === null ? null : [...who.scope];
  const rows = await listReviews(ctx.db, {
    status: q.status ?? ['open', 'claimed'],
    merchantIds,
    ...(q.assignee ? { assignee: q.assignee } : {}),
    ...(q.overdue === 'true' ? { overdueAt: new Date(ctx.clock.now()) } : {}),
    limit: q.limit,
  });
  return rows.map(reviewView);
}

export async function getReviewItem(ctx: Pick<ServiceContext, 'db'>, who: Reviewer, id: string): Promise<ReviewRow> {
  const r = await findReview(ctx.db, id);
  if (!r || !inScope(who.scope, r.merchant_id)) throw new AppError('not_found', 'review_not_found', 'No such review item.');
  return r;
}

async function audit(ctx: Pick<ServiceContext, 'clock'>, trx: Transaction<Database>, who: Reviewer, action: string, r: ReviewRow, data: Record<string, unknown>) {
  await appendAudit(ctx, trx, {
    actor: { type: 'operator', id: who.operatorId },
    action,
    target: { type: 'risk_review', id: r.id },
    merchantId: r.merchant_id,
    outcome: 'success',
    ip: who.ip ?? null,
    data: { payment_id: r.payment_id, ...data },
  });
}

function conflict(r: ReviewRow, wanted: string): AppError {
  return new AppError('conflict', 'review_state_conflict', `The review item is ${r.status}; it cannot be ${wanted}.`, { status: r.status, assignee: r.assignee });
}

/** Claim an open item for yourself, or assign one (open or claimed) to another reviewer. */
export async function assignReview(ctx: ServiceContext, who: Reviewer, id: string, assignee: string): Promise<ReviewRow> {
  const r = await getReviewItem(ctx, who, id);
  const claiming = assignee === who.operatorId;
  return ctx.db.transaction().execute(async (trx) => {
    const now = new Date(ctx.clock.now());
    // Claiming takes only an unowned item; assigning may move a claimed one.
    const from: ReviewStatus[] = claiming ? ['open'] : ['open', 'claimed'];
    const updated = await updateReviewGuarded(trx, id, from, { status: 'claimed', assignee }, now);
    if (!updated) throw conflict((await findReview(trx, id)) ?? r, claiming ? 'claimed' : 'assigned');
    await audit(ctx, trx, who, claiming ? 'risk.review.claimed' : 'risk.review.assigned', updated, { assignee });
    return updated;
  });
}

/** Approve: the payment is released (`risk.status = approved`) and `payment.review_closed {approved: true}` goes out. */
export async function approveReview(ctx: ServiceContext, who: Reviewer, id: string, note: string | null): Promise<ReviewRow> {
  await getReviewItem(ctx, who, id);
  return ctx.db.transaction().execute(async (trx) => {
    const now = new Date(ctx.clock.now());
    const updated = await updateReviewGuarded(trx, id, ['open', 'claimed'], { status: 'approved', decided_by: who.operatorId, note, decided_at: now }, now);
    if (!updated) throw conflict((await findReview(trx, id))!, 'approved');
    const payment = await findPayment(trx, updated.merchant_id, updated.payment_id);
    if (!payment) throw new AppError('not_found', 'payment_not_found', 'No such payment.');
    const released = (await setPaymentRisk(trx, payment.id, { ...(payment.risk ?? { score: 0, rules: [] }), status: 'approved' }, now)) ?? payment;
    await insertPaymentEvent(trx, payment.id, 'risk_review_approved', { review_id: id, by: who.operatorId }, now);
    await emitEvent(ctx, trx, {
      merchantId: payment.merchant_id,
      type: 'payment.review_closed',
      dedupKey: `payment.review_closed:${payment.id}`,
      data: { approved: true, payment: paymentView(released), review: reviewEventData(updated) },
    });
    await audit(ctx, trx, who, 'risk.review.approved', updated, { note_present: note !== null });
    return updated;
  });
}
