import { describe, expect, it } from 'vitest';
import { GroupCommit, GroupCommitFullError } from './group-commit.ts';

const tick = () => new Promise<void>((r) => setImmediate(r));

/** A flush that records its batches and resolves when told to. */
function controllable<I>() {
  const batches: I[][] = [];
  const pending: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  const flush = (items: readonly I[]) =>
    new Promise<readonly string[]>((resolve, reject) => {
      batches.push([...items]);
      pending.push({ resolve: () => resolve(items.map((i) => `ok:${String(i)}`)), reject });
    });
  return { batches, pending, flush };
}

describe('GroupCommit', () => {
  it('flushes the items submitted together as one batch, in order, and gives each caller its own result', async () => {
    const c = controllable<number>();
    const g = new GroupCommit<number, string>({ flush: c.flush, maxBatch: 100 });
    const results = [1, 2, 3, 4, 5].map((i) => g.submit(i));
    await tick();
    expect(c.batches).toEqual([[1, 2, 3, 4, 5]]);
    c.pending[0]!.resolve();
    expect(await Promise.all(results)).toEqual(['ok:1', 'ok:2', 'ok:3', 'ok:4', 'ok:5']);
  });

  it('holds items arriving during a flush for the next one (at most maxConcurrent in flight), in submission order', async () => {
    const c = controllable<number>();
    const g = new GroupCommit<number, string>({ flush: c.flush, maxBatch: 100, maxConcurrent: 1 });
    const first = g.submit(1);
    await tick();
    const later = [2, 3, 4].map((i) => g.submit(i));
    await tick();
    expect(c.batches).toEqual([[1]]);
    expect(g.stats).toEqual({ waiting: 3, inFlight: 1 });
    c.pending[0]!.resolve();
    expect(await first).toBe('ok:1');
    await tick();
    expect(c.batches).toEqual([[1], [2, 3, 4]]);
    c.pending[1]!.resolve();
    expect(await Promise.all(later)).toEqual(['ok:2', 'ok:3', 'ok:4']);
    await g.settled();
    expect(g.stats).toEqual({ waiting: 0, inFlight: 0 });
  });

  it('never puts more than maxBatch items in one flush', async () => {
    const c = controllable<number>();
    const g = new GroupCommit<number, string>({ flush: c.flush, maxBatch: 3, maxConcurrent: 2 });
    const all = Array.from({ length: 8 }, (_, i) => g.submit(i));
    await tick();
    // Two flushes may run at once; the rest waits for a free slot.
    expect(c.batches).toEqual([[0, 1, 2], [3, 4, 5]]);
    c.pending[0]!.resolve();
    await tick();
    await tick();
    expect(c.batches).toEqual([[0, 1, 2], [3, 4, 5], [6, 7]]);
    c.pending[1]!.resolve();
    c.pending[2]!.resolve();
    expect(await Promise.all(all)).toEqual(Array.from({ length: 8 }, (_, i) => `ok:${i}`));
    expect(Math.max(...c.batches.map((b) => b.length))).toBeLessThanOrEqual(3);
  });

  it('fails every item of a failed batch with its error, and only those', async () => {
    const c = controllable<number>();
    const g = new GroupCommit<number, string>({ flush: c.flush, maxBatch: 2, maxConcurrent: 2 });
    const a = [g.submit(1), g.submit(2)];
    const b = [g.submit(3), g.submit(4)];
    await tick();
    const boom = new Error('connection terminated');
    c.pending[0]!.reject(boom);
    c.pending[1]!.resolve();
    const settledA = await Promise.allSettled(a);
    expect(settledA.map((s) => (s.status === 'rejected' ? s.reason : s.value))).toEqual([boom, boom]);
    expect(await Promise.all(b)).toEqual(['ok:3', 'ok:4']);
    // And it keeps working afterwards.
    const next = g.submit(5);
    await tick();
    c.pending[2]!.resolve();
    expect(await next).toBe('ok:5');
  });

  it('rejects a flush that returns the wrong number of results instead of guessing who got what', async () => {
    const g = new GroupCommit<number, number>({ flush: async (items) => items.slice(1), maxBatch: 10 });
    const r = await Promise.allSettled([g.submit(1), g.submit(2)]);
    expect(r.every((x) => x.status === 'rejected')).toBe(true);
  });

  it('sheds load beyond maxWaiting at once instead of queueing without bound', async () => {
    const c = controllable<number>();
    const g = new GroupCommit<number, string>({ flush: c.flush, maxBatch: 10, maxWaiting: 2 });
    const inFlight = g.submit(1);
    await tick();
    const w1 = g.submit(2);
    const w2 = g.submit(3);
    await expect(g.submit(4)).rejects.toBeInstanceOf(GroupCommitFullError);
    c.pending[0]!.resolve();
    expect(await inFlight).toBe('ok:1');
    await tick();
    expect(c.batches).toEqual([[1], [2, 3]]);
    c.pending[1]!.resolve();
    expect(await Promise.all([w1, w2])).toEqual(['ok:2', 'ok:3']);
  });
});
