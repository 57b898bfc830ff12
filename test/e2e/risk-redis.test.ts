import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { generateDevelopmentKek } from '../../src/vault/local-kek.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

/**
 * Risk velocity on Redis through `POST /v1/payments`: the per-IP burst goes to review, then is
 * blocked; and two gateway nodes sharing one Redis (and one database) count each other's attempts,
 * so a burst split across both still blocks. Each run uses its own key prefix and deletes its keys.
 * Skipped when Redis does not answer at REDIS_URL (default redis://127.0.0.1:6379), unless
 * ANFU_TEST_REQUIRE_REDIS=1, where the suite fails instead.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUIRE_REDIS = process.env.ANFU_TEST_REQUIRE_REDIS === '1';

async function redisReachable(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

const redisUp = await redisReachable();
if (!redisUp && !REQUIRE_REDIS) console.warn(`Redis not reachable at ${new URL(REDIS_URL).host}: risk-redis tests skipped`);
const suite = redisUp || REQUIRE_REDIS ? describeEachDb : (name: string) => describe.skip(name, () => it('needs Redis', () => undefined));

suite('risk velocity on Redis through the payments API', (t) => {
  const prefix = `anfu:test:${Date.now().toString(36)}:${randomBytes(4).toString('hex')}:`;
  // Nodes of one deployment share the database and the KEK, hence the blind-index key the Redis
  // pseudonyms derive from; both are built from configuration, as in production.
  const kms = generateDevelopmentKek();
  let gw: Gateway;
  let nodeB: App;
  let nodeBUrl: string;
  let n = 0;

  beforeAll(async () => {
    if (!redisUp) throw new Error(`ANFU_TEST_REQUIRE_REDIS=1 but Redis is not reachable at ${new URL(REDIS_URL).host}`);
    gw = await startGateway({ database: t.handle, workers: false, overrides: { kms, risk: { redisUrl: REDIS_URL, redisKeyPrefix: prefix } } });
    // A second node: its own process state, the same database and the same Redis namespace.
    const config = loadConfig({ REDIS_URL, ANFU_REDIS_KEY_PREFIX: prefix }, { port: 0, mode: 'sandbox', logLevel: 'silent' });
    expect([config.redisUrl, config.redisKeyPrefix]).toEqual([REDIS_URL, prefix]);
    nodeB = await createApp(config, { kms, logger: createLogger({ level: 'silent' }), database: t.handle, jobs: { supervise: false, schedule: false }, workers: false });
    nodeBUrl = await nodeB.listen();
  }, 60_000);
  afterAll(async () => {
    await nodeB?.close();
    await gw?.close();
    const r = new Redis(REDIS_URL);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  });

  async function pay(node: 'A' | 'B', ip: string) {
    const base = node === 'A' ? gw.baseUrl : nodeBUrl;
    const res = await fetch(`${base}/v1/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.apiKey}`, 'idempotency-key': `redis-${n++}` },
      body: JSON.stringify({ amount: 100 + n, description: 'Redis burst', payer_client_ip: ip }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json()) as any };
  }

  it('node B built from REDIS_URL and ANFU_REDIS_KEY_PREFIX uses the Redis store', () => {
    expect(nodeB.ctx.risk?.store.kind).toBe('redis');
    expect(gw.app.ctx.risk?.store.kind).toBe('redis');
  });

  it('a burst from one IP goes to review, then is blocked, with the windows kept in Redis', async () => {
    const ip = '36.130.1.1';
    const statuses: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await pay('A', ip);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      statuses.push(r.body.risk.status);
    }
    expect(statuses).toEqual([...Array(5).fill('clear'), ...Array(5).fill('flagged')]);
    const blocked = await pay('A', ip);
    expect([blocked.status, blocked.body.error.code]).toEqual([403, 'risk_blocked']);
    expect(blocked.body.error.details.reasons.map((x: { rule_id: string }) => x.rule_id)).toContain('ip-burst-block');
    const r = new Redis(REDIS_URL);
    const keys = await r.keys(`${prefix}*`);
    const members = (await Promise.all(keys.map((k) => r.zrange(k, 0, -1)))).flat();
    r.disconnect();
    expect(keys.some((k) => k.startsWith(`${prefix}attempt:ip:`))).toBe(true);
    // The windows are there, but the payer's address is not: keys and members carry keyed pseudonyms.
    expect([...keys, ...members].join('\n')).not.toContain(ip);
  });

  it('two nodes sharing one Redis see each other: a burst split across them still blocks', async () => {
    const ip = '36.130.2.2';
    const statuses: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await pay(i % 2 === 0 ? 'A' : 'B', ip);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      statuses.push(r.body.risk.status);
    }
    // Neither node alone saw more than 5 attempts, yet review starts at the 6th overall.
    expect(statuses).toEqual([...Array(5).fill('clear'), ...Array(5).fill('flagged')]);
    const blockedOnB = await pay('B', ip);
    expect([blockedOnB.status, blockedOnB.body.error.code]).toEqual([403, 'risk_blocked']);
    const blockedOnA = await pay('A', ip);
    expect(blockedOnA.status).toBe(403);
  });
});
