/**
 * Graceful shutdown on SIGINT/SIGTERM for the process entries (`npm start`, `anfu serve`): the first
 * signal runs `shutdown` once; if it has not finished within `timeoutMs` (a stuck request or job), or a
 * second signal arrives, the process exits with status 1 rather than hang forever.
 */
export interface ShutdownOptions {
  timeoutMs?: number;
  onError?: (e: unknown) => void;
  exit?: (code: number) => void;
}

export function onShutdownSignals(shutdown: (signal: NodeJS.Signals) => Promise<void>, opts: ShutdownOptions = {}): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let started = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (started) {
      exit(1);
      return;
    }
    started = true;
    const timer = setTimeout(() => exit(1), opts.timeoutMs ?? 30_000);
    timer.unref();
    shutdown(signal).then(
      () => {
        clearTimeout(timer);
        exit(0);
      },
      (e: unknown) => {
        clearTimeout(timer);
        opts.onError?.(e);
        exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
