import type { Page } from './types.ts';

/**
 * Lists come back as `{ object: 'list', data, has_more }` (payments: the next page starts after the last
 * id) or with an explicit `next_cursor` (audit log). One place absorbs both, so pages read `Page<T>`.
 */
export function asPage<T>(raw: unknown): Page<T> {
  if (Array.isArray(raw)) return { items: raw as T[], next_cursor: null };
  const o = (raw ?? {}) as Record<string, unknown>;
  const list = o.data ?? o.items ?? [];
  const items = (Array.isArray(list) ? list : []) as T[];
  let next = typeof o.next_cursor === 'string' ? o.next_cursor : null;
  if (next === null && o.has_more === true) {
    const last = items.at(-1) as { id?: unknown } | undefined;
    if (typeof last?.id === 'string') next = last.id;
  }
  return { items, next_cursor: next };
}
