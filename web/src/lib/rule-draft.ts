import type { Rule, RuleSet } from '../api/types.ts';

/** The rule set that decides live payments: the published global one with the highest version. */
export function activeRuleSet(sets: RuleSet[]): RuleSet | undefined {
  return sets.filter((s) => s.status === 'published' && s.merchant_id === null).sort((a, b) => b.version - a.version)[0];
}

/** The active rules with `rule` added, or replacing the rule of the same id. */
export function withRule(rules: Rule[], rule: Rule): Rule[] {
  const i = rules.findIndex((r) => r.id === rule.id);
  return i === -1 ? [...rules, rule] : rules.map((r, j) => (j === i ? rule : r));
}

/** "Big amount at night" → "big-amount-at-night"; ids are a-z, 0-9, "_", ".", "-" (at most 64). */
export function ruleIdFrom(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 64);
  return id || 'rule';
}
