import { describe, expect, it } from 'vitest';
import { Faults, faultConfigSchema } from './faults.ts';

describe('Faults', () => {
  it('answers a matching call with the configured error and leaves other paths alone', () => {
    const f = new Faults();
    f.set(faultConfigSchema.parse({ rules: [{ path: '/v3/pay/transactions/*', error: { status: 429, code: 'FREQUENCY_LIMITED' } }] }));
    expect(f.forRequest('GET', '/v3/pay/transactions/out-trade-no/abc123')).toMatchObject({ kind: 'error', status: 429, code: 'FREQUENCY_LIMITED', message: '频率超限' });
    expect(f.forRequest('POST', '/v3/refund/domestic/refunds').kind).toBe('none');
  });

  it('stops a times-limited rule after the given number of calls', () => {
    const f = new Faults();
    f.set(faultConfigSchema.parse({ rules: [{ path: '/v3/*', reset: true, times: 2 }] }));
    expect(f.forRequest('GET', '/v3/x').kind).toBe('reset');
    expect(f.forRequest('GET', '/v3/x').kind).toBe('reset');
    expect(f.forRequest('GET', '/v3/x').kind).toBe('none');
  });

  it('fires by rate using the injected random source and adds latency of every matching rule', () => {
    const rolls = [0.2, 0.8];
    const f = new Faults(() => rolls.shift() ?? 0);
    f.set(faultConfigSchema.parse({ rules: [{ path: '/v3/a', latency_ms: 30 }, { path: '/v3/*', rate: 0.5, error: { status: 500, code: 'SYSTEM_ERROR' } }] }));
    expect(f.forRequest('GET', '/v3/a')).toMatchObject({ kind: 'error', latencyMs: 30 });
    expect(f.forRequest('GET', '/v3/a')).toEqual({ kind: 'none', latencyMs: 30 });
  });

  it('matches the method when one is given', () => {
    const f = new Faults();
    f.set(faultConfigSchema.parse({ rules: [{ path: '/v3/*', method: 'post', error: { status: 503, code: 'SERVICE_UNAVAILABLE' } }] }));
    expect(f.forRequest('GET', '/v3/x').kind).toBe('none');
    expect(f.forRequest('POST', '/v3/x').kind).toBe('error');
  });

  it('drops exactly the next N notifications, then sends again', () => {
    const f = new Faults();
    f.set(faultConfigSchema.parse({ notifications: { drop: 2 } }));
    expect([f.dropNotification(), f.dropNotification(), f.dropNotification()]).toEqual([true, true, false]);
  });

  it('rejects unknown fault fields so a typo is not silently ignored', () => {
    expect(faultConfigSchema.safeParse({ rules: [{ path: '/v3/*', latency: 5 }] }).success).toBe(false);
  });
});
