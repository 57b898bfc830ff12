import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, parseRateLimits, rateFamilyOf, RateLimiter } from './rate-limit.ts';

const ORDER = ['POST', '/v3/pay/transactions/h5'] as const;

function limited(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    const err = e as { status: number; code: string };
    return `${err.status} ${err.code}`;
  }
}

describe('RateLimiter', () => {
  it('lets a burst of one second through, then answers 429 FREQUENCY_LIMITED until tokens refill', () => {
    let now = 0;
    const rl = new RateLimiter({ order: 5 }, () => now);
    for (let i = 0; i < 5; i++) expect(limited(() => rl.take('m1', ...ORDER))).toBeUndefined();
    expect(limited(() => rl.take('m1', ...ORDER))).toBe('429 FREQUENCY_LIMITED');
    now += 199; // 0.995 of a token
    expect(limited(() => rl.take('m1', ...ORDER))).toBe('429 FREQUENCY_LIMITED');
    now += 1;
    expect(limited(() => rl.take('m1', ...ORDER))).toBeUndefined();
    expect(limited(() => rl.take('m1', ...ORDER))).toBe('429 FREQUENCY_LIMITED');
    now += 10_000; // refills to the burst size, never beyond
    for (let i = 0; i < 5; i++) expect(limited(() => rl.take('m1', ...ORDER))).toBeUndefined();
    expect(limited(() => rl.take('m1', ...ORDER))).toBe('429 FREQUENCY_LIMITED');
  });

  it('keeps one bucket per merchant and per family; families without a limit pass', () => {
    const rl = new RateLimiter({ order: 1 }, () => 0);
    rl.take('m1', ...ORDER);
    expect(limited(() => rl.take('m1', ...ORDER))).toBe('429 FREQUENCY_LIMITED');
    expect(limited(() => rl.take('m2', ...ORDER))).toBeUndefined();
    for (let i = 0; i < 100; i++) rl.take('m1', 'GET', '/v3/pay/transactions/out-trade-no/T1');
  });

  it('classifies the endpoints', () => {
    expect(rateFamilyOf('POST', '/v3/pay/transactions/h5')).toBe('order');
    expect(rateFamilyOf('GET', '/v3/pay/transactions/id/4200')).toBe('query');
    expect(rateFamilyOf('POST', '/v3/pay/transactions/out-trade-no/T1/close')).toBe('close');
    expect(rateFamilyOf('POST', '/v3/refund/domestic/refunds')).toBe('refund');
    expect(rateFamilyOf('GET', '/v3/refund/domestic/refunds/R1')).toBe('refund-query');
    expect(rateFamilyOf('GET', '/v3/bill/tradebill')).toBe('bill');
    expect(rateFamilyOf('GET', '/v3/certificates')).toBe('certificates');
    expect(rateFamilyOf('GET', '/sim/faults')).toBeUndefined();
  });

  it('refuses nonsense limits', () => {
    expect(() => new RateLimiter({ order: 0 })).toThrow(/positive/);
    expect(() => new RateLimiter({ nope: 1 } as never)).toThrow(/unknown/);
  });
});

describe('parseRateLimits', () => {
  it('reads family=perSecond and off', () => {
    expect(parseRateLimits(['order=5', 'refund-query=2.5'])).toEqual({ order: 5, 'refund-query': 2.5 });
    expect(parseRateLimits(['off'])).toEqual({});
    expect(() => parseRateLimits(['order'])).toThrow(/family/);
    expect(() => parseRateLimits(['orders=5'])).toThrow(/family/);
    expect(() => parseRateLimits(['order=0'])).toThrow(/family/);
  });

  it('defaults to the limits WeChat documents', () => {
    expect(DEFAULT_RATE_LIMITS).toEqual({ order: 500, 'refund-query': 300 });
  });
});
