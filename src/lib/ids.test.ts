import { describe, expect, it } from 'vitest';
import { newId, randomAlnum } from './ids.ts';

describe('ids', () => {
  it('prefixes 22 alphanumeric characters', () => {
    expect(newId('pay')).toMatch(/^pay_[A-Za-z0-9]{22}$/);
    expect(randomAlnum(0)).toBe('');
    expect(randomAlnum(300)).toMatch(/^[A-Za-z0-9]{300}$/);
  });

  it('never hands out the same random bytes twice across many refills of the batch', () => {
    // 20,000 ids draw ~470 KB, about a hundred refills of the 4 KiB batch; a reused batch would repeat ids.
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) ids.add(newId('x'));
    expect(ids.size).toBe(20_000);
  });

  it('draws every character about equally often (unbiased rejection sampling)', () => {
    const counts = new Map<string, number>();
    const n = 62 * 2000;
    for (const ch of randomAlnum(n)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Chi-square with 61 degrees of freedom: 120 is far beyond p = 0.0001 (about 111).
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - 2000) ** 2 / 2000, 0);
    expect(chi2).toBeLessThan(120);
  });
});
