import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Merchant } from '../../domain/merchant.ts';
import { AppError } from '../../lib/errors.ts';
import { authenticateApiKey } from '../../services/merchants/api-keys.ts';
import type { ServiceContext } from '../../services/context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The merchant whose API key authenticated this request (merchant API routes only). */
    merchant?: Merchant;
    /** The id of that API key (audit attribution). */
    apiKeyId?: string;
  }
}

/**
 * `Authorization: Bearer sk_…` on every route of the scope it is added to. Every failure — no header,
 * another scheme, a malformed, unknown, revoked or wrong key, a disabled merchant — is the same 401, so
 * a probe learns nothing about which keys exist.
 */
export function addApiKeyAuth(scope: FastifyInstance, ctx: Pick<ServiceContext, 'db' | 'clock'>): void {
  scope.addHook('onRequest', async (req, reply) => {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,200})$/.exec(header) : null;
    const found = m ? await authenticateApiKey({ db: ctx.db, clock: ctx.clock }, m[1]!) : null;
    if (!found) {
      reply.header('WWW-Authenticate', 'Bearer');
      throw new AppError('unauthenticated', 'unauthenticated', 'Missing or invalid API key.');
    }
    req.merchant = found.merchant;
    req.apiKeyId = found.keyId;
  });
}

/** The authenticated merchant; only called inside a scope that has `addApiKeyAuth`. */
export function merchantOf(req: FastifyRequest): Merchant {
  if (!req.merchant) throw new AppError('unauthenticated', 'unauthenticated', 'Missing or invalid API key.');
  return req.merchant;
}

/** Who an authenticated merchant-API request is, for the audit log: its API key, and the client IP. */
export function apiKeyActorOf(req: FastifyRequest): { actor: { type: 'merchant_api_key'; id: string }; ip: string } {
  return { actor: { type: 'merchant_api_key', id: req.apiKeyId ?? merchantOf(req).id }, ip: req.ip };
}
