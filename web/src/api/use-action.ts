import { useCallback, useState } from 'react';
import { ApiError } from './client.ts';

export interface ActionState<A extends unknown[], R> {
  run(...args: A): Promise<R | undefined>;
  busy: boolean;
  error: ApiError | undefined;
  result: R | undefined;
  clear(): void;
}

/** A state-changing call with busy/error/result state for buttons and dialogs. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): ActionState<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [result, setResult] = useState<R>();
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(undefined);
      try {
        const r = await fn(...args);
        setResult(r);
        return r;
      } catch (e) {
        setError(e instanceof ApiError ? e : new ApiError(0, 'client_error', String(e)));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [fn],
  );
  const clear = useCallback(() => {
    setError(undefined);
    setResult(undefined);
  }, []);
  return { run, busy, error, result, clear };
}
