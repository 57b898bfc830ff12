import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_WEBHOOK_RETRY_DELAYS_MS, JITTER, retryDelayMs, scheduleSpanMs } from './backoff.ts';

describe('webhook retry schedule', () => {
  it('spans more than 24 hours even at the low end of the jitter', () => {
    expect(scheduleSpanMs() * (1 - JITTER)).toBeGreaterThan(24 * 3600_000);
  });

  it('grows (never shrinks) from one retry to the next', () => {
    for (let i = 1; i < DEFAULT_WEBHOOK_RETRY_DELAYS_MS.length; i++) {
      expect(DEFAULT_WEBHOOK_RETRY_DELAYS_MS[i]).toBeGreaterThanOrEqual(DEFAULT_WEBHOOK_RETRY_DELAYS_MS[i - 1] as number);
    }
  });

  it('stays within ±20 % of the base delay whatever the randomness', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: DEFAULT_WEBHOOK_RETRY_DELAYS_MS.length }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
        const base = DEFAULT_WEBHOOK_RETRY_DELAYS_MS[n - 1] as number;
        const d = retryDelayMs(n, DEFAULT_WEBHOOK_RETRY_DELAYS_MS, () => r) as number;
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * (1 - JITTER)));
        expect(d).toBeLessThanOrEqual(Math.ceil(base * (1 + JITTER)));
      }),
    );
  });

  it('gives up (undefined) once the schedule is exhausted, and before the first failure', () => {
    expect(retryDelayMs(DEFAULT_WEBHOOK_RETRY_DELAYS_MS.length + 1)).toBeUndefined();
    expect(retryDelayMs(0)).toBeUndefined();
  });
});
