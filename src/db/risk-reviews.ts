import type { Selectable } from 'kysely';
import type { Db } from './merchants.ts';
import type { ReviewStatus, RiskReviewsTable, StoredFiredRule } from './risk-tables.ts';

/**
 * The review queue. Every transition is a guarded UPDATE (`WHERE status IN …`): two reviewers
 * approving and rejecting at once cannot both win, and the loser learns it from an empty result.
 */
export type ReviewRow = Selectable<RiskReviewsTable>;

export const DEFAULT_REVIEW_SLA_SECONDS = 30 * 60;

export async function insertReview(
  db: Db,
  r: { id: string; payment_id: string; merchant_id: string; decision_id: string; reason: StoredFiredRule[]; due_at: Date; now: Date },
): Promise<ReviewRow | undefined> {
  return db
    .insertInto('risk_reviews')
    .values({
      id: r.id,
      payment_id: r.payment_id,
      merchant_id: r.merchant_id,
      decision_id: r.decision_id,
      reason: JSON.stringify(r.reason),
      status: 'open',
      due_at: r.due_at,
      created_at: r.now,
      updated_at: r.now,
    })
    .onConflict((oc) => oc.column('payment_id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findReview(db: Db, id: string): Promise<ReviewRow | undefined> {
  return db.selectFrom('risk_reviews').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findReviewForPayment(db: Db, paymentId: string): Promise<ReviewRow | undefined> {
  return db.selectFrom('risk_reviews').selectAll().where('payment_id', '=', paymentId).executeTakeFirst();
}

export interface ReviewFilter {
  status?: ReviewStatus[];
  merchantIds?: string[] | null;
  assignee?: string;
  overdueAt?: Date;
  limit: number;
  /** Keyset: items due after this (due_at, id). */
  after?: { due_at: Date; id: string };
}

export async function listReviews(db: Db, f: ReviewFilter): Promise<ReviewRow[]> {
  let q = db.selectFrom('risk_reviews').selectAll();
  if (f.status?.length) q = q.where('status', 'in', f.status);
  if (f.merchantIds) q = f.merchantIds.length ? q.where('merchant_id', 'in', f.merchantIds) : q.where('merchant_id', '=', '\u0000');
  if (f.assignee) q = q.where('assignee', '=', f.assignee);
  if (f.overdueAt) q = q.where('due_at', '<=', f.overdueAt);
  if (f.after) {
    const a = f.after;
    q = q.where((eb) => eb.or([eb('due_at', '>', a.due_at), eb.and([eb('due_at', '=', a.due_at), eb('id', '>', a.id)])]));
  }
  return q.orderBy('due_at').orderBy('id').limit(f.limit).execute();
}

export async function updateReviewGuarded(
  db: Db,
  id: string,
  from: readonly ReviewStatus[],
  patch: Partial<Pick<ReviewRow, 'status' | 'assignee' | 'decided_by' | 'note' | 'decided_at' | 'refund_id' | 'sla_breached_at'>>,
  now: Date,
  extra?: { assigneeIs?: string | null },
): Promise<ReviewRow | undefined> {
  let q = db
    .updateTable('risk_reviews')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', [...from]);
  if (extra?.assigneeIs !== undefined) q = extra.assigneeIs === null ? q.where('assignee', 'is', null) : q.where('assignee', '=', extra.assigneeIs);
  return q.returningAll().executeTakeFirst();
}

/** Open items past due that have not raised their breach yet; locked so two sweepers raise one alert. */
export async function claimBreached(db: Db, now: Date, limit: number): Promise<ReviewRow[]> {
  return db
    .selectFrom('risk_reviews')
    .selectAll()
    .where('status', 'in', ['open', 'claimed'])
    .where('due_at', '<=', now)
    .where('sla_breached_at', 'is', null)
    .orderBy('due_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function reviewSlaSeconds(db: Db, merchantId: string): Promise<number> {
  const row = await db.selectFrom('risk_merchant_settings').select('review_sla_seconds').where('merchant_id', '=', merchantId).executeTakeFirst();
  return row?.review_sla_seconds ?? DEFAULT_REVIEW_SLA_SECONDS;
}

export async function setReviewSlaSeconds(db: Db, merchantId: string, seconds: number, now: Date): Promise<void> {
  await db
    .insertInto('risk_merchant_settings')
    .values({ merchant_id: merchantId, review_sla_seconds: seconds, updated_at: now })
    .onConflict((oc) => oc.column('merchant_id').doUpdateSet({ review_sla_seconds: seconds, updated_at: now }))
    .execute();
}
