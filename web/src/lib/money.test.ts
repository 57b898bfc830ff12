import { describe, expect, it } from 'vitest';
import { formatFen, formatRate, parseYuanToFen } from './money.ts';

describe('formatFen', () => {
  it('shows fen as yuan with two decimals and thousands separators', () => {
    expect(formatFen(0)).toBe('¥0.00');
    expect(formatFen(1)).toBe('¥0.01');
    expect(formatFen(29)).toBe('¥0.29');
    expect(formatFen(100)).toBe('¥1.00');
    expect(formatFen(123456789)).toBe('¥1,234,567.89');
    expect(formatFen(-5)).toBe('-¥0.05');
  });
  it('refuses non-integers instead of printing a wrong amount', () => {
    expect(formatFen(1.5)).toBe('—');
    expect(formatFen(Number.NaN)).toBe('—');
  });
});

describe('parseYuanToFen', () => {
  it('parses yuan without floating-point error', () => {
    expect(parseYuanToFen('0.29')).toBe(29);
    expect(parseYuanToFen('12.3')).toBe(1230);
    expect(parseYuanToFen('12')).toBe(1200);
    expect(parseYuanToFen(' 1.01 ')).toBe(101);
    expect(parseYuanToFen('19.99')).toBe(1999);
  });
  it('rejects more than two decimals, signs, exponents and blanks', () => {
    for (const bad of ['', ' ', '1.234', '-1', '+1', '1e3', '1,000', '.5', 'abc', '1.']) {
      expect(parseYuanToFen(bad), bad).toBeNull();
    }
  });
  it('round-trips with formatFen', () => {
    for (const fen of [0, 1, 10, 99, 100, 101, 1999, 123456]) {
      expect(parseYuanToFen(formatFen(fen).replace(/[¥,]/g, ''))).toBe(fen);
    }
  });
});

describe('formatRate', () => {
  it('formats a ratio as a percentage with one decimal', () => {
    expect(formatRate(0.9731)).toBe('97.3%');
    expect(formatRate(1)).toBe('100.0%');
    expect(formatRate(0)).toBe('0.0%');
    expect(formatRate(null)).toBe('—');
  });
});
