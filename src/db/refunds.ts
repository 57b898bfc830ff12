import { sql, type Selectable } from 'kysely';
import type { RefundStatus, RefundsTable } from './schema.ts';
import type { Db } from './merchants.ts';

/** The refunds table; status changes are guarded UPDATEs like payments'. */
export type RefundRow = Selectable<RefundsTable>;

export interface NewRefundRow {
  id: string;
  payment_id: string;
  merchant_id: string;
  out_refund_no: string;
  amount: number;
  reason: string | null;
  next_query_at: Date;
  created_at: Date;
}

/** Inserts a `pending` refund; undefined when (merchant, out_refund_no) already exists. */
export async function insertRefund(db: Db, r: NewRefundRow): Promise<RefundRow | undefined> {
  return db
    .insertInto('refunds')
    .values({ ...r, status: 'pending', updated_at: r.created_at })
    .onConflict((oc) => oc.columns(['merchant_id', 'out_refund_no']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findRefund(db: Db, merchantId: string, id: string): Promise<RefundRow | undefined> {
  return db.selectFrom('refunds').selectAll().where('merchant_id', '=', merchantId).where('id', '=', id).executeTakeFirst();
}

export async function findRefundByOutRefundNo(db: Db, merchantId: string, outRefundNo: string): Promise<RefundRow | undefined> {
  return db.selectFrom('refunds').selectAll().where('merchant_id', '=', merchantId).where('out_refund_no', '=', outRefundNo).executeTakeFirst();
}

/** The refund row-locked, with its payment's out_trade_no and amount and the merchant's mchid. */
export async function lockRefundWithPayment(
  db: Db,
  merchantId: string,
  outRefundNo: string,
): Promise<(RefundRow & { out_trade_no: string; payment_amount: number; mchid: string }) | undefined> {
  return db
    .selectFrom('refunds as r')
    .innerJoin('payments as p', 'p.id', 'r.payment_id')
    .innerJoin('merchants as m', 'm.id', 'r.merchant_id')
    .selectAll('r')
    .select(['p.out_trade_no', 'p.amount as payment_amount', 'm.mchid'])
    .where('r.merchant_id', '=', merchantId)
    .where('r.out_refund_no', '=', outRefundNo)
    .forUpdate('r')
    .executeTakeFirst();
}

export type RefundPatch = Partial<Pick<RefundRow, 'status' | 'wechat_refund_id' | 'wechat_status' | 'error' | 'succeeded_at' | 'next_query_at' | 'query_attempts'>>;

export async function updateRefundGuarded(db: Db, id: string, from: readonly RefundStatus[], patch: RefundPatch, now: Date): Promise<RefundRow | undefined> {
  return db
    .updateTable('refunds')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .returningAll()
    .executeTakeFirst();
}

/** Sum of the payment's succeeded refunds: what its status (partially_refunded / refunded) follows. */
export async function succeededRefundTotal(db: Db, paymentId: string): Promise<number> {
  const r = await db
    .selectFrom('refunds')
    .select(sql<string>`coalesce(sum(amount), 0)`.as('total'))
    .where('payment_id', '=', paymentId)
    .where('status', '=', 'succeeded')
    .executeTakeFirstOrThrow();
  return Number(r.total);
}

export async function listRefundsOfPayment(db: Db, paymentId: string): Promise<RefundRow[]> {
  return db.selectFrom('refunds').selectAll().where('payment_id', '=', paymentId).orderBy('created_at').orderBy('id').execute();
}
