import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryVelocityStore } from './memory-store.ts';
import { VelocityModel, describeVelocityStore } from './store-contract.ts';

describeVelocityStore('in memory', {
  make: async (retentionMs) => new MemoryVelocityStore({ retentionMs }),
  cleanUp: async () => {},
});

describe('in-memory velocity store housekeeping', () => {
  it('forgets idle series once their events are older than the retention', async () => {
    const store = new MemoryVelocityStore({ retentionMs: 60_000 });
    await store.record([{ series: 'idle', id: '1', at: 0, amount: 1 }], 0);
    expect(store.size).toBe(1);
    await store.record([{ series: 'busy', id: '1', at: 120_000, amount: 1 }], 120_000);
    expect(store.size).toBe(1);
    expect(await store.query(['idle'], [60_000], 120_000)).toEqual([[{ count: 0, sum: 0, distinct: 0 }]]);
  });

  it('sweeps many idle series a batch at a time, all of them within a few writes', async () => {
    const store = new MemoryVelocityStore({ retentionMs: 60_000 });
    store.recordSync(Array.from({ length: 1_000 }, (_, i) => ({ series: `idle${i}`, id: '1', at: 0, amount: 1 })), 0);
    expect(store.size).toBe(1_000);
    store.recordSync([{ series: 'busy', id: '1', at: 120_000, amount: 1 }], 120_000);
    expect(store.size).toBeGreaterThan(1);
    for (let t = 1; t <= 4; t++) store.recordSync([{ series: 'busy', id: String(t), at: 120_000 + t, amount: 1 }], 120_000 + t);
    expect(store.size).toBe(1);
  });

  it('keeps running sums exact after compaction of a long busy series', async () => {
    const store = new MemoryVelocityStore({ retentionMs: 10_000 });
    for (let t = 0; t < 5_000; t++) await store.record([{ series: 's', id: String(t), at: t * 10, amount: t }], t * 10);
    const now = 4_999 * 10;
    // Window (now - 10 000, now] holds t = 4 000 … 4 999.
    const expectedSum = ((4_000 + 4_999) * 1_000) / 2;
    expect(await store.query(['s'], [10_000], now)).toEqual([[{ count: 1_000, sum: expectedSum, distinct: 0 }]]);
  });

  it('keeps sums exact when a window starts at the first event left after compaction', async () => {
    const store = new MemoryVelocityStore({ retentionMs: 10_000 });
    for (let t = 0; t < 1_500; t++) store.recordSync([{ series: 's', id: `old${t}`, at: t, amount: 1_000 }], t);
    for (let k = 0; k < 10; k++) store.recordSync([{ series: 's', id: `new${k}`, at: 5_000 + k, amount: 7 }], 5_000 + k);
    // Everything up to t = 1 499 falls out at once, past the compaction threshold.
    store.recordSync([{ series: 's', id: 'last', at: 11_499, amount: 5 }], 11_499);
    expect(store.querySync(['s'], [10_000], 11_499)).toEqual([[{ count: 11, sum: 75, distinct: 0 }]]);
  });

  it('agrees with the model through trimming and compaction with late events', () => {
    // Thousands of events with a short retention, so the head passes the compaction threshold
    // several times while late (out-of-order) events keep landing in the middle.
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 900 }), fc.nat(1_000)), { minLength: 3_000, maxLength: 3_000 }), (steps) => {
        const retention = 5_000;
        const store = new MemoryVelocityStore({ retentionMs: retention });
        const model = new VelocityModel(retention);
        let now = 0;
        steps.forEach(([advance, lateness, amount], i) => {
          now += advance;
          const event = { series: 's', id: String(i), at: now - lateness, amount, distinct: String(amount % 7) };
          store.recordSync([event], now);
          model.record([event], now);
          if (i % 250 === 0) expect(store.querySync(['s'], [1_000, retention], now)).toEqual(model.query(['s'], [1_000, retention], now));
        });
        expect(store.querySync(['s'], [1_000, retention], now)).toEqual(model.query(['s'], [1_000, retention], now));
      }),
      { numRuns: 5 },
    );
  });
});
