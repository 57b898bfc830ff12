import { sql } from 'kysely';
import type { Db } from './merchants.ts';

/**
 * The active-query schedule: which pending payments and unsettled refunds are due to be asked about at
 * WeChat. Only the scheduling columns (`next_query_at`, `query_attempts`) are written here; state
 * changes belong to the payments and refunds services. Claims use FOR UPDATE SKIP LOCKED so several
 * gateway processes on one PostgreSQL never claim the same row in the same sweep.
 */

/** A row never scheduled is first due this long after creation (WeChat's own first retry is 15 s). */
export const FIRST_QUERY_DELAY_MS = 15_000;

export interface DuePayment {
  id: string;
  merchant_id: string;
  query_attempts: number;
  expires_at: Date;
}

export async function claimDuePayments(trx: Db, now: Date, limit: number): Promise<DuePayment[]> {
  return trx
    .selectFrom('payments')
    .select(['id', 'merchant_id', 'query_attempts', 'expires_at'])
    .where('status', 'in', ['created', 'pending'])
    .where(sql<boolean>`coalesce(next_query_at, created_at + ${sql.lit(`${FIRST_QUERY_DELAY_MS} milliseconds`)}::interval) <= ${now}`)
    .orderBy('next_query_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function schedulePaymentQuery(db: Db, id: string, nextAt: Date): Promise<void> {
  await db
    .updateTable('payments')
    .set((eb) => ({ next_query_at: nextAt, query_attempts: eb('query_attempts', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

/** Makes a merchant's recent unpaid payments due now (after an unverifiable notification). */
export async function pullPaymentQueriesForward(db: Db, merchantId: string, now: Date, createdSince: Date, limit: number): Promise<number> {
  const r = await db
    .updateTable('payments')
    .set({ next_query_at: now })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('payments')
        .select('id')
        .where('merchant_id', '=', merchantId)
        .where('status', 'in', ['created', 'pending'])
        .where('created_at', '>=', createdSince)
        .orderBy('created_at', 'desc')
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Makes one payment due now (e.g. a refund notification arrived before its payment's). */
export async function pullPaymentQueryForward(db: Db, paymentId: string, now: Date): Promise<void> {
  await db.updateTable('payments').set({ next_query_at: now }).where('id', '=', paymentId).where('status', 'in', ['created', 'pending']).execute();
}

export interface DueRefund {
  id: string;
  merchant_id: string;
  query_attempts: number;
}

export async function claimDueRefunds(trx: Db, now: Date, limit: number): Promise<DueRefund[]> {
  return trx
    .selectFrom('refunds')
    .select(['id', 'merchant_id', 'query_attempts'])
    .where('status', 'in', ['pending', 'processing'])
    .where(sql<boolean>`coalesce(next_query_at, created_at + ${sql.lit(`${FIRST_QUERY_DELAY_MS} milliseconds`)}::interval) <= ${now}`)
    .orderBy('next_query_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function scheduleRefundQuery(db: Db, id: string, nextAt: Date): Promise<void> {
  await db
    .updateTable('refunds')
    .set((eb) => ({ next_query_at: nextAt, query_attempts: eb('query_attempts', '+', 1) }))
    .where('id', '=', id)
    .execute();
}
