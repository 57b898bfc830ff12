import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Secret } from '../../lib/secret.ts';
import { assertCsrfToken, csrfTokenFor } from '../../operators/csrf.ts';
import type { ServiceContext } from '../../services/context.ts';
import { openSecretIfExists, sealSecret } from '../../services/custody/secrets.ts';

/** The HMAC key behind CSRF tokens, sealed in the vault so every node (and a restart) agrees on it. */
export const CSRF_KEY_SECRET_ID = 'system:operator_csrf_key';

export interface CsrfKeys {
  key(): Promise<Secret<Buffer>>;
  tokenFor(sessionTokenHash: string): Promise<string>;
  /** Throws `403 csrf_token_invalid` unless `x-csrf-token` matches this session. */
  check(req: FastifyRequest, sessionTokenHash: string): Promise<void>;
}

/**
 * Get-or-create of the sealed key, read once per process and cached (a failed read is retried on the
 * next request). Known gap: two nodes starting on an empty database at the same instant can each seal
 * a key; the later commit wins in the database, and the other node's tokens fail (403) until it
 * restarts. The console then asks for a fresh token via `GET /admin/api/me`.
 */
export function csrfKeys(ctx: ServiceContext): CsrfKeys {
  let cached: Promise<Secret<Buffer>> | undefined;
  const load = async (): Promise<Secret<Buffer>> => {
    const existing = await openSecretIfExists(ctx, CSRF_KEY_SECRET_ID);
    if (existing) return new Secret(Buffer.from(existing.reveal(), 'base64'));
    await ctx.db.transaction().execute(async (trx) => {
      if (await openSecretIfExists(ctx, CSRF_KEY_SECRET_ID, trx)) return;
      await sealSecret(ctx, trx, CSRF_KEY_SECRET_ID, randomBytes(32).toString('base64'));
    });
    const created = await openSecretIfExists(ctx, CSRF_KEY_SECRET_ID);
    return new Secret(Buffer.from(created!.reveal(), 'base64'));
  };
  const key = () => {
    cached ??= load().catch((e: unknown) => {
      cached = undefined;
      throw e;
    });
    return cached;
  };
  return {
    key,
    async tokenFor(hash) {
      return csrfTokenFor(await key(), hash);
    },
    async check(req, hash) {
      const h = req.headers['x-csrf-token'];
      assertCsrfToken(await key(), hash, typeof h === 'string' ? h : undefined);
    },
  };
}

export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
