import type { FastifyInstance } from 'fastify';
import { AppError } from '../../lib/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { SlidingWindowRateLimiter, type RateLimiter } from '../../operators/rate-limiter.ts';

export interface AdminRateLimits {
  /** Sign-in attempts per client IP (default 20 per 10 minutes): in front of argon2 and the lockout. */
  login: { limit: number; windowMs: number };
  /** Every admin API request per client IP (default 600 per minute). */
  api: { limit: number; windowMs: number };
}

export const DEFAULT_ADMIN_RATE_LIMITS: AdminRateLimits = {
  login: { limit: 20, windowMs: 10 * 60_000 },
  api: { limit: 600, windowMs: 60_000 },
};

export function loginLimiter(limits: AdminRateLimits): RateLimiter {
  return new SlidingWindowRateLimiter(limits.login);
}

/**
 * A per-IP ceiling on the whole scope it is added to (ASVS 2.4.1): refused requests get `429
 * rate_limited` with Retry-After before any session lookup or database work.
 */
export function addIpRateLimit(scope: FastifyInstance, clock: Clock, limit: AdminRateLimits['api'], prefix: string): void {
  const limiter = new SlidingWindowRateLimiter(limit);
  scope.addHook('onRequest', async (req, reply) => {
    const d = await limiter.hit(`${prefix}:${req.ip}`, clock.now());
    if (!d.allowed) {
      const seconds = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
      reply.header('Retry-After', String(seconds));
      throw new AppError('rate_limited', 'rate_limited', 'Too many requests; slow down.', { retry_after_seconds: seconds });
    }
  });
}
