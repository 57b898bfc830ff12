import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderHook } from '../testing/render-hook.ts';
import { withQuery } from './client.ts';
import { useList, usePagedList } from './use-list.ts';

// The hooks run on a small stand-in for React (no DOM here); fetch answers when the test says so.
vi.mock('react', () => import('../testing/render-hook.ts'));

interface Pending {
  url: string;
  answer(status: number, body: unknown): Promise<void>;
}
const requests: Pending[] = [];
const settle = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  requests.length = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(
      (url: string) =>
        new Promise<Response>((resolve) => {
          requests.push({
            url,
            answer: async (status, body) => {
              resolve(new Response(JSON.stringify(body), { status }));
              for (let i = 0; i < 5; i++) await settle();
            },
          });
        }),
    ),
  );
});
afterEach(() => vi.unstubAllGlobals());

const payments = (cursor: string | null) => withQuery('/payments', { starting_after: cursor, limit: 2 });
const PAGE_1 = { object: 'list', data: [{ id: 'pay_1' }, { id: 'pay_2' }], has_more: true };
const PAGE_2 = { object: 'list', data: [{ id: 'pay_3' }], has_more: false };

describe('usePagedList', () => {
  it('starts on the first page, follows the server cursor forward and comes back to the first page', async () => {
    const list = renderHook(() => usePagedList<{ id: string }>(payments));
    expect(requests.map((r) => r.url)).toEqual(['/admin/api/payments?limit=2']);
    expect(list.current).toMatchObject({ items: undefined, loading: true, cursor: null, nextCursor: null });

    await requests[0]!.answer(200, PAGE_1);
    expect(list.current).toMatchObject({ items: [{ id: 'pay_1' }, { id: 'pay_2' }], loading: false, cursor: null, nextCursor: 'pay_2' });

    list.current.next(list.current.nextCursor!);
    expect(requests[1]!.url).toBe('/admin/api/payments?starting_after=pay_2&limit=2');
    // The page shown stays until the next one arrives.
    expect(list.current).toMatchObject({ cursor: 'pay_2', loading: true, items: [{ id: 'pay_1' }, { id: 'pay_2' }] });
    await requests[1]!.answer(200, PAGE_2);
    expect(list.current).toMatchObject({ items: [{ id: 'pay_3' }], cursor: 'pay_2', nextCursor: null, loading: false });

    list.current.first();
    expect(requests[2]!.url).toBe('/admin/api/payments?limit=2');
    await requests[2]!.answer(200, PAGE_1);
    expect(list.current).toMatchObject({ cursor: null, nextCursor: 'pay_2' });
  });

  it('keeps the items shown when a page fails, with the error, and retries the same page on reload', async () => {
    const list = renderHook(() => usePagedList<{ id: string }>(payments));
    await requests[0]!.answer(200, PAGE_1);
    list.current.next('pay_2');
    await requests[1]!.answer(503, { error: { code: 'unavailable', message: 'try later' } });
    expect(list.current.error).toMatchObject({ status: 503, code: 'unavailable' });
    expect(list.current).toMatchObject({ items: [{ id: 'pay_1' }, { id: 'pay_2' }], loading: false, cursor: 'pay_2' });

    list.current.reload();
    expect(requests[2]!.url).toBe(requests[1]!.url);
    expect(list.current.error).toBeUndefined();
    await requests[2]!.answer(200, PAGE_2);
    expect(list.current).toMatchObject({ items: [{ id: 'pay_3' }], error: undefined });
  });

  it('drops the answer for a page already left (paging faster than the server answers)', async () => {
    const list = renderHook(() => usePagedList<{ id: string }>(payments));
    list.current.next('pay_2');
    expect(requests).toHaveLength(2);
    await requests[1]!.answer(200, PAGE_2);
    await requests[0]!.answer(200, PAGE_1);
    expect(list.current).toMatchObject({ cursor: 'pay_2', items: [{ id: 'pay_3' }], nextCursor: null });
  });

  it('uses the explicit next_cursor of lists that give one (the audit log)', async () => {
    const list = renderHook(() => usePagedList<{ seq: number }>((cursor) => withQuery('/audit', { cursor })));
    await requests[0]!.answer(200, { data: [{ seq: 9 }, { seq: 8 }], next_cursor: '8' });
    expect(list.current.nextCursor).toBe('8');
    list.current.next('8');
    expect(requests[1]!.url).toBe('/admin/api/audit?cursor=8');
  });
});

describe('useList', () => {
  it('reads plain arrays and list objects alike, and an empty answer as an empty list', async () => {
    const keys = renderHook(() => useList<{ id: string }>('/merchants/m1/api-keys'));
    expect(keys.current.items).toBeUndefined();
    await requests[0]!.answer(200, [{ id: 'k1' }]);
    expect(keys.current.items).toEqual([{ id: 'k1' }]);

    const alerts = renderHook(() => useList<{ id: string }>('/alerts'));
    await requests[1]!.answer(200, { object: 'list', data: [], has_more: false });
    expect(alerts.current).toMatchObject({ items: [], loading: false, error: undefined });
  });

  it('does not fetch without a path', () => {
    const list = renderHook(() => useList<{ id: string }>(null));
    expect(requests).toHaveLength(0);
    expect(list.current).toMatchObject({ items: undefined, loading: false });
  });
});
