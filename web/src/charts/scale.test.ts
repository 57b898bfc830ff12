import { describe, expect, it } from 'vitest';
import { barHeights, niceMax } from './scale.ts';

describe('chart scale', () => {
  it('rounds the axis up to 1, 2 or 5 × 10^n', () => {
    expect(niceMax([])).toBe(1);
    expect(niceMax([0])).toBe(1);
    expect(niceMax([3])).toBe(5);
    expect(niceMax([17])).toBe(20);
    expect(niceMax([101])).toBe(200);
    expect(niceMax([500])).toBe(500);
  });
  it('maps values into the plot without overflow or negative bars', () => {
    expect(barHeights([0, 5, 10], 100)).toEqual([0, 50, 100]);
    expect(barHeights([-3, Number.NaN], 100)).toEqual([0, 0]);
  });
});
