import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../lib/secret.ts';
import { BlindIndexer } from '../../privacy/blind-index.ts';
import { RedisVelocityStore } from './redis-store.ts';
import { describeVelocityStore } from './store-contract.ts';
import { probeRedis, redisTestUrl } from './redis-test-probe.ts';

/**
 * Runs the store contract against a real Redis, plain and with pseudonymised keys and values. Without
 * Redis the suite is skipped with a message, unless ANFU_TEST_REQUIRE_REDIS=1 (CI), where probeRedis
 * throws instead.
 */
const admin = await probeRedis();

if (typeof admin === 'string') {
  describe.skip(`velocity store contract: redis (no Redis at ${redisTestUrl})`, () => {
    it('needs Redis', () => {});
  });
} else {
  let n = 0;
  const pseudonymise = new BlindIndexer(new Secret(randomBytes(32))).pseudonymiser('test-velocity');
  let cleaned = 0;
  const cleanUp = async () => {
    // Two suites share the admin connection: the second to finish deletes and closes.
    if (++cleaned < 2) return;
    await admin.deleteAll();
    await admin.close();
  };
  describeVelocityStore('redis', {
    // Each store gets its own prefix under the run's, so property runs never see each other's keys.
    make: async (retentionMs) =>
      RedisVelocityStore.connect({ url: redisTestUrl, keyPrefix: `${admin.keyPrefix}${n++}:`, retentionMs, commandTimeoutMs: 2_000 }),
    cleanUp,
  });
  describeVelocityStore('redis, pseudonymised', {
    make: async (retentionMs) =>
      RedisVelocityStore.connect({ url: redisTestUrl, keyPrefix: `${admin.keyPrefix}${n++}:`, retentionMs, commandTimeoutMs: 2_000, pseudonymise }),
    cleanUp,
  });

  describe('redis velocity store pseudonyms', () => {
    it('keeps payer IPs, devices and openids out of Redis while counting them alike', async () => {
      const keyPrefix = `${admin.keyPrefix}${n++}:`;
      const store = await RedisVelocityStore.connect({ url: redisTestUrl, keyPrefix, commandTimeoutMs: 2_000, pseudonymise });
      const raw = new Redis(redisTestUrl);
      try {
        const now = Date.now();
        const secrets = ['36.130.9.9', 'device-abc-123', 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o'];
        await store.record(
          [
            { series: `attempt:ip:${secrets[0]}`, id: 'pay_1', at: now, amount: 100, distinct: secrets[1] },
            { series: `attempt:ip:${secrets[0]}`, id: 'pay_2', at: now, amount: 200, distinct: secrets[1] },
            { series: `success:payer:${secrets[2]}`, id: 'pay_1', at: now, amount: 100, distinct: secrets[0] },
          ],
          now,
        );
        const answer = await store.query([`attempt:ip:${secrets[0]}`, `success:payer:${secrets[2]}`], [60_000], now);
        expect(answer).toEqual([[{ count: 2, sum: 300, distinct: 1 }], [{ count: 1, sum: 100, distinct: 1 }]]);

        const keys = await raw.keys(`${keyPrefix}*`);
        expect(keys.length).toBe(4);
        // The kind and dimension stay readable for operators; the value does not.
        expect(keys.filter((k) => k.startsWith(`${keyPrefix}attempt:ip:`))).toHaveLength(2);
        const stored = [...keys];
        for (const k of keys) stored.push(...(await raw.zrange(k, 0, -1)));
        for (const s of secrets) expect(stored.join('\n')).not.toContain(s);
      } finally {
        const left = await raw.keys(`${keyPrefix}*`);
        if (left.length) await raw.del(...left);
        raw.disconnect();
        await store.close();
      }
    });
  });
}
