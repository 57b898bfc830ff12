import { describe, expect, it } from 'vitest';
import { AppError } from '../lib/errors.ts';
import { compileRuleSet, compileRuleSetOrThrow, positionOf } from './compile.ts';
import { DEFAULT_RULE_SET } from './default-rules.ts';
import type { RuleInput } from './rule.ts';

const rule = (overrides: Partial<RuleInput> = {}): RuleInput => ({
  id: 'r1',
  expression: 'amount > 100',
  action: 'review',
  score: 10,
  reason: { 'zh-CN': '测试', en: 'test' },
  ...overrides,
});

describe('compileRuleSet', () => {
  it('compiles the shipped default rule set', () => {
    const result = compileRuleSet(DEFAULT_RULE_SET);
    expect(result.errors).toBeUndefined();
    expect(result.ok?.enabled.length).toBe(DEFAULT_RULE_SET.rules.length);
  });

  it('refuses a syntax error and names its line and column', () => {
    const result = compileRuleSet({ version: 1, rules: [rule({ expression: 'amount > 100 &&\n  (hour < 6 ||' })] });
    expect(result.ok).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors!;
    expect(error).toMatchObject({ code: 'cel_syntax_error', rule_id: 'r1', path: 'rules.0.expression', position: { line: 2 } });
    expect(error!.message).toMatch(/^rule "r1": syntax error at line 2, column \d+/);
  });

  it('refuses a misspelt velocity fact at publish time, pointing at the bad key', () => {
    const expression = 'velocity.ip.count_2m > 3';
    const [error] = compileRuleSet({ version: 1, rules: [rule({ expression })] }).errors!;
    expect(error).toMatchObject({ code: 'cel_type_error', position: { line: 1, column: 13, offset: 12 } });
    expect(error!.message).toContain('count_2m');
  });

  it('refuses an unknown variable and a type mismatch', () => {
    const result = compileRuleSet({
      version: 1,
      rules: [rule({ id: 'a', expression: 'amout > 1' }), rule({ id: 'b', expression: 'amount > "1"' })],
    });
    expect(result.errors?.map((e) => [e.rule_id, e.code])).toEqual([
      ['a', 'cel_type_error'],
      ['b', 'cel_type_error'],
    ]);
  });

  it('refuses an expression that is not a bool', () => {
    const [error] = compileRuleSet({ version: 1, rules: [rule({ expression: 'amount + 1' })] }).errors!;
    expect(error).toMatchObject({ code: 'cel_not_boolean', message: expect.stringContaining('int') });
  });

  it('refuses unknown actions and missing reasons with their paths', () => {
    const result = compileRuleSet({
      version: 1,
      rules: [rule(), { ...rule({ id: 'x' }), action: 'deny' }, { ...rule({ id: 'y' }), reason: { en: 'only english' } }],
    });
    const paths = result.errors!.map((e) => e.path).sort();
    expect(paths).toEqual(['rules.1.action', 'rules.2.reason.zh-CN']);
    expect(result.errors!.every((e) => e.code === 'invalid_rule_set')).toBe(true);
  });

  it('refuses two rules with the same id', () => {
    const result = compileRuleSet({ version: 1, rules: [rule(), rule()] });
    expect(result.errors).toEqual([
      { code: 'invalid_rule_set', path: 'rules.1.id', message: 'rules.1.id: duplicate rule id "r1"' },
    ]);
  });

  it('orders rules by priority then id, and leaves disabled rules out of evaluation', () => {
    const { ok } = compileRuleSet({
      version: 3,
      rules: [
        rule({ id: 'c', priority: 5 }),
        rule({ id: 'b', priority: 1 }),
        rule({ id: 'a', priority: 5 }),
        rule({ id: 'off', priority: 0, enabled: false }),
      ],
    });
    expect(ok!.rules.map((r) => r.id)).toEqual(['off', 'b', 'a', 'c']);
    expect(ok!.enabled.map((r) => r.id)).toEqual(['b', 'a', 'c']);
    expect(ok!.version).toBe(3);
  });

  it('records which velocity series the enabled rules read', () => {
    const { ok } = compileRuleSet({
      version: 1,
      rules: [
        rule({ id: 'a', expression: 'velocity.ip.count_1m > 3 || failures.device.count_1h > 2' }),
        rule({ id: 'b', expression: 'successes.payer.sum_24h > 0', enabled: false }),
      ],
    });
    expect([...ok!.reads].sort()).toEqual(['failures.device', 'velocity.ip']);
  });

  it('records which aggregate keys are read, or all of them when a key is computed', () => {
    const { ok } = compileRuleSet({
      version: 1,
      rules: [
        rule({ id: 'a', expression: 'velocity.ip.count_1m > 3 && velocity.ip.sum_1h > 9' }),
        rule({ id: 'b', expression: 'failures.ip["count_" + "1h"] > 2' }),
      ],
    });
    expect(ok!.readKeys).toEqual(
      new Map<string, unknown>([
        ['velocity.ip', new Set(['count_1m', 'sum_1h'])],
        ['failures.ip', 'all'],
      ]),
    );
  });

  it('finds reads inside macros and counts a bound whole series as reading all of it', () => {
    const { ok } = compileRuleSet({
      version: 1,
      rules: [
        rule({ id: 'a', expression: 'velocity.ip.count_1m > 0 && [1].exists(x, velocity.device.count_1m > x)' }),
        rule({ id: 'b', expression: 'cel.bind(v, velocity.payer, v.count_1m > 1) || has(failures.merchant.sum_1h)' }),
      ],
    });
    expect(ok!.readKeys).toEqual(
      new Map<string, unknown>([
        ['velocity.ip', new Set(['count_1m'])],
        ['velocity.device', new Set(['count_1m'])],
        ['velocity.payer', 'all'],
        ['failures.merchant', new Set(['sum_1h'])],
      ]),
    );
  });

  it('treats indexing a family by a computed key as reading all of it', () => {
    const { ok } = compileRuleSet({ version: 1, rules: [rule({ expression: 'velocity["i" + "p"].count_1m > 3' })] });
    expect([...ok!.reads].sort()).toEqual(['velocity.device', 'velocity.ip', 'velocity.merchant', 'velocity.payer']);
  });

  it('throws an invalid_input AppError listing every error from compileRuleSetOrThrow', () => {
    try {
      compileRuleSetOrThrow({ version: 1, rules: [rule({ expression: 'amount >' })] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect(e).toMatchObject({ kind: 'invalid_input', code: 'risk_rule_set_invalid' });
      expect((e as AppError).details?.['errors']).toHaveLength(1);
    }
  });
});

describe('positionOf', () => {
  it('counts lines and columns from one', () => {
    expect(positionOf('ab\ncd', 0)).toEqual({ offset: 0, line: 1, column: 1 });
    expect(positionOf('ab\ncd', 4)).toEqual({ offset: 4, line: 2, column: 2 });
  });
});
