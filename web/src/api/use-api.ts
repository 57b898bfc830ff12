import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from './client.ts';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
}

/** GET `path` (null: don't fetch yet); refetches when the path changes; stale answers are dropped. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    if (path === null) return;
    const n = ++latest.current;
    setLoading(true);
    setError(undefined);
    api<T>('GET', path).then(
      (d) => {
        if (n !== latest.current) return;
        setData(d);
        setLoading(false);
      },
      (e: unknown) => {
        if (n !== latest.current) return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'client_error', String(e)));
        setLoading(false);
      },
    );
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
