import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOCKOUT_MS, LOCKOUT_THRESHOLD, lockoutStatus, recordLoginFailure, recordLoginSuccess, UNLOCKED, type LockoutState } from './login-lockout.ts';
import { SlidingWindowRateLimiter } from './rate-limiter.ts';

describe('account lockout', () => {
  it('locks after the tenth consecutive failure for 30 minutes', () => {
    let s: LockoutState = UNLOCKED;
    const t0 = 1_000_000;
    for (let i = 1; i < LOCKOUT_THRESHOLD; i++) {
      s = recordLoginFailure(s, t0 + i);
      expect(lockoutStatus(s, t0 + i)).toEqual({ locked: false, remainingAttempts: LOCKOUT_THRESHOLD - i });
    }
    s = recordLoginFailure(s, t0 + 10);
    expect(lockoutStatus(s, t0 + 10)).toEqual({ locked: true, retryAfterMs: LOCKOUT_MS });
    expect(lockoutStatus(s, t0 + 10 + LOCKOUT_MS - 1).locked).toBe(true);
    expect(lockoutStatus(s, t0 + 10 + LOCKOUT_MS)).toEqual({ locked: false, remainingAttempts: LOCKOUT_THRESHOLD });
  });

  it('does not extend the lock on failures while locked, and counts afresh afterwards', () => {
    let s: LockoutState = UNLOCKED;
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) s = recordLoginFailure(s, 0);
    const locked = s;
    expect(recordLoginFailure(s, 60_000)).toBe(locked);
    s = recordLoginFailure(s, LOCKOUT_MS + 1);
    expect(s).toEqual({ failures: 1, lockedUntilMs: null });
  });

  it('a success clears the count', () => {
    let s: LockoutState = UNLOCKED;
    for (let i = 0; i < LOCKOUT_THRESHOLD - 1; i++) s = recordLoginFailure(s, 0);
    s = recordLoginSuccess();
    expect(lockoutStatus(recordLoginFailure(s, 0), 0)).toEqual({ locked: false, remainingAttempts: LOCKOUT_THRESHOLD - 1 });
  });

  it('never allows more than 10 failed attempts in any 30 minutes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 * 60_000 }), { minLength: 1, maxLength: 60 }), (gaps) => {
        let s: LockoutState = UNLOCKED;
        let t = 0;
        const attempts: number[] = [];
        for (const g of gaps) {
          t += g;
          if (!lockoutStatus(s, t).locked) {
            attempts.push(t);
            s = recordLoginFailure(s, t);
          }
        }
        // Each lock lasts the full period: the 11th attempt after 10 straight failures comes ≥ 30 min after the 10th.
        for (let i = LOCKOUT_THRESHOLD; i < attempts.length; i += LOCKOUT_THRESHOLD) {
          expect(attempts[i]! - attempts[i - 1]!).toBeGreaterThanOrEqual(LOCKOUT_MS);
        }
      }),
    );
  });
});

describe('sliding-window rate limiter', () => {
  it('allows `limit` hits per window per key and says when to retry', async () => {
    const rl = new SlidingWindowRateLimiter({ limit: 3, windowMs: 60_000 });
    expect(await rl.hit('203.0.113.7', 0)).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
    await rl.hit('203.0.113.7', 10_000);
    expect(await rl.hit('203.0.113.7', 20_000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await rl.hit('203.0.113.7', 30_000)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 30_000 });
    expect((await rl.hit('198.51.100.1', 30_000)).allowed).toBe(true);
    // The window slides: the first hit leaves it at 60 s, not at a fixed boundary.
    expect((await rl.hit('203.0.113.7', 60_001)).allowed).toBe(true);
    expect((await rl.hit('203.0.113.7', 60_002)).allowed).toBe(false);
  });

  it('never allows more than `limit` hits in any window', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 80 }), async (gaps) => {
        const rl = new SlidingWindowRateLimiter({ limit: 5, windowMs: 60_000 });
        let t = 0;
        const allowed: number[] = [];
        for (const g of gaps) {
          t += g;
          if ((await rl.hit('k', t)).allowed) allowed.push(t);
        }
        for (let i = 5; i < allowed.length; i++) expect(allowed[i]! - allowed[i - 5]!).toBeGreaterThanOrEqual(60_000);
      }),
    );
  });

  it('bounds memory by evicting the least recently seen keys', async () => {
    const rl = new SlidingWindowRateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) await rl.hit(`ip-${i}`, i);
    expect(rl.trackedKeys).toBe(100);
    await rl.reset('ip-999');
    expect((await rl.hit('ip-999', 1000)).allowed).toBe(true);
  });
});
