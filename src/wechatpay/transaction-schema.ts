import { z } from 'zod';

/**
 * The Transaction object (spec §5.6): the answer to an order query and the plaintext of a
 * TRANSACTION.SUCCESS notification. Objects are loose because WeChat adds fields over time;
 * amounts are integer fen. `transaction_id`, `success_time`, `payer` and `bank_type` appear only once paid.
 */
export const fen = z.number().int().nonnegative();

export const TRADE_STATES = ['SUCCESS', 'REFUND', 'NOTPAY', 'CLOSED', 'REVOKED', 'USERPAYING', 'PAYERROR'] as const;
export type TradeState = (typeof TRADE_STATES)[number];

const promotionDetailSchema = z.looseObject({
  coupon_id: z.string(),
  name: z.string().optional(),
  scope: z.string().optional(),
  type: z.string().optional(),
  amount: fen,
  stock_id: z.string().optional(),
  wechatpay_contribute: fen.optional(),
  merchant_contribute: fen.optional(),
  other_contribute: fen.optional(),
  currency: z.string().optional(),
});

export const transactionSchema = z.looseObject({
  appid: z.string(),
  mchid: z.string(),
  out_trade_no: z.string(),
  transaction_id: z.string().optional(),
  trade_type: z.string().optional(),
  trade_state: z.enum(TRADE_STATES),
  trade_state_desc: z.string(),
  bank_type: z.string().optional(),
  attach: z.string().optional(),
  success_time: z.string().optional(),
  payer: z.looseObject({ openid: z.string().optional() }).optional(),
  amount: z
    .looseObject({
      total: fen.optional(),
      payer_total: fen.optional(),
      currency: z.string().optional(),
      payer_currency: z.string().optional(),
    })
    .optional(),
  scene_info: z.looseObject({ device_id: z.string().optional() }).optional(),
  promotion_detail: z.array(promotionDetailSchema).optional(),
});

export type Transaction = z.infer<typeof transactionSchema>;
