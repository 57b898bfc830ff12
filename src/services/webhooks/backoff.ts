/**
 * When to try a failed webhook delivery again. Merchants' servers go down for deploys, nights and
 * weekends' worth of outages, so the schedule spans more than a day (issue §7: ≥ 24 h) before an event
 * is `abandoned` — after which only a manual redelivery sends it. Jitter (±20 %) keeps a recovered
 * endpoint from receiving every backlog retry in the same second.
 */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [
  60_000, // 1 m
  5 * 60_000, // 5 m
  30 * 60_000, // 30 m
  2 * 3600_000, // 2 h
  5 * 3600_000, // 5 h
  10 * 3600_000, // 10 h
  10 * 3600_000, // 10 h
  10 * 3600_000, // 10 h  → 37 h 36 m in all (≥ 24 h even with −20 % jitter)
];

export const JITTER = 0.2;

/**
 * Delay before retry number `failedTries` + 1, or undefined when the schedule is exhausted.
 * `failedTries` counts the failures so far in this round (1 after the first failure).
 */
export function retryDelayMs(failedTries: number, delays: readonly number[] = DEFAULT_WEBHOOK_RETRY_DELAYS_MS, random: () => number = Math.random): number | undefined {
  if (failedTries < 1 || failedTries > delays.length) return undefined;
  const base = delays[failedTries - 1] as number;
  return Math.max(0, Math.round(base * (1 - JITTER + 2 * JITTER * random())));
}

/** Total span of a schedule without jitter (documentation and a test that it covers a day). */
export function scheduleSpanMs(delays: readonly number[] = DEFAULT_WEBHOOK_RETRY_DELAYS_MS): number {
  return delays.reduce((a, b) => a + b, 0);
}
