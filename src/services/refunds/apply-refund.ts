import { createHash } from 'node:crypto';
import type { Transaction as DbTransaction } from 'kysely';
import type { Database, RefundStatus } from '../../db/schema.ts';
import { releaseRefund, setRefundStatus } from '../../db/payments.ts';
import { insertPaymentEvent } from '../../db/payment-events.ts';
import { lockRefundWithPayment, succeededRefundTotal, updateRefundGuarded, type RefundPatch, type RefundRow } from '../../db/refunds.ts';
import { checkRefundIntegrity } from '../../domain/integrity.ts';
import { refundStatusForWechat, statusAfterRefunds } from '../../domain/payment-status.ts';
import type { Refund, RefundNotice } from '../../wechatpay/refund-schema.ts';
import type { ServiceContext } from '../context.ts';
import { emitEvent } from '../events/emit-event.ts';
import { refundView } from '../payments/payment-view.ts';
import { withTransaction } from '../payments/with-transaction.ts';

export type RefundSource = 'notification' | 'query' | 'create';
export type ApplyRefundOutcome = 'applied' | 'already' | 'no_change' | 'integrity_mismatch' | 'unknown_refund';

export interface ApplyRefundResult {
  outcome: ApplyRefundOutcome;
  refund?: RefundRow;
}

type Ctx = Pick<ServiceContext, 'db' | 'clock' | 'jobs' | 'logger'>;

/**
 * Which local statuses each WeChat outcome may replace. ABNORMAL is not final: the merchant can still
 * push the money through (→ SUCCESS) or give up (→ CLOSED), so it keeps the reservation meanwhile.
 */
const ALLOWED_FROM: Record<RefundStatus, readonly RefundStatus[]> = {
  pending: [],
  processing: ['pending'],
  succeeded: ['pending', 'processing', 'abnormal'],
  closed: ['pending', 'processing', 'abnormal'],
  abnormal: ['pending', 'processing'],
  failed: ['pending'],
};

/** The refund answer (create/query) and the refund notification name their status differently. */
function statusOf(r: Refund | RefundNotice): string {
  const notice = (r as Partial<RefundNotice>).refund_status;
  return typeof notice === 'string' ? notice : (r as Refund).status;
}

/**
 * Applies WeChat's word on a refund, once, after the integrity check (out_trade_no, out_refund_no,
 * refund and total amounts, mchid when present). SUCCESS settles the payment's status from the sum of
 * succeeded refunds; CLOSED gives the reserved amount back; ABNORMAL keeps it and is surfaced as a
 * `refund.failed` event with `abnormal: true`, because only the merchant can resolve it.
 */
export async function applyRefundResult(
  ctx: Ctx,
  ref: { merchantId: string; outRefundNo: string },
  refund: Refund | RefundNotice,
  source: RefundSource,
  trx?: DbTransaction<Database>,
): Promise<ApplyRefundResult> {
  return withTransaction(ctx.db, trx, async (tx) => {
    const now = new Date(ctx.clock.now());
    const r = await lockRefundWithPayment(tx, ref.merchantId, ref.outRefundNo);
    if (!r) return { outcome: 'unknown_refund' };
    const { out_trade_no, payment_amount, mchid, ...row } = r;

    const mismatches = checkRefundIntegrity(
      { mchid, out_trade_no, out_refund_no: row.out_refund_no, refund: Number(row.amount), total: Number(payment_amount) },
      { mchid: 'mchid' in refund ? (refund.mchid as string | undefined) : undefined, out_trade_no: refund.out_trade_no, out_refund_no: refund.out_refund_no, amount: refund.amount },
    );
    if (mismatches.length > 0) {
      const fingerprint = createHash('sha256').update(JSON.stringify(mismatches)).digest('hex').slice(0, 16);
      await insertPaymentEvent(tx, row.payment_id, 'refund_integrity_mismatch', { refund_id: row.id, source, mismatches }, now);
      await emitEvent(ctx, tx, {
        merchantId: row.merchant_id,
        type: 'payment.integrity_alert',
        dedupKey: `payment.integrity_alert:${row.id}:${source}:${fingerprint}`,
        data: { payment_id: row.payment_id, refund_id: row.id, out_refund_no: row.out_refund_no, source, mismatches },
      });
      ctx.logger.error({ refundId: row.id, source, fields: mismatches.map((m) => m.field) }, 'WeChat refund answer failed the integrity check; nothing changed');
      return { outcome: 'integrity_mismatch', refund: row };
    }

    const wechatStatus = statusOf(refund);
    const target = refundStatusForWechat(wechatStatus);
    if (target === null) return { outcome: 'no_change', refund: row };
    if (row.status === target) {
      // Still processing: remember WeChat's id if this is the first answer that carries it.
      if (!row.wechat_refund_id) {
        const upd = await updateRefundGuarded(tx, row.id, [row.status], { wechat_refund_id: refund.refund_id, wechat_status: wechatStatus }, now);
        return { outcome: 'already', refund: upd ?? row };
      }
      return { outcome: 'already', refund: row };
    }
    if (!ALLOWED_FROM[target].includes(row.status)) return { outcome: 'already', refund: row };

    const patch: RefundPatch = { status: target, wechat_refund_id: refund.refund_id, wechat_status: wechatStatus };
    if (target === 'succeeded') {
      const at = refund.success_time ? new Date(refund.success_time) : now;
      patch.succeeded_at = Number.isNaN(at.getTime()) ? now : at;
    }
    if (target !== 'processing') patch.next_query_at = null;
    const updated = await updateRefundGuarded(tx, row.id, ALLOWED_FROM[target], patch, now);
    if (!updated) return { outcome: 'already', refund: row };

    const paymentAmount = Number(payment_amount);
    if (target === 'succeeded') {
      const total = await succeededRefundTotal(tx, row.payment_id);
      await setRefundStatus(tx, row.payment_id, statusAfterRefunds(paymentAmount, total), now);
    } else if (target === 'closed') {
      const total = await succeededRefundTotal(tx, row.payment_id);
      await releaseRefund(tx, row.payment_id, Number(row.amount), statusAfterRefunds(paymentAmount, total), false, now);
    }
    await insertPaymentEvent(tx, row.payment_id, `refund_${target}`, { refund_id: row.id, source, wechat_status: wechatStatus }, now);
    if (target === 'succeeded') {
      await emitEvent(ctx, tx, { merchantId: row.merchant_id, type: 'refund.succeeded', dedupKey: `refund.succeeded:${row.id}`, data: { refund: refundView(updated) } });
    } else if (target === 'closed' || target === 'abnormal') {
      await emitEvent(ctx, tx, {
        merchantId: row.merchant_id,
        type: 'refund.failed',
        dedupKey: `refund.failed:${row.id}:${target}`,
        data: { refund: refundView(updated), abnormal: target === 'abnormal', wechat_status: wechatStatus },
      });
    }
    return { outcome: 'applied', refund: updated };
  });
}
