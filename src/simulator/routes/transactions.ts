import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { toRfc3339Cst } from '../../lib/clock.ts';
import { randomAlnum } from '../../lib/ids.ts';
import type { SimContext } from '../context.ts';
import { toParamError } from '../field-errors.ts';
import { canonicalJson, h5OrderSchema, OUT_TRADE_NO } from '../h5-order-schema.ts';
import { transactionView } from '../payments.ts';
import { assertSameMchid, authenticate, parseJson, rawBody, sendJson } from '../route-helpers.ts';
import { paramError, SimError } from '../sim-error.ts';
import type { SimOrder } from '../state.ts';

/** h5_url opens the cashier for five minutes (spec §4.2). */
export const H5_URL_TTL_MS = 5 * 60_000;

function requireQueryMchid(query: unknown): string {
  const mchid = (query as Record<string, unknown>).mchid;
  if (typeof mchid !== 'string' || mchid.length === 0) throw paramError('缺少参数 mchid', { field: 'mchid', location: 'query' });
  return mchid;
}

function issueH5Url(ctx: SimContext, o: SimOrder): string {
  const now = ctx.clock.now();
  const prepayId = `wx${toRfc3339Cst(now).slice(0, 19).replace(/[-T:]/g, '')}${randomAlnum(20).toLowerCase()}`;
  const pkg = String(randomInt(1_000_000_000, 9_999_999_999));
  ctx.state.putPrepay({ prepay_id: prepayId, package: pkg, out_trade_no: o.out_trade_no, issued_at: now });
  return `${ctx.baseUrl}/pay/checkmweb?prepay_id=${prepayId}&package=${pkg}`;
}

export function registerTransactionRoutes(app: FastifyInstance, ctx: SimContext): void {
  const schema = h5OrderSchema({ allowHttpNotifyUrl: ctx.allowHttpNotifyUrl });

  app.post('/v3/pay/transactions/h5', async (req, reply) => {
    const mchid = authenticate(ctx, req);
    const input = parseJson(rawBody(req));
    const parsed = schema.safeParse(input);
    if (!parsed.success) throw toParamError(parsed.error.issues, input);
    const body = parsed.data;
    assertSameMchid(mchid, body.mchid, 'post payload');
    if (body.appid !== ctx.merchant.json.appid) throw new SimError(400, 'APPID_MCHID_NOT_MATCH', 'AppID和mch_id不匹配');

    const fingerprint = canonicalJson(body);
    const existing = ctx.state.order(body.out_trade_no);
    if (existing) {
      if (existing.trade_state === 'SUCCESS' || existing.trade_state === 'REFUND') throw new SimError(403, 'ORDER_PAID', '订单已支付');
      if (existing.trade_state === 'CLOSED') throw new SimError(400, 'ORDER_CLOSED', '订单已关闭');
      if (existing.fingerprint !== fingerprint) throw new SimError(403, 'OUT_TRADE_NO_USED', '请求重入时，参数与首次请求时不一致');
      // Re-entry with identical parameters: a fresh five-minute h5_url for the same order (spec §4.2).
      return sendJson(reply, 200, { h5_url: issueH5Url(ctx, existing) });
    }
    const order: SimOrder = {
      appid: body.appid,
      mchid: body.mchid,
      out_trade_no: body.out_trade_no,
      description: body.description,
      notify_url: body.notify_url,
      amount: { total: body.amount.total, currency: body.amount.currency ?? 'CNY' },
      scene_info: {
        payer_client_ip: body.scene_info.payer_client_ip,
        h5_info: { type: body.scene_info.h5_info.type },
        ...(body.scene_info.device_id ? { device_id: body.scene_info.device_id } : {}),
      },
      fingerprint,
      created_at: ctx.clock.now(),
      trade_state: 'NOTPAY',
      ...(body.attach !== undefined ? { attach: body.attach } : {}),
      ...(body.goods_tag !== undefined ? { goods_tag: body.goods_tag } : {}),
      ...(body.time_expire !== undefined ? { time_expire: body.time_expire } : {}),
    };
    ctx.state.putOrder(order);
    return sendJson(reply, 200, { h5_url: issueH5Url(ctx, order) });
  });

  app.get<{ Params: { no: string } }>('/v3/pay/transactions/out-trade-no/:no', async (req, reply) => {
    const mchid = authenticate(ctx, req);
    assertSameMchid(mchid, requireQueryMchid(req.query), 'query');
    if (!OUT_TRADE_NO.test(req.params.no)) throw paramError('商户订单号格式错误', { field: 'out_trade_no', location: 'url' });
    const order = ctx.state.order(req.params.no);
    if (!order) throw new SimError(404, 'ORDER_NOT_EXIST', '订单不存在');
    return sendJson(reply, 200, transactionView(order));
  });

  app.get<{ Params: { id: string } }>('/v3/pay/transactions/id/:id', async (req, reply) => {
    const mchid = authenticate(ctx, req);
    assertSameMchid(mchid, requireQueryMchid(req.query), 'query');
    if (!/^\d{1,32}$/.test(req.params.id)) throw paramError('微信支付订单号格式错误', { field: 'transaction_id', location: 'url' });
    // Unpaid orders have no transaction_id yet, so they are only found by out_trade_no (spec §5.1).
    const order = ctx.state.orderByTransactionId(req.params.id);
    if (!order) throw new SimError(404, 'ORDER_NOT_EXIST', '订单不存在');
    return sendJson(reply, 200, transactionView(order));
  });

  app.post<{ Params: { no: string } }>('/v3/pay/transactions/out-trade-no/:no/close', async (req, reply) => {
    const mchid = authenticate(ctx, req);
    const input = parseJson(rawBody(req));
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw paramError('请求体应为JSON对象', { location: 'body' });
    const extra = Object.keys(input).find((k) => k !== 'mchid');
    if (extra) throw paramError('参数中含有非法的额外参数', { field: `/${extra}`, location: 'body' });
    const bodyMchid = (input as { mchid?: unknown }).mchid;
    if (typeof bodyMchid !== 'string' || !bodyMchid) throw paramError('缺少参数 /mchid', { field: '/mchid', location: 'body' });
    assertSameMchid(mchid, bodyMchid, 'post payload');
    if (!OUT_TRADE_NO.test(req.params.no)) throw paramError('商户订单号格式错误', { field: 'out_trade_no', location: 'url' });
    const order = ctx.state.order(req.params.no);
    if (!order) throw new SimError(404, 'ORDER_NOT_EXIST', '订单不存在');
    if (order.trade_state === 'SUCCESS' || order.trade_state === 'REFUND') throw new SimError(403, 'ORDER_PAID', '订单已支付');
    // Closing is re-entrant: a closed order closes again without error.
    if (order.trade_state === 'NOTPAY') ctx.state.putOrder({ ...order, trade_state: 'CLOSED', closed_at: ctx.clock.now() });
    return reply.code(204).send();
  });
}
