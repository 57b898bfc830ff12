import { describe, expect, it } from 'vitest';
import { MemoryVelocityStore } from './memory-store.ts';
import { describeVelocityStore } from './store-contract.ts';

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

  it('keeps running sums exact after compaction of a long busy series', async () => {
    const store = new MemoryVelocityStore({ retentionMs: 10_000 });
    for (let t = 0; t < 5_000; t++) await store.record([{ series: 's', id: String(t), at: t * 10, amount: t }], t * 10);
    const now = 4_999 * 10;
    // Window (now - 10 000, now] holds t = 4 000 … 4 999.
    const expectedSum = ((4_000 + 4_999) * 1_000) / 2;
    expect(await store.query(['s'], [10_000], now)).toEqual([[{ count: 1_000, sum: expectedSum, distinct: 0 }]]);
  });
});
