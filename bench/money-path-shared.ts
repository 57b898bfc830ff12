/** Helpers shared by the two parts of the money-path bench. */
/** Progress on stderr, so a slow phase on a loaded machine is visibly slow rather than silent. */
export const progress = (msg: string): void => void process.stderr.write(`  … ${msg}\n`);

/** Runs `total` tasks with at most `limit` in flight; returns tasks per second. */
export async function pool(total: number, limit: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(limit, total) }, async () => {
      while (next < total) await task(next++);
    }),
  );
  return total / ((performance.now() - start) / 1000);
}
