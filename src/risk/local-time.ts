/**
 * Wall-clock time in Asia/Shanghai. China has kept UTC+8 all year since 1991, so a fixed offset is
 * exact for any payment this gateway will see and avoids an Intl call on every decision.
 */
const OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
/** 1970-01-01 was a Thursday. */
const EPOCH_WEEKDAY = 4;

export interface ShanghaiTime {
  /** 0–23 */
  hour: number;
  /** 0 = Sunday … 6 = Saturday, as in JavaScript's Date#getDay. */
  weekday: number;
}

export function shanghaiTime(epochMs: number): ShanghaiTime {
  const local = epochMs + OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  const msOfDay = local - day * DAY_MS;
  return {
    hour: Math.floor(msOfDay / 3_600_000),
    weekday: (((day + EPOCH_WEEKDAY) % 7) + 7) % 7,
  };
}
