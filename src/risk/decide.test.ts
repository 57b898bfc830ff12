import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRuleSet, type CompiledRuleSet } from './compile.ts';
import { decide } from './decide.ts';
import { RISK_ACTIONS, RULE_MODES, type RuleInput } from './rule.ts';
import { baseFacts } from './test-fixtures.ts';

const rule = (id: string, expression: string, action: RuleInput['action'], extra: Partial<RuleInput> = {}): RuleInput => ({
  id,
  expression,
  action,
  score: 10,
  reason: { 'zh-CN': `原因 ${id}`, en: `reason ${id}` },
  ...extra,
});

function compile(rules: RuleInput[]): CompiledRuleSet {
  const result = compileRuleSet({ version: 7, rules });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.ok;
}

describe('decide', () => {
  it('allows with score 0 when nothing fires', () => {
    const d = decide(compile([rule('big', 'amount > 100000', 'block')]), baseFacts({ amount: 500 }));
    expect(d).toEqual({ action: 'allow', score: 0, rule_set_version: 7, fired: [], shadow_fired: [], errors: [] });
  });

  it('lets block beat review and review beat allow, summing the scores of all that fired', () => {
    const set = compile([
      rule('a', 'amount > 10', 'allow', { score: 1 }),
      rule('r', 'amount > 100', 'review', { score: 20 }),
      rule('b', 'amount > 1000', 'block', { score: 300 }),
    ]);
    expect(decide(set, baseFacts({ amount: 50 }))).toMatchObject({ action: 'allow', score: 1 });
    expect(decide(set, baseFacts({ amount: 500 }))).toMatchObject({ action: 'review', score: 21 });
    const blocked = decide(set, baseFacts({ amount: 5000 }));
    expect(blocked).toMatchObject({ action: 'block', score: 321 });
    expect(blocked.fired.map((f) => f.rule_id)).toEqual(['a', 'b', 'r']);
    expect(blocked.fired[1]).toEqual({
      rule_id: 'b',
      action: 'block',
      score: 300,
      reason: { 'zh-CN': '原因 b', en: 'reason b' },
      mode: 'active',
    });
  });

  it('records shadow rules that fire without letting them act or score', () => {
    const set = compile([rule('s', 'amount > 10', 'block', { mode: 'shadow', score: 99 })]);
    const d = decide(set, baseFacts({ amount: 5000 }));
    expect(d.action).toBe('allow');
    expect(d.score).toBe(0);
    expect(d.fired).toEqual([]);
    expect(d.shadow_fired.map((f) => [f.rule_id, f.mode])).toEqual([['s', 'shadow']]);
  });

  it('lets rules condition on the phase', () => {
    const set = compile([rule('post', 'phase == "post_payment" && payer_openid == "o_bad"', 'review')]);
    expect(decide(set, baseFacts({ payer_openid: 'o_bad' }, 'pre_order')).action).toBe('allow');
    expect(decide(set, baseFacts({ payer_openid: 'o_bad', phase: 'post_payment' })).action).toBe('review');
  });

  it('reads velocity, list, time and user-agent facts', () => {
    const facts = baseFacts({ hour: 3, ua_family: 'wechat' });
    const velocity = { ...facts.velocity, ip: { ...facts.velocity.ip, count_1m: 12 } };
    const set = compile([
      rule('burst', 'velocity.ip.count_1m >= 10', 'block'),
      rule('night', 'hour < 6 && ua_family == "wechat"', 'review'),
      rule('listed', 'lists.ip_blocked', 'block'),
    ]);
    expect(decide(set, { ...facts, velocity }).fired.map((f) => f.rule_id)).toEqual(['burst', 'night']);
    expect(decide(set, { ...facts, lists: { ...facts.lists, ip_blocked: true } }).fired.map((f) => f.rule_id)).toEqual(['listed', 'night']);
  });

  it('sees the right aggregate values whether a key is named or computed', () => {
    const facts = baseFacts();
    const failures = { ...facts.failures, ip: { ...facts.failures.ip, count_1h: 4, sum_1h: 700 } };
    const set = compile([
      rule('named', 'failures.ip.count_1h == 4 && failures.ip.sum_1h == 700', 'review'),
      rule('computed', 'failures.ip["sum_" + "1h"] == 700', 'review'),
      rule('other-key', 'failures.ip.count_1m == 0', 'review'),
    ]);
    expect(decide(set, { ...facts, failures }).fired.map((f) => f.rule_id)).toEqual(['computed', 'named', 'other-key']);
  });

  it('reports a rule that fails at run time and treats it as not fired', () => {
    const set = compile([rule('div', 'amount / (hour - hour) > 1', 'block'), rule('ok', 'amount > 0', 'review')]);
    const d = decide(set, baseFacts());
    expect(d.action).toBe('review');
    expect(d.errors).toEqual([{ rule_id: 'div', message: expect.stringMatching(/divi/i) }]);
  });

  it('matches a plain model for random rule sets over amount thresholds', () => {
    const ruleArb = fc.record({
      threshold: fc.integer({ min: 0, max: 10_000 }),
      action: fc.constantFrom(...RISK_ACTIONS),
      mode: fc.constantFrom(...RULE_MODES),
      enabled: fc.boolean(),
      score: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 12 }), fc.integer({ min: 1, max: 10_000 }), (specs, amount) => {
        const set = compile(specs.map((s, i) => rule(`r${i}`, `amount >= ${s.threshold}`, s.action, { mode: s.mode, enabled: s.enabled, score: s.score })));
        const d = decide(set, baseFacts({ amount }));
        const live = specs.filter((s) => s.enabled && amount >= s.threshold);
        const active = live.filter((s) => s.mode === 'active');
        const severity = { allow: 0, review: 1, block: 2 } as const;
        const expected = active.reduce<'allow' | 'review' | 'block'>(
          (acc, s) => (severity[s.action] > severity[acc] ? s.action : acc),
          'allow',
        );
        expect(d.action).toBe(expected);
        expect(d.score).toBe(active.reduce((acc, s) => acc + s.score, 0));
        expect(d.fired.length).toBe(active.length);
        expect(d.shadow_fired.length).toBe(live.length - active.length);
      }),
      { numRuns: 200 },
    );
  });
});
