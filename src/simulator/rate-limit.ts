import { performance } from 'node:perf_hooks';
import { SimError } from './sim-error.ts';

/**
 * WeChat's per-merchant request limits, as far as they are documented (spec §5.3, §12): H5/JSAPI
 * orders ≈ 500 requests/s and refund queries 300 QPS per merchant; other endpoints have limits
 * WeChat does not publish, so they are unlimited unless configured. Over the limit WeChat answers
 * 429 FREQUENCY_LIMITED (频率超限); the merchant backs off.
 */
export const RATE_FAMILIES = ['order', 'query', 'close', 'refund', 'refund-query', 'bill', 'certificates'] as const;
export type RateFamily = (typeof RATE_FAMILIES)[number];
export type RateLimits = Partial<Record<RateFamily, number>>;

export const DEFAULT_RATE_LIMITS: RateLimits = { order: 500, 'refund-query': 300 };

/** Which limit a `/v3/` request counts against; undefined for paths no limit covers. */
export function rateFamilyOf(method: string, path: string): RateFamily | undefined {
  if (method === 'POST' && path === '/v3/pay/transactions/h5') return 'order';
  if (method === 'POST' && path.endsWith('/close') && path.startsWith('/v3/pay/transactions/')) return 'close';
  if (method === 'GET' && path.startsWith('/v3/pay/transactions/')) return 'query';
  if (method === 'POST' && path === '/v3/refund/domestic/refunds') return 'refund';
  if (method === 'GET' && path.startsWith('/v3/refund/domestic/refunds/')) return 'refund-query';
  if (method === 'GET' && (path === '/v3/bill/tradebill' || path.startsWith('/v3/billdownload/'))) return 'bill';
  if (method === 'GET' && path === '/v3/certificates') return 'certificates';
  return undefined;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets per merchant and family: `n` per second, bursts of up to `n` (one second's worth).
 * Real (monotonic) time, not the simulator's clock: a rate limit is about requests per wall second.
 */
export class RateLimiter {
  readonly #limits: RateLimits;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(limits: RateLimits, now: () => number = () => performance.now()) {
    for (const [family, n] of Object.entries(limits)) {
      if (!(RATE_FAMILIES as readonly string[]).includes(family)) throw new RangeError(`unknown rate limit family ${JSON.stringify(family)}`);
      if (!(typeof n === 'number' && Number.isFinite(n) && n > 0)) throw new RangeError(`the ${family} rate limit must be a positive number of requests per second`);
    }
    this.#limits = limits;
    this.#now = now;
  }

  /** Counts one request; throws 429 FREQUENCY_LIMITED when the merchant's bucket is empty. */
  take(mchid: string, method: string, path: string): void {
    const family = rateFamilyOf(method, path);
    const perSecond = family === undefined ? undefined : this.#limits[family];
    if (perSecond === undefined) return;
    const key = `${mchid}\u0000${family}`;
    const now = this.#now();
    const b = this.#buckets.get(key) ?? { tokens: perSecond, at: now };
    b.tokens = Math.min(perSecond, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.#buckets.set(key, b);
    if (b.tokens < 1) throw new SimError(429, 'FREQUENCY_LIMITED', '频率超限，请降低请求频率');
    b.tokens -= 1;
  }
}

/** `order=500 refund-query=300` (CLI form) → limits; `off` → none. */
export function parseRateLimits(specs: readonly string[]): RateLimits {
  if (specs.length === 1 && specs[0] === 'off') return {};
  const out: RateLimits = {};
  for (const spec of specs) {
    const m = /^([a-z-]+)=(\d+(?:\.\d+)?)$/.exec(spec);
    if (!m || !(RATE_FAMILIES as readonly string[]).includes(m[1]!) || !(Number(m[2]) > 0)) {
      throw new RangeError(`rate limit ${JSON.stringify(spec)} is not <family>=<requests per second> (families: ${RATE_FAMILIES.join(', ')}) or "off"`);
    }
    out[m[1] as RateFamily] = Number(m[2]);
  }
  return out;
}
