import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { VELOCITY_RETENTION_MS } from '../facts.ts';
import { QUERY_SCRIPT, RECORD_SCRIPT } from './redis-scripts.ts';
import { assertEvent, assertWindows, type VelocityEvent, type VelocityStore, type WindowAggregate } from './store.ts';

/**
 * The multi-node store: exact sliding windows in Redis sorted sets, written and read by Lua scripts
 * (redis-scripts.ts). Semantics match MemoryVelocityStore exactly; store-contract.ts runs the same
 * tests against both.
 */
export interface RedisVelocityStoreOptions {
  /** redis://… ; ignored when `client` is given. */
  url?: string;
  /** Use an existing connection (not closed by close()). */
  client?: Redis;
  /** Namespace for every key, e.g. "anfu:risk:". */
  keyPrefix?: string;
  retentionMs?: number;
  connectTimeoutMs?: number;
  /** Every command fails after this long instead of hanging a payment. */
  commandTimeoutMs?: number;
}

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

export class RedisVelocityStore implements VelocityStore {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #retentionMs: number;
  readonly #recordSha = sha1(RECORD_SCRIPT);
  readonly #querySha = sha1(QUERY_SCRIPT);

  private constructor(redis: Redis, ownsClient: boolean, options: RedisVelocityStoreOptions) {
    this.#redis = redis;
    this.#ownsClient = ownsClient;
    this.#prefix = options.keyPrefix ?? 'anfu:risk:';
    this.#retentionMs = options.retentionMs ?? VELOCITY_RETENTION_MS;
  }

  /** Connects (or fails within connectTimeoutMs) before returning, so a bad REDIS_URL fails at start-up. */
  static async connect(options: RedisVelocityStoreOptions): Promise<RedisVelocityStore> {
    if (options.client) return new RedisVelocityStore(options.client, false, options);
    const redis = new Redis(options.url ?? 'redis://127.0.0.1:6379', {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      commandTimeout: options.commandTimeoutMs ?? 500,
      maxRetriesPerRequest: 1,
      // Fail fast while disconnected: a risk decision must not queue behind a reconnect loop.
      enableOfflineQueue: false,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
    // Connection errors also surface on each failed command; the listener keeps ioredis from
    // reporting them as unhandled, and gives a useful reason if the first connect fails.
    let lastError: Error | undefined;
    redis.on('error', (e: Error) => {
      lastError = e;
    });
    try {
      await redis.connect();
    } catch (e) {
      redis.disconnect();
      throw lastError ?? e;
    }
    return new RedisVelocityStore(redis, true, options);
  }

  get keyPrefix(): string {
    return this.#prefix;
  }

  #keys(series: string): [string, string] {
    return [`${this.#prefix}${series}:e`, `${this.#prefix}${series}:d`];
  }

  async #run(sha: string, script: string, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.#redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return this.#redis.eval(script, keys.length, ...keys, ...args);
    }
  }

  async record(events: readonly VelocityEvent[], now: number): Promise<void> {
    if (events.length === 0) return;
    const keys: string[] = [];
    const args: string[] = [String(now - this.#retentionMs), String(this.#retentionMs + 60_000)];
    for (const event of events) {
      assertEvent(event);
      keys.push(...this.#keys(event.series));
      const hasDistinct = event.distinct !== undefined;
      args.push(String(event.at), `${event.amount}:${event.id}`, hasDistinct ? '1' : '0', event.distinct ?? '');
    }
    await this.#run(this.#recordSha, RECORD_SCRIPT, keys, args);
  }

  async query(series: readonly string[], windowsMs: readonly number[], now: number): Promise<WindowAggregate[][]> {
    assertWindows(windowsMs, this.#retentionMs);
    if (series.length === 0) return [];
    if (windowsMs.length === 0) return series.map(() => []);
    const widest = windowsMs.indexOf(Math.max(...windowsMs)) + 1;
    const keys = series.flatMap((s) => this.#keys(s));
    const args = [String(windowsMs.length), String(widest), ...windowsMs.map((w) => String(now - w))];
    const flat = (await this.#run(this.#querySha, QUERY_SCRIPT, keys, args)) as number[];
    const nw = windowsMs.length;
    return series.map((_, i) =>
      windowsMs.map((_w, j) => {
        const at = (i * nw + j) * 3;
        return { count: Number(flat[at]), sum: Number(flat[at + 1]), distinct: Number(flat[at + 2]) };
      }),
    );
  }

  /** Deletes every key under this store's prefix (tests, and the `doctor` clean-up). */
  async deleteAll(): Promise<void> {
    let cursor = '0';
    do {
      // Escape glob characters so a prefix such as "risk[1]:" matches only itself.
      const pattern = `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await this.#redis.del(...keys);
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    if (!this.#ownsClient) return;
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }
}
