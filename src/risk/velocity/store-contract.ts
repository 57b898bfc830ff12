/**
 * The behaviour every VelocityStore must have, as a vitest suite run by memory-store.test.ts and
 * redis-store.test.ts against each implementation. The property at the end compares the store with
 * a brute-force model that keeps every event and filters on each query.
 */
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { VelocityEvent, VelocityStore, WindowAggregate } from './store.ts';

export interface StoreHarness {
  /** A fresh, empty store with the given retention. */
  make(retentionMs: number): Promise<VelocityStore>;
  cleanUp(): Promise<void>;
}

const T0 = 1_750_000_000_000;
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The reference: keeps what was accepted and aggregates by brute force. */
export class VelocityModel {
  readonly #events = new Map<string, VelocityEvent[]>();
  constructor(private readonly retentionMs: number) {}

  record(events: readonly VelocityEvent[], now: number): void {
    const cutoff = now - this.retentionMs;
    for (const e of events) {
      const live = (this.#events.get(e.series) ?? []).filter((x) => x.at > cutoff);
      this.#events.set(e.series, live);
      if (e.at <= cutoff) continue;
      if (live.some((x) => x.id === e.id && x.amount === e.amount)) continue;
      live.push(e);
    }
  }

  query(series: readonly string[], windowsMs: readonly number[], now: number): WindowAggregate[][] {
    return series.map((s) =>
      windowsMs.map((w) => {
        const inWindow = (this.#events.get(s) ?? []).filter((e) => e.at > now - w);
        return {
          count: inWindow.length,
          sum: inWindow.reduce((acc, e) => acc + e.amount, 0),
          distinct: new Set(inWindow.filter((e) => e.distinct !== undefined).map((e) => e.distinct)).size,
        };
      }),
    );
  }
}

const ev = (series: string, id: string, at: number, amount: number, distinct?: string): VelocityEvent => ({
  series,
  id,
  at,
  amount,
  distinct,
});

export function describeVelocityStore(name: string, harness: StoreHarness): void {
  describe(`velocity store contract: ${name}`, () => {
    let store: VelocityStore;
    beforeEach(async () => {
      store = await harness.make(DAY);
      return async () => store.close();
    });
    afterAll(async () => harness.cleanUp());

    it('counts, sums and counts distinct values per window', async () => {
      const now = T0 + HOUR;
      await store.record(
        [
          ev('ip:a', 'o1', now - 30_000, 100, 'dev1'),
          ev('ip:a', 'o2', now - 5 * MIN, 250, 'dev2'),
          ev('ip:a', 'o3', now - 30 * MIN, 1_000, 'dev1'),
          ev('ip:a', 'o4', now - 2 * HOUR, 7, 'dev3'),
        ],
        now,
      );
      const [agg] = await store.query(['ip:a'], [MIN, 10 * MIN, HOUR, DAY], now);
      expect(agg).toEqual([
        { count: 1, sum: 100, distinct: 1 },
        { count: 2, sum: 350, distinct: 2 },
        { count: 3, sum: 1_350, distinct: 2 },
        { count: 4, sum: 1_357, distinct: 3 },
      ]);
    });

    it('excludes an event exactly one window old and includes one a millisecond younger', async () => {
      const now = T0;
      await store.record([ev('s', 'old', now - MIN, 1, 'x'), ev('s', 'young', now - MIN + 1, 2, 'y')], now);
      // Query with a wider window too, so the narrow one is not the range the store reads.
      expect(await store.query(['s'], [MIN, HOUR], now)).toEqual([
        [
          { count: 1, sum: 2, distinct: 1 },
          { count: 2, sum: 3, distinct: 2 },
        ],
      ]);
    });

    it('counts an event stamped slightly in the future at once', async () => {
      await store.record([ev('s', 'skewed', T0 + 2_000, 5)], T0);
      expect(await store.query(['s'], [MIN], T0)).toEqual([[{ count: 1, sum: 5, distinct: 0 }]]);
    });

    it('records the same event id and amount once, however often it is retried', async () => {
      await store.record([ev('s', 'o1', T0, 500, 'd1')], T0);
      await store.record([ev('s', 'o1', T0 + 10, 500, 'd2'), ev('s', 'o1', T0, 500)], T0 + 10);
      expect(await store.query(['s'], [MIN], T0 + 10)).toEqual([[{ count: 1, sum: 500, distinct: 1 }]]);
    });

    it('drops events older than the retention and forgets them after it passes', async () => {
      await store.record([ev('s', 'ancient', T0 - DAY, 1), ev('s', 'recent', T0 - HOUR, 2)], T0);
      expect(await store.query(['s'], [DAY], T0)).toEqual([[{ count: 1, sum: 2, distinct: 0 }]]);
      await store.record([ev('s', 'later', T0 + DAY, 3)], T0 + DAY);
      expect(await store.query(['s'], [DAY], T0 + DAY)).toEqual([[{ count: 1, sum: 3, distinct: 0 }]]);
    });

    it('answers zeros for a series never seen and keeps series apart', async () => {
      await store.record([ev('a', '1', T0, 10, 'x'), ev('b', '1', T0, 20, 'y')], T0);
      expect(await store.query(['a', 'nobody', 'b'], [MIN, HOUR], T0)).toEqual([
        [
          { count: 1, sum: 10, distinct: 1 },
          { count: 1, sum: 10, distinct: 1 },
        ],
        [
          { count: 0, sum: 0, distinct: 0 },
          { count: 0, sum: 0, distinct: 0 },
        ],
        [
          { count: 1, sum: 20, distinct: 1 },
          { count: 1, sum: 20, distinct: 1 },
        ],
      ]);
    });

    it('answers queryThenRecord as before its events, then holds them', async () => {
      await store.record([ev('s', 'o1', T0, 100, 'd1')], T0);
      const before = await store.queryThenRecord(['s', 't'], [MIN], [ev('s', 'o2', T0 + 1, 50, 'd2'), ev('t', 'o2', T0 + 1, 50)], T0 + 1);
      expect(before).toEqual([[{ count: 1, sum: 100, distinct: 1 }], [{ count: 0, sum: 0, distinct: 0 }]]);
      expect(await store.query(['s', 't'], [MIN], T0 + 1)).toEqual([
        [{ count: 2, sum: 150, distinct: 2 }],
        [{ count: 1, sum: 50, distinct: 0 }],
      ]);
    });

    it('never lets two simultaneous queryThenRecord calls see the same count', async () => {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.queryThenRecord(['burst'], [MIN], [ev('burst', `a${i}`, T0, 1)], T0)),
      );
      // Atomic read-and-record: the counts seen are 0, 1, …, 7 in some order, never a repeat.
      expect(answers.map((a) => a[0]![0]!.count).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it('refuses a window longer than the retention', async () => {
      await expect(store.query(['s'], [DAY + 1], T0)).rejects.toThrow(/window/);
    });

    it('refuses a batch holding an event with a fractional amount, recording none of it', async () => {
      await expect(store.record([ev('s', 'ok', T0, 1), ev('s', 'x', T0, 1.5)], T0)).rejects.toThrow(/fen/);
      expect(await store.query(['s'], [MIN], T0)).toEqual([[{ count: 0, sum: 0, distinct: 0 }]]);
    });

    it('agrees with a brute-force model for random event sequences and query times', async () => {
      const retention = 2 * HOUR;
      const windows = [MIN, 10 * MIN, HOUR, 2 * HOUR];
      const series = ['s1', 's2', 's3'];
      const eventArb = fc.record({
        series: fc.constantFrom(...series),
        id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
        // Times on a 10 s grid so events often sit exactly on a window's edge.
        age: fc.integer({ min: -1, max: 1_080 }).map((n) => n * 10_000),
        amount: fc.integer({ min: 0, max: 100_000 }),
        distinct: fc.option(fc.constantFrom('d1', 'd2', 'd3', 'd4'), { nil: undefined }),
      });
      const advance = fc.integer({ min: 0, max: 240 }).map((n) => n * 10_000);
      const opArb = fc.oneof(
        fc.record({ kind: fc.constant('record' as const), advance, events: fc.array(eventArb, { maxLength: 6 }) }),
        fc.record({ kind: fc.constant('query' as const), advance, events: fc.constant([]) }),
        fc.record({ kind: fc.constant('queryThenRecord' as const), advance, events: fc.array(eventArb, { maxLength: 6 }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
          const s = await harness.make(retention);
          try {
            const model = new VelocityModel(retention);
            let now = T0;
            for (const op of ops) {
              now += op.advance;
              const events = op.events.map((e) => ev(e.series, e.id, now - e.age, e.amount, e.distinct));
              if (op.kind === 'record') {
                await s.record(events, now);
                model.record(events, now);
              } else if (op.kind === 'queryThenRecord') {
                expect(await s.queryThenRecord(series, windows, events, now)).toEqual(model.query(series, windows, now));
                model.record(events, now);
              } else {
                expect(await s.query(series, windows, now)).toEqual(model.query(series, windows, now));
              }
            }
            expect(await s.query(series, windows, now)).toEqual(model.query(series, windows, now));
          } finally {
            await s.close();
          }
        }),
        { numRuns: 60 },
      );
    });
  });
}
