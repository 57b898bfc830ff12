import { appendAudit, type AuditInput } from '../../audit/append.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { revealPersonalData } from './personal-data.ts';

/**
 * The one way to read a payer's full openid back: scoped to the merchant, and recorded in the audit
 * log (`pii.revealed`) in the same transaction as the read, so no read goes unrecorded.
 */
export async function revealPayerOpenid(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'vault'>,
  merchantId: string,
  paymentId: string,
  by: { actor: AuditInput['actor']; ip?: string | null; reason: string },
): Promise<string | null> {
  if (by.reason.trim().length < 3 || by.reason.length > 200) {
    throw new AppError('invalid_input', 'reveal_reason_required', 'say why the personal data is needed (3–200 characters)');
  }
  return ctx.db.transaction().execute(async (trx) => {
    const p = await trx.selectFrom('payments').select(['id', 'payer_openid_index']).where('id', '=', paymentId).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!p) throw new AppError('not_found', 'payment_not_found', 'No such payment.');
    const value = p.payer_openid_index ? await revealPersonalData(ctx, 'openid', { type: 'payment', id: paymentId }, trx) : undefined;
    await appendAudit(ctx, trx, {
      actor: by.actor,
      action: 'pii.revealed',
      target: { type: 'payment', id: paymentId },
      merchantId,
      outcome: 'success',
      ip: by.ip ?? null,
      data: { field: 'payer_openid', reason: by.reason, present: value !== undefined },
    });
    return value ? value.reveal() : null;
  });
}
