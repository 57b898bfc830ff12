import type { FastifyInstance } from 'fastify';
import type { SimContext } from '../context.ts';
import { faultConfigSchema } from '../faults.ts';
import { toParamError } from '../field-errors.ts';
import { payOrder, transactionView } from '../payments.ts';
import { settleRefund } from '../refunds.ts';
import { parseJson, rawBody, sendJson } from '../route-helpers.ts';
import { SimError } from '../sim-error.ts';

/**
 * The control API for tests and demos (not part of WeChat's API, so unsigned and unauthenticated:
 * the simulator binds to loopback by default).
 */
export function registerControlRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.post<{ Params: { no: string } }>('/sim/transactions/:no/pay', async (req, reply) => {
    const order = ctx.state.order(req.params.no);
    if (!order) throw new SimError(404, 'ORDER_NOT_EXIST', '订单不存在');
    return sendJson(reply, 200, transactionView(payOrder(ctx, order)));
  });

  app.get('/sim/faults', async (_req, reply) => sendJson(reply, 200, ctx.faults.config));

  app.post('/sim/faults', async (req, reply) => {
    const input = parseJson(rawBody(req));
    const parsed = faultConfigSchema.safeParse(input);
    if (!parsed.success) throw toParamError(parsed.error.issues, input);
    ctx.faults.set(parsed.data);
    return sendJson(reply, 200, parsed.data);
  });

  app.delete('/sim/faults', async (_req, reply) => {
    ctx.faults.clear();
    return reply.code(204).send();
  });

  app.get('/sim/notifications', async (_req, reply) => sendJson(reply, 200, { data: ctx.notifier.log() }));

  app.get('/sim/orders', async (_req, reply) => sendJson(reply, 200, { data: ctx.state.orders().map(transactionView) }));

  app.post<{ Params: { no: string } }>('/sim/refunds/:no/abnormal', async (req, reply) => {
    const refund = ctx.state.refund(req.params.no);
    if (!refund) throw new SimError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    if (refund.status !== 'PROCESSING') throw new SimError(400, 'INVALID_REQUEST', `退款单状态为${refund.status}，只有处理中的退款可置为异常`);
    return sendJson(reply, 200, settleRefund(ctx, refund.out_refund_no, 'ABNORMAL'));
  });

  app.post<{ Params: { no: string } }>('/sim/refunds/:no/succeed', async (req, reply) => {
    const refund = ctx.state.refund(req.params.no);
    if (!refund) throw new SimError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    if (refund.status !== 'PROCESSING') throw new SimError(400, 'INVALID_REQUEST', `退款单状态为${refund.status}，只有处理中的退款可置为成功`);
    return sendJson(reply, 200, settleRefund(ctx, refund.out_refund_no, 'SUCCESS'));
  });

  app.post<{ Params: { no: string } }>('/sim/refunds/:no/close', async (req, reply) => {
    const refund = ctx.state.refund(req.params.no);
    if (!refund) throw new SimError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    if (refund.status !== 'PROCESSING') throw new SimError(400, 'INVALID_REQUEST', `退款单状态为${refund.status}，只有处理中的退款可关闭`);
    return sendJson(reply, 200, settleRefund(ctx, refund.out_refund_no, 'CLOSED'));
  });
}
