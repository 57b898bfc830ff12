/**
 * The in-process applier: after a verified notification is durable and answered, its effect is applied
 * here, in the background, at most `concurrency` at a time (so applying never starves ingestion of
 * connections or CPU), oldest first. It is only a fast path: the row is already `verified` in the
 * inbox, so whatever this queue loses — a full queue, a failed attempt, a crash, a shutdown — the
 * follow-up sweep finds (`next_attempt_at`) and re-processes from the stored raw bytes.
 */
export interface ApplierOptions<T> {
  apply(item: T): Promise<void>;
  /**
   * Effects applied at once (default 2), or a function read before each start — the inbox lowers it
   * while requests wait for their INSERT, so answering WeChat keeps priority over applying (a lower
   * limit only delays starts; nothing running is interrupted). Call `wake()` when it may have risen.
   */
  concurrency?: number | (() => number);
  /** Items held in memory at most; beyond that they are left to the sweep (default 10,000). */
  maxQueued?: number;
  /** Called with an error `apply` threw (the item is not retried here). */
  onError?(err: unknown, item: T): void;
}

export class BackgroundApplier<T> {
  readonly #apply: (item: T) => Promise<void>;
  readonly #concurrency: () => number;
  readonly #maxQueued: number;
  readonly #onError: (err: unknown, item: T) => void;
  #queue: T[] = [];
  #head = 0;
  #active = 0;
  #stopped = false;
  #dropped = 0;
  #idle: Array<() => void> = [];

  constructor(opts: ApplierOptions<T>) {
    this.#apply = opts.apply;
    const c = opts.concurrency ?? 2;
    this.#concurrency = typeof c === 'function' ? () => Math.max(1, Math.floor(c())) : () => Math.max(1, Math.floor(c));
    this.#maxQueued = Math.max(0, Math.floor(opts.maxQueued ?? 10_000));
    this.#onError = opts.onError ?? (() => undefined);
  }

  get stats(): { queued: number; active: number; dropped: number } {
    return { queued: this.#queue.length - this.#head, active: this.#active, dropped: this.#dropped };
  }

  /** Queues one item; false when it was left to the sweep (queue full, or stopping). */
  enqueue(item: T): boolean {
    if (this.#stopped || this.#queue.length - this.#head >= this.#maxQueued) {
      this.#dropped++;
      return false;
    }
    this.#queue.push(item);
    this.#pump();
    return true;
  }

  /** Starts queued effects up to the current concurrency limit (after the limit rose). */
  wake(): void {
    this.#pump();
  }

  /** Resolves once the queue is empty and nothing is being applied (tests, bench). */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#queue.length === this.#head) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /** Stops taking items; what is queued stays for the sweep; waits for the effects being applied. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queue = [];
    this.#head = 0;
    await this.idle();
  }

  #pump(): void {
    if (this.#stopped || this.#head >= this.#queue.length) return;
    const limit = this.#concurrency();
    while (this.#active < limit && this.#head < this.#queue.length) {
      const item = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as T;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#active++;
      void this.#run(item);
    }
  }

  async #run(item: T): Promise<void> {
    try {
      await this.#apply(item);
    } catch (err) {
      this.#onError(err, item);
    } finally {
      this.#active--;
      this.#pump();
      if (this.#active === 0 && this.#queue.length === this.#head) for (const r of this.#idle.splice(0)) r();
    }
  }
}
