import { useCallback, useMemo, useState } from 'react';
import type { ApiError } from './client.ts';
import { asPage } from './normalize.ts';
import type { Page } from './types.ts';
import { useApi } from './use-api.ts';

/** A fetched list: `items` is undefined until the first answer, then kept while a reload runs or fails. */
export interface ListState<T> {
  items: T[] | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
}

/** One page of a cursor-paged list and the moves the pager offers. */
export interface PagedListState<T> extends ListState<T> {
  /** The cursor of the page shown; null on the first page. */
  cursor: string | null;
  /** Where the next page starts; null when this is the last page (or nothing has arrived yet). */
  nextCursor: string | null;
  first(): void;
  next(cursor: string): void;
}

/** GET `path` (null: not yet) and read the answer as a list, whichever list shape the endpoint uses. */
export function useList<T>(path: string | null): ListState<T> {
  const { data, error, loading, reload } = useApi<unknown>(path);
  const items = useMemo(() => (data === undefined ? undefined : asPage<T>(data).items), [data]);
  return { items, error, loading, reload };
}

/**
 * A cursor-paged list: `pathFor(cursor)` is the request for a page (null: the first). Filters live with
 * the caller, which calls `first()` when they change so that the search starts from the first page.
 */
export function usePagedList<T>(pathFor: (cursor: string | null) => string): PagedListState<T> {
  const [cursor, setCursor] = useState<string | null>(null);
  const { data, error, loading, reload } = useApi<unknown>(pathFor(cursor));
  const page = useMemo<Page<T> | undefined>(() => (data === undefined ? undefined : asPage<T>(data)), [data]);
  const first = useCallback(() => setCursor(null), []);
  const next = useCallback((c: string) => setCursor(c), []);
  return { items: page?.items, nextCursor: page?.next_cursor ?? null, cursor, first, next, error, loading, reload };
}
