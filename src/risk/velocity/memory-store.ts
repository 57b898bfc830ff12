import { VELOCITY_RETENTION_MS } from '../facts.ts';
import { assertEvent, assertWindows, type VelocityEvent, type VelocityStore, type WindowAggregate } from './store.ts';

/**
 * The single-node store. Per series, events are kept sorted by time with running totals, so a
 * window's count and sum are one binary search each; distinct values keep their last-seen time.
 */
class Series {
  /** Sorted ascending; entries before `head` are trimmed. */
  readonly at: number[] = [];
  /** cum[i] = sum of amounts of events 0..i (including trimmed ones; only differences are used). */
  readonly cum: number[] = [];
  readonly members: string[] = [];
  head = 0;
  readonly memberSet = new Set<string>();
  readonly lastSeen = new Map<string, number>();

  /** False when the event was already recorded (same id and amount). */
  insert(at: number, amount: number, member: string): boolean {
    if (this.memberSet.has(member)) return false;
    this.memberSet.add(member);
    // Events nearly always arrive in time order, so search from the end.
    let pos = this.at.length;
    while (pos > this.head && this.at[pos - 1]! > at) pos--;
    const before = pos > 0 ? this.cum[pos - 1]! : 0;
    if (pos === this.at.length) {
      this.at.push(at);
      this.members.push(member);
      this.cum.push(before + amount);
      return true;
    }
    this.at.splice(pos, 0, at);
    this.members.splice(pos, 0, member);
    this.cum.splice(pos, 0, before + amount);
    for (let i = pos + 1; i < this.cum.length; i++) this.cum[i]! += amount;
    return true;
  }

  seen(value: string, at: number): void {
    const prev = this.lastSeen.get(value);
    if (prev === undefined || at > prev) this.lastSeen.set(value, at);
  }

  trim(cutoff: number): void {
    while (this.head < this.at.length && this.at[this.head]! <= cutoff) {
      this.memberSet.delete(this.members[this.head]!);
      this.head++;
    }
    // Compact now and then so trimmed entries do not pile up; amortised O(1) per event.
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      const offset = this.cum[this.head - 1]!;
      this.at.splice(0, this.head);
      this.members.splice(0, this.head);
      this.cum.splice(0, this.head);
      for (let i = 0; i < this.cum.length; i++) this.cum[i]! -= offset;
      this.head = 0;
    }
  }

  /**
   * Stale last-seen entries can never be counted (every window starts after the cutoff), so they
   * are dropped only by the periodic sweep, keeping a write O(1) for busy series.
   */
  trimDistinct(cutoff: number): void {
    for (const [value, at] of this.lastSeen) if (at <= cutoff) this.lastSeen.delete(value);
  }

  /** Index of the first event with at > from. */
  firstAfter(from: number): number {
    let lo = this.head;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at[mid]! > from) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Aggregates for several window starts in one pass over the distinct values. */
  aggregates(froms: readonly number[]): WindowAggregate[] {
    const n = this.at.length;
    const total = n > 0 ? this.cum[n - 1]! : 0;
    const out = froms.map((from) => {
      const i = this.firstAfter(from);
      const before = i > 0 ? this.cum[i - 1]! : 0;
      return { count: n - i, sum: total - before, distinct: 0 };
    });
    for (const at of this.lastSeen.values()) {
      for (let j = 0; j < froms.length; j++) if (at > froms[j]!) out[j]!.distinct++;
    }
    return out;
  }
}

const SWEEP_BATCH = 256;
const EMPTY: WindowAggregate = Object.freeze({ count: 0, sum: 0, distinct: 0 });

export interface MemoryVelocityStoreOptions {
  retentionMs?: number;
}

export class MemoryVelocityStore implements VelocityStore {
  readonly kind = 'memory' as const;
  readonly #series = new Map<string, Series>();
  readonly #retentionMs: number;
  #lastTrim = Number.NEGATIVE_INFINITY;
  #sweepIter: MapIterator<[string, Series]> | null = null;

  constructor(options: MemoryVelocityStoreOptions = {}) {
    this.#retentionMs = options.retentionMs ?? VELOCITY_RETENTION_MS;
  }

  recordSync(events: readonly VelocityEvent[], now: number): void {
    const cutoff = now - this.#retentionMs;
    // Validate the whole batch first, so a bad event records nothing (as the Redis script).
    for (const event of events) assertEvent(event);
    for (const event of events) {
      let series = this.#series.get(event.series);
      if (!series) {
        series = new Series();
        this.#series.set(event.series, series);
      }
      // Trim first, so whether an event id is still known depends only on the cutoff (as in Redis).
      series.trim(cutoff);
      if (event.at <= cutoff) continue;
      const added = series.insert(event.at, event.amount, `${event.amount}:${event.id}`);
      if (added && event.distinct !== undefined) series.seen(event.distinct, event.at);
    }
    this.#sweep(now);
  }

  querySync(series: readonly string[], windowsMs: readonly number[], now: number): WindowAggregate[][] {
    assertWindows(windowsMs, this.#retentionMs);
    const froms = windowsMs.map((w) => now - w);
    return series.map((key) => {
      const s = this.#series.get(key);
      return s ? s.aggregates(froms) : froms.map(() => ({ ...EMPTY }));
    });
  }

  /**
   * Drops idle series so memory follows the active keys, not every key ever seen. The sweep walks
   * at most SWEEP_BATCH series per write and starts a new pass at most once a minute, so even
   * millions of series never cause one long pause on the decision path.
   */
  #sweep(now: number): void {
    if (!this.#sweepIter) {
      if (now - this.#lastTrim < 60_000) return;
      this.#lastTrim = now;
      this.#sweepIter = this.#series.entries();
    }
    const cutoff = now - this.#retentionMs;
    for (let i = 0; i < SWEEP_BATCH; i++) {
      const next = this.#sweepIter.next();
      if (next.done) {
        this.#sweepIter = null;
        return;
      }
      const [key, s] = next.value;
      s.trim(cutoff);
      s.trimDistinct(cutoff);
      // Deleting the current entry is safe while iterating a Map.
      if (s.head === s.at.length && s.lastSeen.size === 0) this.#series.delete(key);
    }
  }

  async record(events: readonly VelocityEvent[], now: number): Promise<void> {
    this.recordSync(events, now);
  }

  async query(series: readonly string[], windowsMs: readonly number[], now: number): Promise<WindowAggregate[][]> {
    return this.querySync(series, windowsMs, now);
  }

  /** Atomic by construction: JavaScript runs this synchronously, with nothing in between. */
  async queryThenRecord(
    series: readonly string[],
    windowsMs: readonly number[],
    events: readonly VelocityEvent[],
    now: number,
  ): Promise<WindowAggregate[][]> {
    const answer = this.querySync(series, windowsMs, now);
    this.recordSync(events, now);
    return answer;
  }

  async close(): Promise<void> {
    this.#series.clear();
  }

  /** Number of live series, for tests and metrics. */
  get size(): number {
    return this.#series.size;
  }
}
