import { describe, expect, it } from 'vitest';
import { BackgroundApplier } from './applier.ts';

function gated() {
  const started: number[] = [];
  const gates = new Map<number, () => void>();
  const apply = (i: number) =>
    new Promise<void>((resolve) => {
      started.push(i);
      gates.set(i, resolve);
    });
  return { started, gates, apply };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('BackgroundApplier', () => {
  it('applies oldest first with at most `concurrency` at once', async () => {
    const g = gated();
    const a = new BackgroundApplier<number>({ apply: g.apply, concurrency: 2 });
    for (let i = 1; i <= 5; i++) expect(a.enqueue(i)).toBe(true);
    expect(g.started).toEqual([1, 2]);
    expect(a.stats).toMatchObject({ queued: 3, active: 2 });
    g.gates.get(2)!();
    await tick();
    expect(g.started).toEqual([1, 2, 3]);
    g.gates.get(1)!();
    await tick();
    expect(g.started).toEqual([1, 2, 3, 4]);
    for (const i of [3, 4]) g.gates.get(i)!();
    await tick();
    g.gates.get(5)!();
    await a.idle();
    expect(g.started).toEqual([1, 2, 3, 4, 5]);
  });

  it('leaves items beyond maxQueued to the sweep (enqueue answers false) and counts them', async () => {
    const g = gated();
    const a = new BackgroundApplier<number>({ apply: g.apply, concurrency: 1, maxQueued: 2 });
    expect([1, 2, 3, 4].map((i) => a.enqueue(i))).toEqual([true, true, true, false]);
    expect(a.stats).toEqual({ queued: 2, active: 1, dropped: 1 });
  });

  it('reports a failed apply and carries on with the next item', async () => {
    const errors: Array<[unknown, number]> = [];
    const done: number[] = [];
    const a = new BackgroundApplier<number>({
      apply: async (i) => {
        if (i === 2) throw new Error('db down');
        done.push(i);
      },
      concurrency: 1,
      onError: (e, i) => errors.push([e, i]),
    });
    [1, 2, 3].forEach((i) => a.enqueue(i));
    await a.idle();
    expect(done).toEqual([1, 3]);
    expect(errors.map(([e, i]) => [(e as Error).message, i])).toEqual([['db down', 2]]);
  });

  it('stop() waits for the effects in progress, drops the queue, and refuses new items', async () => {
    const g = gated();
    const a = new BackgroundApplier<number>({ apply: g.apply, concurrency: 1 });
    [1, 2, 3].forEach((i) => a.enqueue(i));
    let stopped = false;
    const stopping = a.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    g.gates.get(1)!();
    await stopping;
    expect(g.started).toEqual([1]);
    expect(a.enqueue(4)).toBe(false);
  });

  it('reads a dynamic concurrency limit before each start, and wake() starts more once it rises', async () => {
    const g = gated();
    let limit = 1;
    const a = new BackgroundApplier<number>({ apply: g.apply, concurrency: () => limit });
    [1, 2, 3, 4].forEach((i) => a.enqueue(i));
    expect(g.started).toEqual([1]);
    limit = 3;
    a.wake();
    expect(g.started).toEqual([1, 2, 3]);
    limit = 1;
    g.gates.get(1)!();
    await tick();
    // Two still running, limit 1: no new start until they drop below it.
    expect(g.started).toEqual([1, 2, 3]);
    g.gates.get(2)!();
    g.gates.get(3)!();
    await tick();
    expect(g.started).toEqual([1, 2, 3, 4]);
    g.gates.get(4)!();
    await a.idle();
  });
});
