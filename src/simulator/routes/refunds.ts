import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SimContext } from '../context.ts';
import { toParamError } from '../field-errors.ts';
import { canonicalJson, notifyUrlSchema, OUT_TRADE_NO } from '../h5-order-schema.ts';
import { createRefund, refundView } from '../refunds.ts';
import { authenticate, parseJson, rawBody, sendJson } from '../route-helpers.ts';
import { paramError, SimError } from '../sim-error.ts';

const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
const chars = (max: number) => z.string().refine((s) => [...s].length >= 1 && [...s].length <= max, { message: `长度应为1到${max}个字符` });

function refundSchema(allowHttp: boolean) {
  return z.strictObject({
    transaction_id: z.string().regex(/^\d{1,32}$/, { message: '微信支付订单号格式错误' }).optional(),
    out_trade_no: z.string().regex(OUT_TRADE_NO, { message: '商户订单号格式错误' }).optional(),
    out_refund_no: z.string().regex(OUT_REFUND_NO, { message: '商户退款单号应为1到64位数字、大小写字母或_-|*@' }),
    reason: chars(80).optional(),
    notify_url: notifyUrlSchema(allowHttp, 256).optional(),
    funds_account: z.literal('AVAILABLE').optional(),
    amount: z.strictObject({
      refund: z.number().int({ message: '退款金额必须是整数（单位：分）' }).min(1, { message: '退款金额必须大于0' }),
      total: z.number().int({ message: '原订单金额必须是整数（单位：分）' }).min(1),
      currency: z.literal('CNY', { message: '退款币种仅支持CNY' }),
      from: z.array(z.strictObject({ account: z.enum(['AVAILABLE', 'UNAVAILABLE']), amount: z.number().int().min(0) })).optional(),
    }),
    goods_detail: z
      .array(
        z.strictObject({
          merchant_goods_id: chars(32),
          wechatpay_goods_id: chars(32).optional(),
          goods_name: chars(256).optional(),
          unit_price: z.number().int().min(0),
          refund_amount: z.number().int().min(0),
          refund_quantity: z.number().int().min(1),
        }),
      )
      .optional(),
  });
}

export function registerRefundRoutes(app: FastifyInstance, ctx: SimContext): void {
  const schema = refundSchema(ctx.allowHttpNotifyUrl);

  app.post('/v3/refund/domestic/refunds', async (req, reply) => {
    authenticate(ctx, req);
    const input = parseJson(rawBody(req));
    const parsed = schema.safeParse(input);
    if (!parsed.success) throw toParamError(parsed.error.issues, input);
    const b = parsed.data;
    if (!b.transaction_id && !b.out_trade_no) throw paramError('transaction_id和out_trade_no必须二选一', { field: '/out_trade_no', location: 'body' });
    if (b.amount.refund > b.amount.total) throw paramError('退款金额不能大于原订单金额', { field: '/amount/refund', location: 'body' });
    const refund = createRefund(ctx, {
      out_refund_no: b.out_refund_no,
      amount: { refund: b.amount.refund, total: b.amount.total, currency: b.amount.currency },
      fingerprint: canonicalJson(b),
      ...(b.out_trade_no ? { out_trade_no: b.out_trade_no } : {}),
      ...(b.transaction_id ? { transaction_id: b.transaction_id } : {}),
      ...(b.reason !== undefined ? { reason: b.reason } : {}),
      ...(b.notify_url !== undefined ? { notify_url: b.notify_url } : {}),
    });
    return sendJson(reply, 200, refundView(refund));
  });

  app.get<{ Params: { no: string } }>('/v3/refund/domestic/refunds/:no', async (req, reply) => {
    authenticate(ctx, req);
    if (!OUT_REFUND_NO.test(req.params.no)) throw paramError('商户退款单号格式错误', { field: 'out_refund_no', location: 'url' });
    const refund = ctx.state.refund(req.params.no);
    // 404 means "never accepted": the merchant may safely submit again (spec §5.4).
    if (!refund) throw new SimError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    return sendJson(reply, 200, refundView(refund));
  });
}
