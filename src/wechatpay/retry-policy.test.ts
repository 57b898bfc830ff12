import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, decideRetry, parseRetryAfter } from './retry-policy.ts';

const opts = { ...DEFAULT_RETRY, maxAttempts: 4 };
const half = () => 0.5;

describe('retry decision table', () => {
  it('retries connection failures and fails over to the backup host', () => {
    expect(decideRetry({ kind: 'connection' }, 1, opts, half)).toMatchObject({ retry: true, failover: true });
  });

  it('retries timeouts and 5xx on the same host', () => {
    expect(decideRetry({ kind: 'timeout' }, 1, opts, half)).toMatchObject({ retry: true, failover: false });
    for (const status of [500, 502, 503]) expect(decideRetry({ kind: 'http', status }, 1, opts, half)).toMatchObject({ retry: true, failover: false });
  });

  it('never retries other 4xx', () => {
    for (const status of [400, 401, 403, 404, 409]) expect(decideRetry({ kind: 'http', status }, 1, opts, half)).toEqual({ retry: false });
  });

  it('honours Retry-After on 429 and refuses to wait longer than the cap', () => {
    expect(decideRetry({ kind: 'http', status: 429, retryAfterSeconds: 3 }, 1, opts, half)).toEqual({ retry: true, delayMs: 3000, failover: false });
    expect(decideRetry({ kind: 'http', status: 429, retryAfterSeconds: 60 }, 1, opts, half)).toEqual({ retry: false });
  });

  it('backs off longer on 429 without Retry-After than on a 5xx', () => {
    const rl = decideRetry({ kind: 'http', status: 429 }, 1, opts, half);
    const se = decideRetry({ kind: 'http', status: 500 }, 1, opts, half);
    expect(rl.retry && se.retry && rl.delayMs > se.delayMs).toBe(true);
  });

  it('grows the delay exponentially, jitters it between half and all of it, and caps it', () => {
    const d = (attempt: number, r: number) => {
      const x = decideRetry({ kind: 'http', status: 500 }, attempt, { ...opts, maxAttempts: 10 }, () => r);
      return x.retry ? x.delayMs : -1;
    };
    expect(d(1, 0)).toBe(100);
    expect(d(1, 0.999999)).toBe(200);
    expect(d(2, 0)).toBe(200);
    expect(d(3, 0)).toBe(400);
    expect(d(9, 0.999999)).toBe(2000);
  });

  it('stops after maxAttempts', () => {
    expect(decideRetry({ kind: 'http', status: 500 }, 4, opts, half)).toEqual({ retry: false });
    expect(decideRetry({ kind: 'connection' }, 3, opts, half).retry).toBe(true);
  });
});

describe('Retry-After parsing', () => {
  it('reads delta-seconds and HTTP dates and ignores junk', () => {
    expect(parseRetryAfter('5', 0)).toBe(5);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});
