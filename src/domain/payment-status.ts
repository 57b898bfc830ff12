/**
 * The payment state machine (issue: money path §4):
 *   created → pending → succeeded | closed | failed
 *   succeeded → partially_refunded → refunded
 * `created` = reserved locally, WeChat not yet called (or the call's outcome unknown);
 * `pending` = WeChat accepted the order and gave an h5_url.
 * Transitions are checked here, and the SQL update repeats the guard in its WHERE clause so two
 * racing writers cannot both apply.
 */
export const PAYMENT_STATUSES = ['created', 'pending', 'succeeded', 'closed', 'failed', 'partially_refunded', 'refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

const NEXT: Record<PaymentStatus, readonly PaymentStatus[]> = {
  created: ['pending', 'succeeded', 'closed', 'failed'],
  pending: ['succeeded', 'closed', 'failed'],
  succeeded: ['partially_refunded', 'refunded'],
  partially_refunded: ['partially_refunded', 'refunded'],
  refunded: [],
  closed: [],
  failed: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return NEXT[from].includes(to);
}

/** Statuses from which the payment may still become paid. */
export const PAYABLE_STATUSES: readonly PaymentStatus[] = ['created', 'pending'];

/** Statuses in which the money has been received (refunds possible while something remains). */
export const PAID_STATUSES: readonly PaymentStatus[] = ['succeeded', 'partially_refunded', 'refunded'];

export function isTerminal(s: PaymentStatus): boolean {
  return NEXT[s].length === 0;
}

/** What WeChat's `trade_state` means for our status; `null` = nothing to change yet. */
export function statusForTradeState(tradeState: string): PaymentStatus | null {
  switch (tradeState) {
    case 'SUCCESS':
    case 'REFUND': // a refund was initiated: the order was paid
      return 'succeeded';
    case 'CLOSED':
    case 'REVOKED':
      return 'closed';
    case 'PAYERROR':
      return 'failed';
    default:
      return null; // NOTPAY, USERPAYING
  }
}

/** The status after refunds totalling `refunded` of `amount` have succeeded. */
export function statusAfterRefunds(amount: number, refunded: number): PaymentStatus {
  if (refunded <= 0) return 'succeeded';
  return refunded >= amount ? 'refunded' : 'partially_refunded';
}

export const REFUND_STATUSES = ['pending', 'processing', 'succeeded', 'closed', 'abnormal', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export function refundStatusForWechat(status: string): RefundStatus | null {
  switch (status) {
    case 'SUCCESS':
      return 'succeeded';
    case 'CLOSED':
      return 'closed';
    case 'ABNORMAL':
      return 'abnormal';
    case 'PROCESSING':
      return 'processing';
    default:
      return null;
  }
}

/** Refund outcomes that end the refund (the reserved amount is kept or released accordingly). */
export function isFinalRefundStatus(s: RefundStatus): boolean {
  return s === 'succeeded' || s === 'closed' || s === 'failed';
}
