import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from './compile.ts';
import { decide } from './decide.ts';
import { checkPattern } from './regex-guard.ts';
import { baseFacts, WECHAT_UA } from './test-fixtures.ts';

const set = (expression: string) => compileRuleSet({ version: 1, rules: [{ id: 'ua', expression, action: 'review', score: 1, reason: { 'zh-CN': '规则', en: 'rule' } }] });

describe('matches() patterns are held to a bounded cost at publish time', () => {
  it('refuses a catastrophic pattern, naming the position of the pattern', () => {
    const expression = 'amount > 0 && description.matches("(a+)+$")';
    const { errors } = set(expression);
    expect(errors).toEqual([
      expect.objectContaining({ code: 'cel_unsafe_regex', rule_id: 'ua', path: 'rules.0.expression', position: { offset: expression.indexOf('"('), line: 1, column: expression.indexOf('"(') + 1 } }),
    ]);
    expect(errors![0]!.message).toMatch(/repeated group/);
  });

  it('refuses a computed pattern, repeated groups, back-references, lookarounds and several unbounded repetitions', () => {
    for (const [expression, why] of [
      ['user_agent.matches(description)', /string literal/],
      ['user_agent.matches("(x|y)*z")', /repeated group/],
      ['user_agent.matches("(a)\\\\1")', /back-references/],
      ['user_agent.matches("a(?=b)")', /lookarounds/],
      ['user_agent.matches("Mozilla.*Android.*MicroMessenger")', /unbounded repetition/],
      ['user_agent.matches("a?a?a?a?a?a?a?a?a?aaaaaaaaa")', /alternatives and optional parts/],
      ['user_agent.matches("(iOS|iPad|iPod|Android|Win).*Mobile")', /beside an unbounded repetition/],
      ['user_agent.matches("(ab){3}")', /repeated group/],
      ['user_agent.matches("a{2,}b+")', /unbounded repetition/],
      ['user_agent.matches("[]a]")', /literal \]/],
    ] as const) {
      const { errors } = set(expression);
      expect(errors?.[0], expression).toMatchObject({ code: 'cel_unsafe_regex', message: expect.stringMatching(why) });
    }
  });

  it('accepts bounded patterns, which then match as before', () => {
    const { ok } = set('user_agent.matches("MicroMessenger/[0-9]+\\\\.") && h5_type.matches("^(iOS|Android)$") && description.matches("^T-(shirt|Shirt)?")');
    expect(ok).toBeDefined();
    expect(decide(ok!, baseFacts({ user_agent: WECHAT_UA, h5_type: 'iOS' })).action).toBe('review');
    expect(decide(ok!, baseFacts({ user_agent: 'Mozilla/5.0 Chrome/120', h5_type: 'iOS' })).action).toBe('allow');
  });

  it('reads the pattern grammar the JavaScript engine reads', () => {
    expect(checkPattern('a\\(b\\)*')).toEqual({ ok: true }); // escaped parentheses are characters
    expect(checkPattern('[(]+')).toEqual({ ok: true }); // so are they inside a class
    expect(checkPattern('(?:ab)?c*')).toEqual({ ok: true }); // an optional group does not repeat
    expect(checkPattern('a{3}b{1,4}c*')).toEqual({ ok: true });
    for (const bad of ['(a', 'a)', '*a', 'a**', 'a{2', 'a\\', '[ab', 'a{4,2}']) expect(checkPattern(bad).ok, bad).toBe(false);
  });

  it('keeps every accepted pattern fast on adversarial 512-character inputs', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '\\w', 'a?', 'b?', 'a{0,3}', 'a*', 'b+', '.*', '(a|b)', '(a|aa)?', '^', '$');
    fc.assert(
      fc.property(fc.array(atom, { minLength: 1, maxLength: 24 }), fc.constantFrom('a', 'ab', 'b'), (atoms, unit) => {
        const pattern = atoms.join('');
        fc.pre(checkPattern(pattern).ok);
        const input = unit.repeat(Math.ceil(511 / unit.length)).slice(0, 511) + '!';
        const started = performance.now();
        new RegExp(pattern).test(input);
        // About 1 ms at worst; generous for a loaded machine. A backtracking pattern takes seconds to minutes.
        expect(performance.now() - started).toBeLessThan(100);
      }),
      { numRuns: 300 },
    );
  });
});
