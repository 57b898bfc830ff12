import { afterAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../lib/clock.ts';
import { compileRuleSet, type CompiledRuleSet } from './compile.ts';
import { DEFAULT_RULE_SET } from './default-rules.ts';
import { compileRiskLists } from './lists.ts';
import { RiskEngine, toSubject } from './risk-engine.ts';
import { paymentInput } from './test-fixtures.ts';
import { MemoryVelocityStore } from './velocity/memory-store.ts';
import { RedisVelocityStore } from './velocity/redis-store.ts';
import { probeRedis, redisTestUrl } from './velocity/redis-test-probe.ts';
import type { VelocityStore } from './velocity/store.ts';

const T0 = Date.UTC(2026, 0, 5, 4, 0); // 12:00 in Shanghai, a Monday

function defaults(): CompiledRuleSet {
  const { ok } = compileRuleSet(DEFAULT_RULE_SET);
  if (!ok) throw new Error('default rule set must compile');
  return ok;
}

function setup(store: VelocityStore = new MemoryVelocityStore()) {
  const clock = fixedClock(T0);
  return { clock, store, engine: new RiskEngine({ store, clock }) };
}

describe('RiskEngine with the default rule set', () => {
  const rules = defaults();

  it('allows an ordinary first payment and fills in the facts', async () => {
    const { engine } = setup();
    const { decision, facts } = await engine.assessPreOrder(rules, paymentInput({ amount: 4_990 }));
    expect(decision.action).toBe('allow');
    expect(facts).toMatchObject({
      phase: 'pre_order',
      amount: 4_990,
      ip: '203.0.113.7',
      ip24: '203.0.113.0/24',
      ua_family: 'wechat',
      hour: 12,
      weekday: 1,
      is_new_device: true,
      payer_openid: '',
    });
  });

  it('sends a burst from one IP to review, then blocks it', async () => {
    const { engine, clock } = setup();
    const actions: string[] = [];
    for (let i = 0; i < 12; i++) {
      clock.advance(2_000);
      // A fresh device each time, so only the IP rules can fire.
      const { decision } = await engine.assessPreOrder(rules, paymentInput({ device_id: `d${i}` }));
      actions.push(decision.action);
    }
    expect(actions).toEqual([...Array(5).fill('allow'), ...Array(5).fill('review'), 'block', 'block']);
  });

  it('lets the burst cool down once the minute has passed', async () => {
    const { engine, clock } = setup();
    for (let i = 0; i < 6; i++) await engine.assessPreOrder(rules, paymentInput({ device_id: `d${i}` }));
    clock.advance(61_000);
    const { decision } = await engine.assessPreOrder(rules, paymentInput({ device_id: 'late' }));
    expect(decision.action).toBe('allow');
  });

  it('reviews a burst from one device across many IPs', async () => {
    const { engine } = setup();
    const last = [];
    for (let i = 0; i < 4; i++) last.push((await engine.assessPreOrder(rules, paymentInput({ payer_client_ip: `198.51.100.${i}` }))).decision);
    expect(last.map((d) => d.action)).toEqual(['allow', 'allow', 'allow', 'review']);
    expect(last[3]!.fired.map((f) => f.rule_id)).toEqual(['device-burst-review']);
  });

  it('reviews a large amount, and a smaller one from a device never seen before', async () => {
    const { engine, clock } = setup();
    const big = await engine.assessPreOrder(rules, paymentInput({ amount: 500_000 }));
    expect(big.decision.fired.map((f) => f.rule_id)).toEqual(['large-amount', 'new-device-large-amount']);
    clock.advance(3_600_000);
    const known = await engine.assessPreOrder(rules, paymentInput({ amount: 250_000 }));
    expect(known.decision.action).toBe('allow');
    const fresh = await engine.assessPreOrder(rules, paymentInput({ amount: 250_000, device_id: 'brand-new' }));
    expect(fresh.decision.fired.map((f) => f.rule_id)).toEqual(['new-device-large-amount']);
  });

  it('reviews after repeated failures from one IP', async () => {
    const { engine, clock } = setup();
    for (let i = 0; i < 3; i++) {
      const input = paymentInput({ device_id: `d${i}` });
      await engine.assessPreOrder(rules, input);
      clock.advance(30_000);
      await engine.recordOutcome(toSubject(input), 'failed');
    }
    const { decision } = await engine.evaluate(rules, paymentInput({ device_id: 'd9' }), 'pre_order');
    expect(decision.fired.map((f) => f.rule_id)).toEqual(['repeated-failures']);
  });

  it('blocks a listed IP range and lets an allow-listed IP burst freely', async () => {
    const { engine } = setup();
    engine.setLists(compileRiskLists({ ip_block: ['198.51.100.0/24'], ip_allow: ['203.0.113.7'] }));
    const blocked = await engine.assessPreOrder(rules, paymentInput({ payer_client_ip: '198.51.100.77' }));
    expect(blocked.decision).toMatchObject({ action: 'block', fired: [{ rule_id: 'block-listed-ip' }] });
    for (let i = 0; i < 15; i++) {
      const { decision } = await engine.assessPreOrder(rules, paymentInput({ device_id: `d${i}` }));
      expect(decision.action).toBe('allow');
    }
  });

  it('holds a payment after the fact when the payer has paid too much today', async () => {
    const { engine, clock } = setup();
    const pay = async () => {
      clock.advance(600_000);
      const input = paymentInput({ amount: 190_000, device_id: 'phone', payer_openid: 'o_payer' });
      const before = await engine.assessPreOrder(rules, { ...input, payer_openid: undefined });
      expect(before.decision.action).toBe('allow');
      return engine.assessPostPayment(rules, input);
    };
    for (let i = 0; i < 10; i++) expect((await pay()).decision.action).toBe('allow');
    const { decision, facts } = await pay();
    expect(facts.successes.payer['sum_24h']).toBe(1_900_000);
    expect(decision).toMatchObject({ action: 'review', fired: [{ rule_id: 'payer-daily-total' }] });
  });

  it('blocks a burst from one device across many IPs once it reaches 6 attempts a minute', async () => {
    const { engine, clock } = setup();
    const actions: string[] = [];
    for (let i = 0; i < 8; i++) {
      clock.advance(1_000);
      actions.push((await engine.assessPreOrder(rules, paymentInput({ payer_client_ip: `198.51.100.${i}` }))).decision.action);
    }
    expect(actions).toEqual(['allow', 'allow', 'allow', 'review', 'review', 'review', 'block', 'block']);
    const last = await engine.evaluate(rules, paymentInput({ payer_client_ip: '198.51.100.99' }), 'pre_order');
    expect(last.decision.fired.map((f) => f.rule_id)).toEqual(['device-burst-block', 'device-burst-review']);
  });

  it('blocks 30 attempts from one device within the hour even when spread out, unless the device is allow-listed', async () => {
    const { engine, clock } = setup();
    for (let i = 0; i < 30; i++) {
      clock.advance(110_000); // 30 attempts over 55 minutes: never 3 in a minute, never 10 in ten minutes
      expect((await engine.assessPreOrder(rules, paymentInput({ payer_client_ip: `198.51.100.${i}` }))).decision.action).toBe('allow');
    }
    clock.advance(110_000);
    const next = paymentInput({ payer_client_ip: '198.51.100.200' });
    expect((await engine.evaluate(rules, next, 'pre_order')).decision.fired.map((f) => f.rule_id)).toEqual(['device-burst-block']);
    engine.setLists(compileRiskLists({ device_allow: ['dev_1'] }));
    expect((await engine.evaluate(rules, next, 'pre_order')).decision.action).toBe('allow');
  });

  it('holds a listed payer after payment (the openid is unknown before), unless allow-listed too', async () => {
    const { engine } = setup();
    engine.setLists(compileRiskLists({ openid_block: ['o_thief'] }));
    const input = paymentInput({ payer_openid: 'o_thief' });
    expect((await engine.assessPreOrder(rules, { ...input, payer_openid: undefined })).decision.action).toBe('allow');
    const after = await engine.assessPostPayment(rules, input);
    expect(after.decision).toMatchObject({ action: 'block', fired: [{ rule_id: 'block-listed-payer' }] });
    engine.setLists(compileRiskLists({ openid_block: ['o_thief'], openid_allow: ['o_thief'] }));
    expect((await engine.evaluate(rules, input, 'post_payment')).decision.action).toBe('allow');
  });

  it('reviews five failures from one device within the hour, from changing IPs', async () => {
    const { engine, clock } = setup();
    for (let i = 0; i < 5; i++) {
      const input = paymentInput({ payer_client_ip: `198.51.100.${i}` });
      clock.advance(11 * 60_000); // never 3 failures from one IP in 10 min, never a burst
      await engine.assessPreOrder(rules, input);
      await engine.recordOutcome(toSubject(input), 'failed');
    }
    const { decision } = await engine.evaluate(rules, paymentInput({ payer_client_ip: '198.51.100.50' }), 'pre_order');
    expect(decision.fired.map((f) => f.rule_id)).toEqual(['repeated-failures']);
  });

  it('records but does not act on the shadow rule for many devices behind one IP', async () => {
    const { engine } = setup();
    let last;
    for (let i = 0; i < 6; i++) last = await engine.assessPreOrder(rules, paymentInput({ device_id: `d${i}` }));
    expect(last!.decision.shadow_fired.map((f) => f.rule_id)).toEqual(['ip-many-devices']);
    expect(last!.decision.fired.map((f) => f.rule_id)).toEqual(['ip-burst-review']);
  });
});

describe('RiskEngine facts: every documented fact reaches a rule', () => {
  /** One review rule per fact; the names of the rules that fire tell which facts held the expected value. */
  const checks: Record<string, string> = {
    amount: 'amount == 12345',
    currency: 'currency == "CNY"',
    merchant: 'merchant_id == "m_facts"',
    ip: 'ip == "203.0.113.7" && ip_version == 4',
    ip24: 'ip24 == "203.0.113.0/24"',
    device: 'device_id == "dev_facts"',
    h5: 'h5_type == "Android"',
    ua: 'ua_family == "wechat" && user_agent.contains("MicroMessenger")',
    description: 'description.contains("耳机")',
    time: 'hour == 12 && weekday == 1',
    openid: 'phase == "post_payment" && payer_openid == "o_facts"',
    'ip-velocity': 'velocity.ip.count_1m == 2 && velocity.ip.sum_1m == 24690 && velocity.ip.distinct_1h == 2',
    'device-velocity': 'velocity.device.count_10m == 1 && velocity.device.distinct_24h == 1',
    'payer-velocity': 'phase == "post_payment" && successes.payer.count_24h == 1 && successes.payer.sum_1h == 12345 && successes.payer.distinct_24h == 1',
    'merchant-velocity': 'velocity.merchant.count_1h == 2 && velocity.merchant.distinct_10m == 1',
    'merchant-failures': 'failures.merchant.count_24h == 1 && failures.ip.sum_10m == 12345',
    'ip-lists': 'lists.ip_blocked && !lists.ip_allowed',
    'device-lists': 'lists.device_allowed && !lists.device_blocked',
    'openid-lists': 'phase == "post_payment" && lists.openid_allowed && !lists.openid_blocked',
  };
  const { ok: ruleSet } = compileRuleSet({
    version: 7,
    rules: Object.entries(checks).map(([id, expression]) => ({ id, expression, action: 'review' as const, score: 1, reason: { 'zh-CN': id, en: id } })),
  });

  it('gives rules the amount, currency, merchant, IP and its /24, device, h5 type, UA family, description, Shanghai time, openid, aggregates and lists', async () => {
    expect(ruleSet).toBeDefined();
    const { engine, clock } = setup();
    engine.setLists(compileRiskLists({ ip_block: ['203.0.113.0/25'], device_allow: ['dev_facts'], openid_allow: ['o_facts'] }));
    const base = { merchant_id: 'm_facts', amount: 12_345, h5_type: 'Android' as const, description: '蓝牙耳机', device_id: 'dev_facts' };
    // Earlier: one attempt from another device on this IP that failed, then one from this device that succeeded.
    const earlier = paymentInput({ ...base, device_id: 'dev_other' });
    await engine.assessPreOrder(ruleSet!, earlier);
    await engine.recordOutcome(toSubject(earlier), 'failed');
    clock.advance(5_000);
    const paid = paymentInput({ ...base, payer_openid: 'o_facts' });
    await engine.assessPreOrder(ruleSet!, { ...paid, payer_openid: undefined });
    await engine.assessPostPayment(ruleSet!, paid);
    clock.advance(5_000);

    const now = paymentInput({ ...base, payer_openid: 'o_facts' });
    const pre = await engine.evaluate(ruleSet!, { ...now, payer_openid: undefined }, 'pre_order');
    const preOnly = Object.keys(checks).filter((k) => !['openid', 'payer-velocity', 'openid-lists'].includes(k));
    expect(pre.decision.fired.map((f) => f.rule_id).sort()).toEqual(preOnly.sort());
    const post = await engine.evaluate(ruleSet!, now, 'post_payment');
    expect(post.decision.fired.map((f) => f.rule_id).sort()).toEqual(Object.keys(checks).sort());
    expect(post.decision.rule_set_version).toBe(7);
  });
});

/** A real memory store that also remembers what it was asked, to observe the engine's queries. */
class ObservedStore extends MemoryVelocityStore {
  readonly queries: string[][] = [];
  override querySync(series: readonly string[], windowsMs: readonly number[], now: number) {
    this.queries.push([...series]);
    return super.querySync(series, windowsMs, now);
  }
}

describe('RiskEngine velocity fetching', () => {
  it('fetches only the series its rules read, in one query, and zeros the rest', async () => {
    const { ok } = compileRuleSet({
      version: 1,
      rules: [{ id: 'f', expression: 'failures.ip.count_1h > 2', action: 'review', score: 1, reason: { 'zh-CN': '失败', en: 'failures' } }],
    });
    const store = new ObservedStore();
    const { engine } = setup(store);
    await engine.assessPreOrder(ok!, paymentInput());
    const { facts } = await engine.assessPreOrder(ok!, paymentInput());
    expect(store.queries).toHaveLength(2);
    // The device series is always read: is_new_device depends on it.
    expect(store.queries[1]!.sort()).toEqual(['attempt:device:dev_1', 'failure:ip:203.0.113.7']);
    expect(facts.velocity.device['count_24h']).toBe(1);
    expect(facts.velocity.ip['count_24h']).toBe(0);
    expect(facts.is_new_device).toBe(false);
  });

  it('refuses invalid input with a stable code', async () => {
    const { engine } = setup();
    await expect(engine.assessPreOrder(defaults(), paymentInput({ amount: 12.5 }))).rejects.toMatchObject({
      kind: 'invalid_input',
      code: 'risk_input_invalid',
    });
    await expect(engine.assessPreOrder(defaults(), paymentInput({ payer_client_ip: 'nope' }))).rejects.toMatchObject({
      code: 'risk_input_invalid',
      message: expect.stringContaining('payer_client_ip'),
    });
  });
});

const redis = await probeRedis();

describe.skipIf(typeof redis === 'string')(`RiskEngine on the Redis store (${redisTestUrl})`, () => {
  afterAll(async () => {
    if (typeof redis === 'string') return;
    await redis.deleteAll();
    await redis.close();
  });

  it('sends a burst from one IP to review, then blocks it, exactly as in memory', async () => {
    if (typeof redis === 'string') return;
    const rules = defaults();
    const run = async (store: VelocityStore) => {
      const { engine, clock } = setup(store);
      const actions: string[] = [];
      for (let i = 0; i < 12; i++) {
        clock.advance(2_000);
        actions.push((await engine.assessPreOrder(rules, paymentInput({ payment_id: `burst${i}`, device_id: `d${i}` }))).decision.action);
      }
      return actions;
    };
    const onRedis = await run(redis);
    expect(onRedis).toEqual([...Array(5).fill('allow'), ...Array(5).fill('review'), 'block', 'block']);
    expect(onRedis).toEqual(await run(new MemoryVelocityStore()));
  });

  it('reports an unreachable store as risk_store_unavailable', async () => {
    if (typeof redis === 'string') return;
    const gone = await RedisVelocityStore.connect({ url: redisTestUrl, keyPrefix: redis.keyPrefix, commandTimeoutMs: 500 });
    await gone.close();
    const { engine } = setup(gone);
    await expect(engine.assessPreOrder(defaults(), paymentInput())).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'risk_store_unavailable',
    });
  });
});
