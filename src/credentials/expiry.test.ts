import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expiryWarnings, nextExpiryEvent, type ExpiryWarning } from './expiry.ts';

const DAY = 86_400_000;
const notAfter = new Date('2026-06-30T00:00:00Z');
const at = (daysLeft: number): number => notAfter.getTime() - daysLeft * DAY;

describe('certificate expiry warnings', () => {
  it('classifies the 30/7/1-day thresholds and expiry, boundaries included', () => {
    expect(expiryWarnings({ notAfter }, at(31))).toBeNull();
    expect(expiryWarnings({ notAfter }, at(30))).toBe('expires_in_30d');
    expect(expiryWarnings({ notAfter }, at(8))).toBe('expires_in_30d');
    expect(expiryWarnings({ notAfter }, at(7))).toBe('expires_in_7d');
    expect(expiryWarnings({ notAfter }, at(1.5))).toBe('expires_in_7d');
    expect(expiryWarnings({ notAfter }, at(1))).toBe('expires_in_1d');
    expect(expiryWarnings({ notAfter }, at(0))).toBe('expired');
    expect(expiryWarnings({ notAfter }, at(-3))).toBe('expired');
  });

  it('only ever gets more urgent as time passes', () => {
    const rank = (w: ExpiryWarning | null): number => (w === null ? 0 : { expires_in_30d: 1, expires_in_7d: 2, expires_in_1d: 3, expired: 4 }[w]);
    fc.assert(
      fc.property(fc.integer({ min: -100 * DAY, max: 100 * DAY }), fc.integer({ min: 0, max: 100 * DAY }), (t, dt) => {
        expect(rank(expiryWarnings({ notAfter }, at(0) + t + dt))).toBeGreaterThanOrEqual(rank(expiryWarnings({ notAfter }, at(0) + t)));
      }),
    );
  });

  it('a daily job emits each event once even if it skipped days', () => {
    let last: ExpiryWarning | null = null;
    const emitted: ExpiryWarning[] = [];
    for (let d = 40; d >= -2; d -= d > 10 ? 3 : 1) {
      const e = nextExpiryEvent({ notAfter }, at(d), last);
      if (e) {
        emitted.push(e);
        last = e;
      }
    }
    expect(emitted).toEqual(['expires_in_30d', 'expires_in_7d', 'expires_in_1d', 'expired']);
  });
});
