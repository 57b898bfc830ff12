import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { header } from '../wechatpay/validator.ts';
import type { SimContext } from './context.ts';
import { authenticateRequest } from './request-auth.ts';
import { paramError, SimError } from './sim-error.ts';

export function newRequestId(): string {
  return randomBytes(20).toString('hex').toUpperCase();
}

/** Raw body bytes of the request (signatures are checked on exactly these). */
export function rawBody(req: FastifyRequest): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** Authenticates a merchant call, counts it against the merchant's rate limits, and returns the header mchid. */
export function authenticate(ctx: SimContext, req: FastifyRequest): string {
  const mchid = authenticateRequest({ method: req.method, rawUrl: req.raw.url ?? req.url, authorization: header(req.headers, 'authorization'), body: rawBody(req) }, ctx.merchant, ctx.clock);
  ctx.rateLimiter.take(mchid, req.method, req.url.split('?')[0]!);
  return mchid;
}

export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) throw paramError('请求体为空，应为JSON', { location: 'body' });
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw paramError('请求体不是合法的JSON', { location: 'body' });
  }
}

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

/** Header mchid must equal the one in the body or query (spec §1.3). */
export function assertSameMchid(headerMchid: string, bodyMchid: string, where: 'post payload' | 'query'): void {
  if (headerMchid !== bodyMchid) throw new SimError(400, 'INVALID_REQUEST', `http header中的mchid与${where}中的mchid不匹配`);
}

