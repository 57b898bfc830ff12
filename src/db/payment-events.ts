import type { Selectable } from 'kysely';
import type { PaymentEventsTable } from './schema.ts';
import type { Db } from './merchants.ts';

/**
 * The payment timeline: one row per thing that happened to a payment (created, WeChat accepted,
 * succeeded, refund reserved, integrity mismatch…), written in the same transaction as the change.
 */
export type PaymentEventRow = Selectable<PaymentEventsTable>;

export async function insertPaymentEvent(db: Db, paymentId: string, kind: string, data: Record<string, unknown>, now: Date): Promise<void> {
  await db.insertInto('payment_events').values({ payment_id: paymentId, kind, data: JSON.stringify(data), created_at: now }).execute();
}

export async function listPaymentEvents(db: Db, paymentId: string): Promise<PaymentEventRow[]> {
  return db.selectFrom('payment_events').selectAll().where('payment_id', '=', paymentId).orderBy('id').execute();
}
