/** Time is injected, never monkey-patched. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock for tests: starts at `startMs` and moves only when told. */
export function fixedClock(startMs: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let t = startMs;
  return {
    now: () => t,
    set: (ms: number) => {
      t = ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

export function unixSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/** RFC 3339 in China Standard Time (+08:00), the form WeChat Pay uses: 2018-06-08T10:34:56+08:00. */
export function toRfc3339Cst(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  const iso = d.toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ, shifted to +08:00 wall time
  return `${iso.slice(0, 19)}+08:00`;
}
