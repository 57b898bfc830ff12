import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { VELOCITY_RETENTION_MS } from '../facts.ts';
import { QUERY_SCRIPT, QUERY_THEN_RECORD_SCRIPT, RECORD_SCRIPT } from './redis-scripts.ts';
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
  /**
   * Keyed pseudonyms for what lands in Redis: series values (payer IPs, device ids, openids) in key
   * names and distinct-counted values. Equal inputs give equal tokens, so counts are unchanged; Redis
   * then holds no personal data in the clear. Every node sharing a namespace must use the same key.
   */
  pseudonymise?: (value: string) => string;
}

/** "kind:dimension:value" keeps its readable kind and dimension; the value becomes a pseudonym. */
const SERIES_SHAPE = /^([a-z_]+:[a-z_]+:)(.+)$/s;

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

export class RedisVelocityStore implements VelocityStore {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #retentionMs: number;
  readonly #pseudonymise: ((value: string) => string) | undefined;
  readonly #recordSha = sha1(RECORD_SCRIPT);
  readonly #querySha = sha1(QUERY_SCRIPT);
  readonly #queryThenRecordSha = sha1(QUERY_THEN_RECORD_SCRIPT);

  private constructor(redis: Redis, ownsClient: boolean, options: RedisVelocityStoreOptions) {
    this.#redis = redis;
    this.#ownsClient = ownsClient;
    this.#prefix = options.keyPrefix ?? 'anfu:risk:';
    this.#retentionMs = options.retentionMs ?? VELOCITY_RETENTION_MS;
    this.#pseudonymise = options.pseudonymise;
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
    const name = this.#seriesName(series);
    return [`${this.#prefix}${name}:e`, `${this.#prefix}${name}:d`];
  }

  #seriesName(series: string): string {
    const p = this.#pseudonymise;
    if (!p) return series;
    const m = SERIES_SHAPE.exec(series);
    return m ? `${m[1]}${p(m[2]!)}` : p(series);
  }

  async #run(sha: string, script: string, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.#redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return this.#redis.eval(script, keys.length, ...keys, ...args);
    }
  }

  /** KEYS and ARGV for recording events (the part after the common prefix). */
  #recordArgs(events: readonly VelocityEvent[], now: number): { keys: string[]; args: string[] } {
    const keys: string[] = [];
    const args: string[] = [String(now - this.#retentionMs), String(this.#retentionMs + 60_000)];
    for (const event of events) {
      assertEvent(event);
      keys.push(...this.#keys(event.series));
      const hasDistinct = event.distinct !== undefined;
      const distinct = event.distinct === undefined ? '' : this.#pseudonymise ? this.#pseudonymise(event.distinct) : event.distinct;
      args.push(String(event.at), `${event.amount}:${event.id}`, hasDistinct ? '1' : '0', distinct);
    }
    return { keys, args };
  }

  /** KEYS and ARGV for a query: the windows as start times, and which is the widest. */
  #queryArgs(series: readonly string[], windowsMs: readonly number[], now: number): { keys: string[]; args: string[] } {
    assertWindows(windowsMs, this.#retentionMs);
    const widest = windowsMs.indexOf(Math.max(...windowsMs)) + 1;
    return {
      keys: series.flatMap((s) => this.#keys(s)),
      args: [String(windowsMs.length), String(widest), ...windowsMs.map((w) => String(now - w))],
    };
  }

  #unflatten(flat: unknown, nSeries: number, nw: number): WindowAggregate[][] {
    const values = flat as number[];
    return Array.from({ length: nSeries }, (_, i) =>
      Array.from({ length: nw }, (_w, j) => {
        const at = (i * nw + j) * 3;
        return { count: Number(values[at]), sum: Number(values[at + 1]), distinct: Number(values[at + 2]) };
      }),
    );
  }

  async record(events: readonly VelocityEvent[], now: number): Promise<void> {
    if (events.length === 0) return;
    const { keys, args } = this.#recordArgs(events, now);
    await this.#run(this.#recordSha, RECORD_SCRIPT, keys, args);
  }

  async query(series: readonly string[], windowsMs: readonly number[], now: number): Promise<WindowAggregate[][]> {
    assertWindows(windowsMs, this.#retentionMs);
    if (series.length === 0) return [];
    if (windowsMs.length === 0) return series.map(() => []);
    const { keys, args } = this.#queryArgs(series, windowsMs, now);
    return this.#unflatten(await this.#run(this.#querySha, QUERY_SCRIPT, keys, args), series.length, windowsMs.length);
  }

  async queryThenRecord(
    series: readonly string[],
    windowsMs: readonly number[],
    events: readonly VelocityEvent[],
    now: number,
  ): Promise<WindowAggregate[][]> {
    if (windowsMs.length === 0 || series.length === 0) {
      const answer = await this.query(series, windowsMs, now);
      await this.record(events, now);
      return answer;
    }
    const q = this.#queryArgs(series, windowsMs, now);
    const r = this.#recordArgs(events, now);
    const flat = await this.#run(this.#queryThenRecordSha, QUERY_THEN_RECORD_SCRIPT, [...q.keys, ...r.keys], [String(series.length), ...q.args, ...r.args]);
    return this.#unflatten(flat, series.length, windowsMs.length);
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
