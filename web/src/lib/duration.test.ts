import { describe, expect, it } from 'vitest';
import { formatDuration } from './duration.ts';

describe('formatDuration', () => {
  it('shows the two largest units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59_999)).toBe('59s');
    expect(formatDuration(90_000)).toBe('1m 30s');
    expect(formatDuration(5_400_000)).toBe('1h 30m');
    expect(formatDuration(3 * 86_400_000 + 7_200_000)).toBe('3d 2h');
  });
  it('uses the magnitude of overdue (negative) durations', () => {
    expect(formatDuration(-90_000)).toBe('1m 30s');
  });
});
