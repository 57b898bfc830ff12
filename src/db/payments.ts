import { sql, type Selectable } from 'kysely';
import type { PaymentStatus, PaymentsTable } from './schema.ts';
import type { Db } from './merchants.ts';

/**
 * The payments table. Every status change is a guarded UPDATE (`WHERE status IN (…)`): two racing
 * writers (a notification and a query, say) cannot both apply a transition, whatever the application
 * believed when it read the row. The refund reservation is a single conditional UPDATE, so the
 * cumulative rule holds under concurrency without locks held across a WeChat call.
 */
export type PaymentRow = Selectable<PaymentsTable>;

export interface NewPaymentRow {
  id: string;
  merchant_id: string;
  out_trade_no: string;
  amount: number;
  description: string;
  payer_client_ip: string;
  h5_type: 'Wap' | 'iOS' | 'Android';
  redirect_url: string | null;
  attach: string | null;
  metadata: Record<string, string>;
  expires_at: Date;
  next_query_at: Date;
  created_at: Date;
  /** Risk (0004). `risk` is the JSON text of the payment's risk state, when the order proceeds flagged. */
  device_id?: string | null;
  user_agent?: string | null;
  risk?: string | null;
}

/** Inserts a `created` payment; undefined when (merchant, out_trade_no) already exists. */
export async function insertPayment(db: Db, p: NewPaymentRow): Promise<PaymentRow | undefined> {
  return db
    .insertInto('payments')
    .values({ ...p, metadata: JSON.stringify(p.metadata), status: 'created', updated_at: p.created_at })
    .onConflict((oc) => oc.columns(['merchant_id', 'out_trade_no']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findPayment(db: Db, merchantId: string, id: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId).where('id', '=', id).executeTakeFirst();
}

export async function findPaymentByOutTradeNo(db: Db, merchantId: string, outTradeNo: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId).where('out_trade_no', '=', outTradeNo).executeTakeFirst();
}

/** The payment plus its merchant's WeChat identity, row-locked for the rest of the transaction. */
export async function lockPaymentWithMerchant(
  db: Db,
  merchantId: string,
  outTradeNo: string,
): Promise<(PaymentRow & { mchid: string; appid: string }) | undefined> {
  return db
    .selectFrom('payments as p')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .selectAll('p')
    .select(['m.mchid', 'm.appid'])
    .where('p.merchant_id', '=', merchantId)
    .where('p.out_trade_no', '=', outTradeNo)
    .forUpdate('p')
    .executeTakeFirst();
}

export type PaymentPatch = Partial<
  Pick<PaymentRow, 'status' | 'h5_url' | 'h5_url_expires_at' | 'transaction_id' | 'payer_openid_index' | 'payer_openid_masked' | 'paid_at' | 'wechat_trade_state' | 'next_query_at' | 'query_attempts'>
>;

/** Applies `patch` only while the payment is in one of `from`; undefined when another writer got there first. */
export async function updatePaymentGuarded(db: Db, id: string, from: readonly PaymentStatus[], patch: PaymentPatch, now: Date): Promise<PaymentRow | undefined> {
  return db
    .updateTable('payments')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .returningAll()
    .executeTakeFirst();
}

export type ReserveOutcome = { ok: true; payment: PaymentRow } | { ok: false; reason: 'exceeds_amount' | 'limit_reached' | 'not_refundable' };

/**
 * Reserves `amount` of the paid total for a new refund. The WHERE clause is the rule (and the CHECK
 * constraints the backstop): it never lets the cumulative reservation pass the amount paid, nor the
 * count pass WeChat's 50 refunds per order.
 */
export async function reserveRefund(db: Db, paymentId: string, amount: number, now: Date): Promise<ReserveOutcome> {
  const row = await db
    .updateTable('payments')
    .set({ refunded_amount: sql`refunded_amount + ${amount}`, refund_count: sql`refund_count + 1`, updated_at: now })
    .where('id', '=', paymentId)
    .where('status', 'in', ['succeeded', 'partially_refunded'])
    .where(sql<boolean>`refunded_amount + ${amount} <= amount`)
    .where('refund_count', '<', 50)
    .returningAll()
    .executeTakeFirst();
  if (row) return { ok: true, payment: row };
  const cur = await db.selectFrom('payments').select(['status', 'refunded_amount', 'refund_count', 'amount']).where('id', '=', paymentId).executeTakeFirst();
  // A fully refunded payment has nothing left: that is "exceeds", not "unpaid".
  if (!cur || (cur.status !== 'succeeded' && cur.status !== 'partially_refunded' && cur.status !== 'refunded')) return { ok: false, reason: 'not_refundable' };
  if (cur.refund_count >= 50) return { ok: false, reason: 'limit_reached' };
  return { ok: false, reason: 'exceeds_amount' };
}

/**
 * Gives back a reservation of a refund that will never happen, and sets the status the succeeded refunds
 * imply. `uncount` also returns the refund's slot of the 50 (WeChat never accepted it).
 */
export async function releaseRefund(db: Db, paymentId: string, amount: number, status: PaymentStatus, uncount: boolean, now: Date): Promise<PaymentRow | undefined> {
  return db
    .updateTable('payments')
    .set({
      refunded_amount: sql`refunded_amount - ${amount}`,
      ...(uncount ? { refund_count: sql`refund_count - 1` } : {}),
      status,
      updated_at: now,
    })
    .where('id', '=', paymentId)
    .where('refunded_amount', '>=', amount)
    .returningAll()
    .executeTakeFirst();
}

/** Sets a paid payment's refund status (succeeded / partially_refunded / refunded). */
export async function setRefundStatus(db: Db, paymentId: string, status: PaymentStatus, now: Date): Promise<PaymentRow | undefined> {
  return db
    .updateTable('payments')
    .set({ status, updated_at: now })
    .where('id', '=', paymentId)
    .where('status', 'in', ['succeeded', 'partially_refunded', 'refunded'])
    .returningAll()
    .executeTakeFirst();
}

export interface PaymentListFilter {
  merchantId: string;
  status?: PaymentStatus | undefined;
  outTradeNo?: string | undefined;
  createdGte?: Date | undefined;
  createdLte?: Date | undefined;
  /** Rows strictly after this (created_at, id) in descending order. */
  after?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

/** Newest first, keyset-paginated on (created_at, id) so pages stay stable while rows are added. */
export async function listPayments(db: Db, f: PaymentListFilter): Promise<PaymentRow[]> {
  let q = db.selectFrom('payments').selectAll().where('merchant_id', '=', f.merchantId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.outTradeNo) q = q.where('out_trade_no', '=', f.outTradeNo);
  if (f.createdGte) q = q.where('created_at', '>=', f.createdGte);
  if (f.createdLte) q = q.where('created_at', '<=', f.createdLte);
  if (f.after) {
    const a = f.after;
    q = q.where((eb) => eb.or([eb('created_at', '<', a.createdAt), eb.and([eb('created_at', '=', a.createdAt), eb('id', '<', a.id)])]));
  }
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}
