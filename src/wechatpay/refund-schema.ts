import { z } from 'zod';
import { fen } from './transaction-schema.ts';

/** Refund object (spec §5.3/§5.4): answer to refund create and query. Loose: WeChat adds fields. */
export const REFUND_STATUSES = ['SUCCESS', 'CLOSED', 'PROCESSING', 'ABNORMAL'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export const refundSchema = z.looseObject({
  refund_id: z.string(),
  out_refund_no: z.string(),
  transaction_id: z.string(),
  out_trade_no: z.string(),
  channel: z.string(),
  user_received_account: z.string(),
  success_time: z.string().optional(),
  create_time: z.string(),
  status: z.enum(REFUND_STATUSES),
  funds_account: z.string().optional(),
  amount: z.looseObject({
    total: fen,
    refund: fen,
    payer_total: fen,
    payer_refund: fen,
    settlement_refund: fen.optional(),
    settlement_total: fen.optional(),
    discount_refund: fen.optional(),
    currency: z.string(),
    refund_fee: fen.optional(),
    from: z.array(z.looseObject({ account: z.string(), amount: fen })).optional(),
  }),
  promotion_detail: z.array(z.looseObject({})).optional(),
});

export type Refund = z.infer<typeof refundSchema>;

/** Plaintext of a REFUND.* notification (spec §5.4). */
export const refundNoticeSchema = z.looseObject({
  mchid: z.string(),
  transaction_id: z.string(),
  out_trade_no: z.string(),
  refund_id: z.string(),
  out_refund_no: z.string(),
  refund_status: z.enum(['SUCCESS', 'CLOSED', 'ABNORMAL']),
  success_time: z.string().optional(),
  user_received_account: z.string().optional(),
  amount: z.looseObject({ total: fen, refund: fen, payer_total: fen, payer_refund: fen }),
});

export type RefundNotice = z.infer<typeof refundNoticeSchema>;
