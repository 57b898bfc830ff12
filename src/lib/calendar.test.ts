import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCalendarDate, isCalendarDay, isRfc3339 } from './calendar.ts';

describe('calendar checks', () => {
  it('knows month lengths and leap years', () => {
    expect(isCalendarDate(2024, 2, 29)).toBe(true);
    expect(isCalendarDate(2023, 2, 29)).toBe(false);
    expect(isCalendarDate(1900, 2, 29)).toBe(false);
    expect(isCalendarDate(2000, 2, 29)).toBe(true);
    expect(isCalendarDate(2024, 4, 31)).toBe(false);
    expect(isCalendarDate(2024, 13, 1)).toBe(false);
    expect(isCalendarDate(2024, 1, 0)).toBe(false);
  });

  it('accepts a day exactly when the UTC calendar has it (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1970, max: 2200 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const dt = new Date(Date.UTC(y, m - 1, d));
        const exists = m >= 1 && m <= 12 && d >= 1 && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
        const s = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        expect(isCalendarDay(s)).toBe(exists);
        expect(isRfc3339(`${s}T10:34:56+08:00`)).toBe(exists);
      }),
    );
  });

  it('checks the shape and the time fields of RFC 3339', () => {
    expect(isRfc3339('2018-06-08T10:34:56+08:00')).toBe(true);
    expect(isRfc3339('2018-06-08T10:34:56.123Z')).toBe(true);
    expect(isRfc3339('2018-06-08T24:00:00+08:00')).toBe(false);
    expect(isRfc3339('2018-06-08T10:60:00+08:00')).toBe(false);
    expect(isRfc3339('2018-06-08T10:34:56+24:00')).toBe(false);
    expect(isRfc3339('2018-06-08 10:34:56+08:00')).toBe(false);
    expect(isRfc3339('2018-06-08T10:34:56')).toBe(false);
    expect(isCalendarDay('2018-6-8')).toBe(false);
  });
});
