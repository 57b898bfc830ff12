import type { Kysely } from 'kysely';
import type { Database, PaymentStatus } from './schema.ts';

/**
 * The one read behind the public return page: a payment's status by its (unguessable) id, with its
 * merchant's id and H5 domains so the page can offer a way back. Nothing personal is selected.
 */
export interface PayerStatusRow {
  status: PaymentStatus;
  merchant_id: string;
  out_trade_no: string;
  h5_domains: string[];
}

export async function findPayerStatus(db: Kysely<Database>, paymentId: string): Promise<PayerStatusRow | undefined> {
  return db
    .selectFrom('payments')
    .innerJoin('merchants', 'merchants.id', 'payments.merchant_id')
    .select(['payments.status', 'payments.merchant_id', 'payments.out_trade_no', 'merchants.h5_domains'])
    .where('payments.id', '=', paymentId)
    .executeTakeFirst();
}
