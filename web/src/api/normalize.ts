import type { Page } from './types.ts';

/**
 * Lists come back as `{ items, next_cursor }` (or `data` in some routes): one place absorbs that,
 * so pages read `Page<T>` only.
 */
export function asPage<T>(raw: unknown): Page<T> {
  if (Array.isArray(raw)) return { items: raw as T[], next_cursor: null };
  const o = (raw ?? {}) as Record<string, unknown>;
  const items = (o.items ?? o.data ?? o.payments ?? o.entries ?? []) as T[];
  const next = (o.next_cursor ?? o.nextCursor ?? null) as string | null;
  return { items: Array.isArray(items) ? items : [], next_cursor: next };
}
