/**
 * Per-key rate limits (per client IP for logins, ASVS 6.3.1 / 2.4.1). The interface lets a Redis
 * implementation replace the in-memory one when several instances run.
 */
export interface RateDecision {
  allowed: boolean;
  /** Hits left in the current window after this one. */
  remaining: number;
  /** When refused: how long until one more hit would be allowed. */
  retryAfterMs: number;
}

export interface RateLimiter {
  hit(key: string, nowMs: number): Promise<RateDecision>;
  reset(key: string): Promise<void>;
}

/**
 * Sliding-window log: the timestamps of the last `limit` allowed hits per key, so the window slides
 * exactly (no burst of 2× the limit at a fixed-window boundary). Memory is bounded by `maxKeys`
 * (oldest keys evicted first) and by `limit` entries per key.
 */
export class SlidingWindowRateLimiter implements RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #hits = new Map<string, number[]>();

  constructor(opts: { limit: number; windowMs: number; maxKeys?: number }) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(opts.windowMs > 0)) throw new RangeError('windowMs must be positive');
    this.#limit = opts.limit;
    this.#windowMs = opts.windowMs;
    this.#maxKeys = opts.maxKeys ?? 100_000;
  }

  async hit(key: string, nowMs: number): Promise<RateDecision> {
    const since = nowMs - this.#windowMs;
    const log = (this.#hits.get(key) ?? []).filter((t) => t > since);
    this.#hits.delete(key); // re-inserted below, so Map order tracks recency for eviction
    if (log.length >= this.#limit) {
      this.#hits.set(key, log);
      return { allowed: false, remaining: 0, retryAfterMs: log[0]! + this.#windowMs - nowMs };
    }
    log.push(nowMs);
    this.#hits.set(key, log);
    if (this.#hits.size > this.#maxKeys) this.#hits.delete(this.#hits.keys().next().value!);
    return { allowed: true, remaining: this.#limit - log.length, retryAfterMs: 0 };
  }

  async reset(key: string): Promise<void> {
    this.#hits.delete(key);
  }

  get trackedKeys(): number {
    return this.#hits.size;
  }
}
