import { applyTransactionResult } from '../payments/apply-transaction.ts';
import { applyRefundResult } from '../refunds/apply-refund.ts';
import type { EffectOutcome, NotificationEffects } from './effects.ts';

/**
 * The inbox's effects wired to the payments and refunds services, in the inbox's transaction. Their
 * guarded UPDATEs and outbox dedup keys make a notification racing a query one transition; the
 * notification-id claim in the same transaction makes duplicate copies of one notification no-ops.
 */
export const moneyEffects: NotificationEffects = {
  async applyTransaction(ctx, trx, merchantId, transaction): Promise<EffectOutcome> {
    const r = await applyTransactionResult(ctx, { merchantId, outTradeNo: transaction.out_trade_no }, transaction, 'notification', trx);
    switch (r.outcome) {
      case 'applied':
      case 'already':
        return { kind: 'applied' };
      case 'integrity_mismatch':
        // Alert already raised inside the transaction; WeChat resending the same data would not help.
        return { kind: 'ignored', reason: 'integrity_mismatch' };
      case 'unknown_payment':
        return { kind: 'ignored', reason: 'unknown_payment' };
      default:
        return { kind: 'ignored', reason: r.outcome };
    }
  },
  async applyRefund(ctx, trx, merchantId, refund): Promise<EffectOutcome> {
    const r = await applyRefundResult(ctx, { merchantId, outRefundNo: refund.out_refund_no }, refund, 'notification', trx);
    switch (r.outcome) {
      case 'applied':
      case 'already':
        return { kind: 'applied' };
      default:
        return { kind: 'ignored', reason: r.outcome };
    }
  },
};
