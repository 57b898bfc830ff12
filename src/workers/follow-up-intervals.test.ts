import { describe, expect, it } from 'vitest';
import { DEFAULT_PAYMENT_QUERY_INTERVALS_MS, EXPIRY_GRACE_MS, nextQueryAt } from './follow-up-intervals.ts';

describe('payment query schedule', () => {
  const now = 1_700_000_000_000;

  it('queries at lengthening intervals, repeating the last one', () => {
    const gaps = [0, 1, 2, 7, 8, 50].map((a) => nextQueryAt(now, a, DEFAULT_PAYMENT_QUERY_INTERVALS_MS).getTime() - now);
    expect(gaps).toEqual([15_000, 30_000, 60_000, 3600_000, 3600_000, 3600_000]);
  });

  it('visits a payment right after it expires rather than an hour later', () => {
    const expiresAt = now + 5 * 60_000;
    expect(nextQueryAt(now, 7, DEFAULT_PAYMENT_QUERY_INTERVALS_MS, expiresAt).getTime()).toBe(expiresAt + EXPIRY_GRACE_MS);
  });

  it('keeps the normal interval once the payment is already past expiry (the close failed: back off)', () => {
    expect(nextQueryAt(now, 3, DEFAULT_PAYMENT_QUERY_INTERVALS_MS, now - 1).getTime()).toBe(now + 2 * 60_000);
  });
});
