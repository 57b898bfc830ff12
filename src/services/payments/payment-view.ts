import type { PaymentRow } from '../../db/payments.ts';
import type { RefundRow } from '../../db/refunds.ts';
import type { PaymentRisk } from '../../db/risk-tables.ts';

/**
 * What merchants see of a payment and a refund (API responses and webhook `data`). Internal
 * bookkeeping (query schedule, raw WeChat state) stays out; amounts are integer fen.
 */
export interface PaymentView {
  id: string;
  object: 'payment';
  out_trade_no: string;
  status: PaymentRow['status'];
  amount: number;
  currency: string;
  description: string;
  refunded_amount: number;
  refund_count: number;
  h5_type: string | null;
  h5_url: string | null;
  h5_url_expires_at: string | null;
  redirect_url: string | null;
  attach: string | null;
  metadata: Record<string, string>;
  transaction_id: string | null;
  payer_openid: string | null;
  paid_at: string | null;
  expires_at: string;
  created_at: string;
  updated_at: string;
  /**
   * Risk control's view: `clear`; `flagged` (an order rule asked for review, it proceeded);
   * `in_review` (held after payment: wait before fulfilling); `approved`; `rejected` (refunded in full).
   */
  risk: { status: 'clear' } | PaymentRisk;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The h5_url handed to the payer: WeChat's, with our url-encoded redirect_url appended (spec §4.1). */
export function payerH5Url(h5Url: string | null, redirectUrl: string | null): string | null {
  if (!h5Url) return null;
  return redirectUrl ? `${h5Url}&redirect_url=${encodeURIComponent(redirectUrl)}` : h5Url;
}

export function paymentView(p: PaymentRow): PaymentView {
  return {
    id: p.id,
    object: 'payment',
    out_trade_no: p.out_trade_no,
    status: p.status,
    amount: Number(p.amount),
    currency: p.currency,
    description: p.description,
    refunded_amount: Number(p.refunded_amount),
    refund_count: p.refund_count,
    h5_type: p.h5_type,
    // Only a pending payment has a usable cashier link.
    h5_url: p.status === 'pending' ? payerH5Url(p.h5_url, p.redirect_url) : null,
    h5_url_expires_at: p.status === 'pending' ? iso(p.h5_url_expires_at) : null,
    redirect_url: p.redirect_url,
    attach: p.attach,
    metadata: p.metadata,
    transaction_id: p.transaction_id,
    // Masked (first 4 characters): the full openid is sealed and revealed only through an audited read.
    payer_openid: p.payer_openid_masked,
    paid_at: iso(p.paid_at),
    expires_at: p.expires_at.toISOString(),
    created_at: p.created_at.toISOString(),
    updated_at: p.updated_at.toISOString(),
    risk: p.risk ?? { status: 'clear' },
  };
}

export interface RefundView {
  id: string;
  object: 'refund';
  payment_id: string;
  out_refund_no: string;
  amount: number;
  currency: string;
  reason: string | null;
  status: RefundRow['status'];
  wechat_refund_id: string | null;
  /** ABNORMAL needs the merchant's action (the payer's card or account could not take the money). */
  abnormal: boolean;
  error: string | null;
  succeeded_at: string | null;
  created_at: string;
  updated_at: string;
}

export function refundView(r: RefundRow): RefundView {
  return {
    id: r.id,
    object: 'refund',
    payment_id: r.payment_id,
    out_refund_no: r.out_refund_no,
    amount: Number(r.amount),
    currency: r.currency,
    reason: r.reason,
    status: r.status,
    wechat_refund_id: r.wechat_refund_id,
    abnormal: r.status === 'abnormal',
    error: r.error,
    succeeded_at: iso(r.succeeded_at),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}
