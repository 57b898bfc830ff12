import { describe, it } from 'vitest';
import { RedisVelocityStore } from './redis-store.ts';
import { describeVelocityStore } from './store-contract.ts';
import { probeRedis, redisTestUrl } from './redis-test-probe.ts';

/**
 * Runs the store contract against a real Redis. Without one the suite is skipped with a message,
 * unless ANFU_TEST_REQUIRE_REDIS=1 (CI), where probeRedis throws instead.
 */
const admin = await probeRedis();

if (typeof admin === 'string') {
  describe.skip(`velocity store contract: redis (no Redis at ${redisTestUrl})`, () => {
    it('needs Redis', () => {});
  });
} else {
  let n = 0;
  describeVelocityStore('redis', {
    // Each store gets its own prefix under the run's, so property runs never see each other's keys.
    make: async (retentionMs) =>
      RedisVelocityStore.connect({ url: redisTestUrl, keyPrefix: `${admin.keyPrefix}${n++}:`, retentionMs, commandTimeoutMs: 2_000 }),
    cleanUp: async () => {
      await admin.deleteAll();
      await admin.close();
    },
  });
}
