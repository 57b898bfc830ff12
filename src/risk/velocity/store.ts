/**
 * Velocity store: exact sliding-window aggregates over event series.
 *
 * A series is a string key such as "attempt:ip:203.0.113.7". Each event has an id, a time, an
 * amount (fen) and optionally a value to count distinct (the device seen from an IP, say).
 *
 * Semantics, identical in every implementation and pinned by store-contract.ts:
 *  - A window of w ms queried at `now` holds the events with `at > now - w`. There is no upper
 *    bound: an event stamped slightly in the future (clock skew between nodes) counts at once
 *    rather than being ignored.
 *  - An event is identified by (id, amount) within its series: recording it again is a no-op,
 *    so a retried write never double counts.
 *  - distinct = how many different values were seen in the window.
 *  - Events older than the retention (`at <= now - retentionMs` at record time) are dropped;
 *    windows longer than the retention are refused. `now` never goes backwards between calls.
 */
export interface VelocityEvent {
  series: string;
  id: string;
  /** Epoch milliseconds. */
  at: number;
  /** Integer fen; 0 for events without an amount. */
  amount: number;
  /** A value to count distinct, or undefined. */
  distinct?: string | undefined;
}

export interface WindowAggregate {
  count: number;
  /** Sum of amounts, fen. */
  sum: number;
  distinct: number;
}

export interface VelocityStore {
  readonly kind: 'memory' | 'redis';
  /** Records events atomically per series (one round trip for Redis). */
  record(events: readonly VelocityEvent[], now: number): Promise<void>;
  /**
   * Aggregates for each series and each window, in one round trip: result[i][j] is series i over
   * window j.
   */
  query(series: readonly string[], windowsMs: readonly number[], now: number): Promise<WindowAggregate[][]>;
  /**
   * query() then record() as one atomic step (one round trip for Redis): the answer describes the
   * events before these, and no concurrent call can interleave. This is how a decision reads the
   * velocity and counts its own attempt, so two simultaneous attempts always see each other.
   */
  queryThenRecord(
    series: readonly string[],
    windowsMs: readonly number[],
    events: readonly VelocityEvent[],
    now: number,
  ): Promise<WindowAggregate[][]>;
  close(): Promise<void>;
}

export function assertWindows(windowsMs: readonly number[], retentionMs: number): void {
  for (const w of windowsMs) {
    if (!Number.isSafeInteger(w) || w <= 0 || w > retentionMs) {
      throw new RangeError(`velocity window must be an integer in 1..${retentionMs} ms, got ${w}`);
    }
  }
}

export function assertEvent(event: VelocityEvent): void {
  if (!Number.isSafeInteger(event.at)) throw new RangeError('velocity event time must be integer epoch ms');
  if (!Number.isSafeInteger(event.amount)) throw new RangeError('velocity event amount must be integer fen');
  if (event.series === '' || event.id === '') throw new RangeError('velocity event needs a series and an id');
}
