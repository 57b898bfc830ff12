/**
 * For tests: connect to the Redis at REDIS_URL (default 127.0.0.1:6379) under a unique key prefix,
 * or explain why not. With ANFU_TEST_REQUIRE_REDIS=1 (CI) an unreachable Redis is an error, so the
 * Redis suites can never be skipped silently there.
 */
import { randomBytes } from 'node:crypto';
import { RedisVelocityStore, type RedisVelocityStoreOptions } from './redis-store.ts';

export const redisTestUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueTestPrefix(): string {
  return `anfu-test:${randomBytes(6).toString('hex')}:`;
}

/** A connected store, or the reason there is none (after logging it). */
export async function probeRedis(options: RedisVelocityStoreOptions = {}): Promise<RedisVelocityStore | string> {
  try {
    return await RedisVelocityStore.connect({ url: redisTestUrl, keyPrefix: uniqueTestPrefix(), connectTimeoutMs: 1_000, commandTimeoutMs: 2_000, ...options });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    if (process.env.ANFU_TEST_REQUIRE_REDIS === '1') {
      throw new Error(`ANFU_TEST_REQUIRE_REDIS=1 but Redis at ${redisTestUrl} is unreachable: ${reason}`);
    }
    console.log(`Redis tests skipped: no Redis at ${redisTestUrl} (${reason})`);
    return reason;
  }
}
