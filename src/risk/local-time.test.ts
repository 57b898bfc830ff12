import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shanghaiTime } from './local-time.ts';

const intl = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', hour: 'numeric', hourCycle: 'h23', weekday: 'short' });
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

describe('shanghaiTime', () => {
  it('is eight hours ahead of UTC', () => {
    // 2024-01-01T16:30:00Z is Tuesday 00:30 in Shanghai.
    expect(shanghaiTime(Date.UTC(2024, 0, 1, 16, 30))).toEqual({ hour: 0, weekday: 2 });
  });

  it('agrees with the IANA time zone database for any time since 1992', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1992, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        const parts = Object.fromEntries(intl.formatToParts(ms).map((p) => [p.type, p.value]));
        expect(shanghaiTime(ms)).toEqual({ hour: Number(parts['hour']), weekday: WEEKDAYS.indexOf(parts['weekday']!) });
      }),
      { numRuns: 300 },
    );
  });
});
