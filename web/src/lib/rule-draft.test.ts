import { describe, expect, it } from 'vitest';
import type { Rule, RuleSet } from '../api/types.ts';
import { activeRuleSet, ruleIdFrom, withRule } from './rule-draft.ts';

const rule = (id: string, expression = 'true'): Rule => ({ id, expression, action: 'review', score: 10, reason: { 'zh-CN': id, en: id } });
const set = (version: number, status: string, merchant_id: string | null = null): RuleSet => ({ id: `rs_${version}`, merchant_id, version, status, rules: [], published_at: null });

describe('rule drafts', () => {
  it('finds the latest published global rule set', () => {
    expect(activeRuleSet([set(1, 'published'), set(3, 'draft'), set(2, 'published'), set(9, 'published', 'mer_1')])?.version).toBe(2);
    expect(activeRuleSet([set(1, 'draft')])).toBeUndefined();
  });
  it('adds a new rule or replaces the one with the same id', () => {
    expect(withRule([rule('a')], rule('b')).map((r) => r.id)).toEqual(['a', 'b']);
    expect(withRule([rule('a'), rule('b')], rule('a', 'false')).map((r) => r.expression)).toEqual(['false', 'true']);
  });
  it('derives a valid rule id from a name', () => {
    expect(ruleIdFrom('Big amount at night')).toBe('big-amount-at-night');
    expect(ruleIdFrom('  --夜间大额')).toBe('rule');
    expect(ruleIdFrom('x'.repeat(100))).toHaveLength(64);
  });
});
