/**
 * Group commit: many callers each submit one item and await their own result, while the items waiting
 * at one moment are written by ONE `flush(items)` call (for the inbox: one multi-row INSERT … RETURNING,
 * one commit, instead of one round trip and one commit per notification).
 *
 * - A flush starts on the next turn of the event loop after an item arrives (so the requests that
 *   arrived together go together), with at most `maxConcurrent` flushes in flight; items arriving
 *   meanwhile wait for the next flush. Nothing waits for a timer: an idle batcher adds no latency.
 * - A batch holds at most `maxBatch` items, taken in submission order; `flush` must return one result
 *   per item, in the same order.
 * - A failed flush rejects every item of that batch (and only those) with its error: the caller cannot
 *   tell which part, if any, was written, so `flush` must be all-or-nothing (one statement is).
 * - At most `maxWaiting` items wait (not counting those being flushed); beyond that `submit` rejects
 *   at once with `GroupCommitFullError` — shedding load fast beats answering late.
 */
export interface GroupCommitOptions<I, O> {
  flush(items: readonly I[]): Promise<readonly O[]>;
  maxBatch: number;
  maxConcurrent?: number;
  maxWaiting?: number;
}

export class GroupCommitFullError extends Error {
  constructor(waiting: number) {
    super(`group commit queue full (${waiting} waiting)`);
    this.name = 'GroupCommitFullError';
  }
}

interface Waiter<I, O> {
  item: I;
  resolve(o: O): void;
  reject(e: unknown): void;
}

export class GroupCommit<I, O> {
  readonly #flush: (items: readonly I[]) => Promise<readonly O[]>;
  readonly #maxBatch: number;
  readonly #maxConcurrent: number;
  readonly #maxWaiting: number;
  #waiting: Waiter<I, O>[] = [];
  #inFlight = 0;
  #scheduled = false;
  #idle: Array<() => void> = [];

  constructor(opts: GroupCommitOptions<I, O>) {
    if (!(opts.maxBatch >= 1)) throw new Error('maxBatch must be at least 1');
    this.#flush = opts.flush;
    this.#maxBatch = Math.floor(opts.maxBatch);
    this.#maxConcurrent = Math.max(1, Math.floor(opts.maxConcurrent ?? 1));
    this.#maxWaiting = opts.maxWaiting ?? Number.POSITIVE_INFINITY;
  }

  /** Items waiting for a flush, and flushes in flight (metrics, tests). */
  get stats(): { waiting: number; inFlight: number } {
    return { waiting: this.#waiting.length, inFlight: this.#inFlight };
  }

  submit(item: I): Promise<O> {
    if (this.#waiting.length >= this.#maxWaiting) return Promise.reject(new GroupCommitFullError(this.#waiting.length));
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once nothing waits and nothing is in flight (shutdown, tests). */
  settled(): Promise<void> {
    if (this.#waiting.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#maxConcurrent || this.#waiting.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#inFlight < this.#maxConcurrent && this.#waiting.length > 0) {
        void this.#run(this.#waiting.splice(0, this.#maxBatch));
      }
    });
  }

  async #run(batch: Waiter<I, O>[]): Promise<void> {
    this.#inFlight++;
    try {
      const out = await this.#flush(batch.map((w) => w.item));
      if (out.length !== batch.length) throw new Error(`group commit: flush returned ${out.length} results for ${batch.length} items`);
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(out[i]!);
    } catch (e) {
      for (const w of batch) w.reject(e);
    } finally {
      this.#inFlight--;
      this.#schedule();
      if (this.#inFlight === 0 && this.#waiting.length === 0) for (const r of this.#idle.splice(0)) r();
    }
  }
}
