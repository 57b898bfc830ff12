import { z } from 'zod';
import type { WechatPayClient } from './client.ts';
import { checkInput, seg } from './request-input.ts';
import { notifyUrlSchema, outTradeNoSchema } from './h5.ts';
import { refundSchema, type Refund } from './refund-schema.ts';

/** `out_refund_no`: 1–64 of [0-9A-Za-z_-|*@] (spec §5.3). */
export const outRefundNoSchema = z.string().regex(/^[0-9A-Za-z_\-|*@]{1,64}$/, 'must be 1-64 characters of 0-9 A-Z a-z _ - | * @');

export const refundRequestSchema = z
  .strictObject({
    transaction_id: z.string().regex(/^[0-9A-Za-z]{1,32}$/).optional(),
    out_trade_no: outTradeNoSchema.optional(),
    out_refund_no: outRefundNoSchema,
    reason: z.string().min(1).max(80).optional(),
    notify_url: notifyUrlSchema.optional(),
    funds_account: z.literal('AVAILABLE').optional(),
    amount: z
      .strictObject({
        refund: z.number().int().min(1),
        total: z.number().int().min(1),
        currency: z.literal('CNY'),
        from: z.array(z.strictObject({ account: z.enum(['AVAILABLE', 'UNAVAILABLE']), amount: z.number().int().min(1) })).optional(),
      })
      .refine((a) => a.refund <= a.total, { message: 'refund must not exceed total', path: ['refund'] }),
    goods_detail: z.array(z.looseObject({})).optional(),
  })
  .refine((r) => (r.transaction_id === undefined) !== (r.out_trade_no === undefined), {
    message: 'give exactly one of transaction_id and out_trade_no',
    path: ['out_trade_no'],
  });

export type RefundRequest = z.infer<typeof refundRequestSchema>;

/** `POST /v3/refund/domestic/refunds`: 200 means accepted; retry only with the same out_refund_no. */
export async function createRefund(client: WechatPayClient, input: RefundRequest): Promise<Refund> {
  const body = checkInput(refundRequestSchema, input);
  return client.json({ method: 'POST', path: '/v3/refund/domestic/refunds', body }, refundSchema);
}

/** `GET /v3/refund/domestic/refunds/{out_refund_no}`; 404 RESOURCE_NOT_EXISTS means "not accepted" (spec §5.4). */
export async function queryRefund(client: WechatPayClient, outRefundNo: string): Promise<Refund> {
  const no = checkInput(outRefundNoSchema, outRefundNo);
  return client.json({ method: 'GET', path: `/v3/refund/domestic/refunds/${seg(no)}` }, refundSchema);
}
