import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyBaseLogger } from 'fastify';
import { unixSeconds } from '../lib/clock.ts';
import { signResponse } from '../wechatpay/response-signer.ts';
import { header } from '../wechatpay/validator.ts';
import type { SimContext } from './context.ts';
import { newRequestId, sendJson } from './route-helpers.ts';
import { internalNumber, SimError } from './sim-error.ts';
import { signingKeyFor } from './signing-keys.ts';
import { registerTransactionRoutes } from './routes/transactions.ts';
import { registerRefundRoutes } from './routes/refunds.ts';
import { registerBillRoutes } from './routes/bills.ts';
import { registerCertificateRoutes } from './routes/certificates.ts';
import { registerControlRoutes } from './routes/control.ts';
import { registerCashierRoutes } from './cashier.ts';

/** Bill downloads are the one 2xx WeChat sends unsigned (spec §2.1). */
const UNSIGNED_PATHS = /^\/v3\/billdownload\//;

export function buildServer(ctx: SimContext, logger: FastifyBaseLogger | false): FastifyInstance {
  const app = Fastify({ loggerInstance: logger === false ? undefined : logger, logger: logger === false ? false : undefined, bodyLimit: 1 << 20, genReqId: newRequestId } as never) as unknown as FastifyInstance;

  // Every body is kept as raw bytes: signatures are checked over exactly what was sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    reply.header('Request-ID', req.id);
    const path = req.url.split('?')[0]!;
    if (!path.startsWith('/v3/')) return;
    const action = ctx.faults.forRequest(req.method, path);
    if (action.latencyMs > 0) await sleep(action.latencyMs);
    if (action.kind === 'reset') {
      reply.hijack();
      req.raw.socket.destroy();
      return;
    }
    if (action.kind === 'error') throw new SimError(action.status, action.code, action.message);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const path = req.url.split('?')[0]!;
    if (!path.startsWith('/v3/') || reply.statusCode >= 300 || UNSIGNED_PATHS.test(path)) return payload;
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
    const key = signingKeyFor(ctx.merchant, ctx.keyMode, header(req.headers, 'wechatpay-serial'));
    const signed = signResponse(key.key, { serial: key.serial, body, timestamp: unixSeconds(ctx.clock) });
    for (const [k, v] of Object.entries(signed)) reply.header(k, v);
    return payload;
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    let e: SimError;
    if (err instanceof SimError) e = err;
    else if (typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number' && err.statusCode < 500) {
      // Fastify's own 4xx (body too large, bad content type): a protocol error in WeChat's terms.
      e = new SimError(400, 'INVALID_REQUEST', 'HTTP请求不符合微信支付APIv3接口规则');
    } else {
      req.log.error({ err }, 'simulator internal error');
      e = new SimError(500, 'SYSTEM_ERROR', '系统错误');
    }
    reply.header('Request-ID', `${req.id}-${internalNumber(e)}`);
    return sendJson(reply, e.status, e.toJSON());
  });

  app.setNotFoundHandler((_req, reply) => sendJson(reply, 404, { code: 'NOT_FOUND', message: '请求的资源不存在' }));

  registerTransactionRoutes(app, ctx);
  registerRefundRoutes(app, ctx);

  registerBillRoutes(app, ctx);
  registerCertificateRoutes(app, ctx);
  registerControlRoutes(app, ctx);
  registerCashierRoutes(app, ctx);
  return app;
}
