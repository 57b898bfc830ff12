/**
 * When to repeat a request to WeChat Pay (spec §6.3, §9). Orders and refunds are idempotent on
 * `out_trade_no` / `out_refund_no`, so an unknown outcome is repeated with the identical body
 * (re-signed with a fresh nonce and timestamp so it stays inside the 5-minute window).
 *
 * | What happened                              | Retry?                         | Fail over to backup host? |
 * |--------------------------------------------|--------------------------------|---------------------------|
 * | connection refused / reset / DNS / connect timeout | yes, jittered backoff  | yes (WeChat: 访问异地的接入点) |
 * | no answer in time (headers/body timeout)   | yes, jittered backoff          | no                        |
 * | 5xx (SYSTEM_ERROR, BANK_ERROR, 502/503)    | yes, jittered backoff          | no                        |
 * | 429 FREQUENCY_LIMITED                      | yes, Retry-After or long backoff | no                      |
 * | any other 4xx                              | never (fix the input)          | no                        |
 * | 2xx                                        | done                           | —                         |
 *
 * Attempts are bounded; a Retry-After longer than `maxRetryAfterMs` is not waited for.
 */
export type AttemptOutcome =
  | { kind: 'connection' }
  | { kind: 'timeout' }
  | { kind: 'http'; status: number; retryAfterSeconds?: number | undefined };

export type RetryDecision = { retry: false } | { retry: true; delayMs: number; failover: boolean };

export interface RetryOptions {
  /** Total attempts including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Base delay after a 429 without Retry-After. */
  rateLimitDelayMs: number;
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  rateLimitDelayMs: 1_000,
  maxRetryAfterMs: 10_000,
};

interface Rule {
  readonly name: string;
  readonly matches: (o: AttemptOutcome) => boolean;
  readonly retry: boolean;
  readonly failover: boolean;
  readonly delay: 'backoff' | 'rate_limit';
}

export const RETRY_RULES: readonly Rule[] = [
  { name: 'connection failure', matches: (o) => o.kind === 'connection', retry: true, failover: true, delay: 'backoff' },
  { name: 'timeout', matches: (o) => o.kind === 'timeout', retry: true, failover: false, delay: 'backoff' },
  { name: 'server error', matches: (o) => o.kind === 'http' && o.status >= 500, retry: true, failover: false, delay: 'backoff' },
  { name: 'rate limited', matches: (o) => o.kind === 'http' && o.status === 429, retry: true, failover: false, delay: 'rate_limit' },
  { name: 'client error', matches: (o) => o.kind === 'http' && o.status >= 400, retry: false, failover: false, delay: 'backoff' },
];

/**
 * `attempt` is the 1-based number of the attempt that just finished; `random` returns [0, 1).
 * Full-range jitter between half and all of the exponential delay keeps a fleet from retrying in step.
 */
export function decideRetry(outcome: AttemptOutcome, attempt: number, opts: RetryOptions, random: () => number = Math.random): RetryDecision {
  if (attempt >= opts.maxAttempts) return { retry: false };
  const rule = RETRY_RULES.find((r) => r.matches(outcome));
  if (!rule || !rule.retry) return { retry: false };
  if (rule.delay === 'rate_limit' && outcome.kind === 'http' && outcome.retryAfterSeconds !== undefined) {
    const ms = outcome.retryAfterSeconds * 1000;
    if (ms > opts.maxRetryAfterMs) return { retry: false };
    return { retry: true, delayMs: ms, failover: rule.failover };
  }
  const base = rule.delay === 'rate_limit' ? opts.rateLimitDelayMs : opts.baseDelayMs;
  const exp = Math.min(opts.maxDelayMs, base * 2 ** (attempt - 1));
  const delayMs = Math.round(exp / 2 + (random() * exp) / 2);
  return { retry: true, delayMs, failover: rule.failover };
}

/** Parses Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d{1,6}$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
