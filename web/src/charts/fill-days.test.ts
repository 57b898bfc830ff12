import { describe, expect, it } from 'vitest';
import { fillDays } from './fill-days.ts';

describe('fillDays', () => {
  it('gives every China-time day of the period a point, keeping the rows it has', () => {
    const from = new Date('2026-01-01T00:00:00+08:00');
    const to = new Date('2026-01-04T12:00:00+08:00');
    const out = fillDays([{ day: '2026-01-03', created: 4, paid: 3, paid_amount: 900 }], from, to);
    expect(out.map((p) => p.day)).toEqual(['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04']);
    expect(out[2]).toEqual({ day: '2026-01-03', created: 4, paid: 3, paid_amount: 900 });
    expect(out[0]).toEqual({ day: '2026-01-01', created: 0, paid: 0, paid_amount: 0 });
  });
  it('counts days in Asia/Shanghai, not UTC', () => {
    // 20:00 UTC on the 1st is already the 2nd in China.
    const out = fillDays([], new Date('2026-01-01T20:00:00Z'), new Date('2026-01-02T20:00:00Z'));
    expect(out.map((p) => p.day)).toEqual(['2026-01-02', '2026-01-03']);
  });
});
