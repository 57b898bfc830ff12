import { z } from 'zod';
import { listPayments as listRows, findPayment, type PaymentRow } from '../../db/payments.ts';
import { PAYMENT_STATUSES } from '../../domain/payment-status.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { invalidRequest } from './payment-input.ts';

/** Query of `GET /v1/payments`: filters, and a cursor (`starting_after` = the last id of the previous page). */
export const listPaymentsQuerySchema = z.strictObject({
  status: z.enum(PAYMENT_STATUSES).optional(),
  out_trade_no: z.string().min(1).max(32).optional(),
  created_gte: z.iso.datetime({ offset: true }).optional(),
  created_lte: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  starting_after: z.string().regex(/^pay_[A-Za-z0-9]{1,64}$/).optional(),
});

export interface PaymentPage {
  data: PaymentRow[];
  has_more: boolean;
}

/** Newest first; one extra row is read to know whether another page exists. */
export async function listPayments(ctx: Pick<ServiceContext, 'db'>, merchantId: string, query: unknown): Promise<PaymentPage> {
  const r = listPaymentsQuerySchema.safeParse(query);
  if (!r.success) throw invalidRequest(r.error);
  const q = r.data;
  let after: { createdAt: Date; id: string } | undefined;
  if (q.starting_after) {
    const cursor = await findPayment(ctx.db, merchantId, q.starting_after);
    if (!cursor) throw new AppError('invalid_input', 'invalid_cursor', 'starting_after does not name one of your payments.', { field: '/starting_after' });
    after = { createdAt: cursor.created_at, id: cursor.id };
  }
  const rows = await listRows(ctx.db, {
    merchantId,
    status: q.status,
    outTradeNo: q.out_trade_no,
    createdGte: q.created_gte ? new Date(q.created_gte) : undefined,
    createdLte: q.created_lte ? new Date(q.created_lte) : undefined,
    after,
    limit: q.limit + 1,
  });
  return { data: rows.slice(0, q.limit), has_more: rows.length > q.limit };
}
