import { findRefund, type RefundRow } from '../../db/refunds.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';

/** A refund of this merchant; another merchant's id is indistinguishable from a missing one. */
export async function getRefund(ctx: Pick<ServiceContext, 'db'>, merchantId: string, id: string): Promise<RefundRow> {
  const r = /^re_[A-Za-z0-9]{1,64}$/.test(id) ? await findRefund(ctx.db, merchantId, id) : undefined;
  if (!r) throw new AppError('not_found', 'refund_not_found', 'No such refund.');
  return r;
}
