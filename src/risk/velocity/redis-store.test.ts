import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { RedisVelocityStore } from './redis-store.ts';
import { describeVelocityStore } from './store-contract.ts';

/**
 * Runs the store contract against a real Redis (REDIS_URL, default 127.0.0.1:6379). Without one the
 * suite is skipped with a message, unless ANFU_TEST_REQUIRE_REDIS=1 (CI), where it must run.
 */
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const required = process.env.ANFU_TEST_REQUIRE_REDIS === '1';
const runPrefix = `anfu-test:${randomBytes(6).toString('hex')}:`;

async function probe(): Promise<RedisVelocityStore | string> {
  try {
    return await RedisVelocityStore.connect({ url, keyPrefix: runPrefix, connectTimeoutMs: 1_000 });
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const admin = await probe();

if (typeof admin === 'string') {
  if (required) throw new Error(`ANFU_TEST_REQUIRE_REDIS=1 but Redis at ${url} is unreachable: ${admin}`);
  console.log(`Redis velocity store tests skipped: no Redis at ${url} (${admin})`);
  describe.skip('velocity store contract: redis (no Redis reachable)', () => {
    it('needs Redis', () => {});
  });
} else {
  let n = 0;
  describeVelocityStore('redis', {
    // Each store gets its own prefix so property runs never see each other's keys.
    make: async (retentionMs) =>
      RedisVelocityStore.connect({ url, keyPrefix: `${runPrefix}${n++}:`, retentionMs, commandTimeoutMs: 2_000 }),
    cleanUp: async () => {
      await admin.deleteAll();
      await admin.close();
    },
  });
}
