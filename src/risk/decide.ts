import { toCelContext } from './cel-environment.ts';
import type { CompiledRuleSet } from './compile.ts';
import type { RiskFacts } from './facts.ts';
import type { RiskAction, RuleMode } from './rule.ts';

/**
 * The decision function: evaluates every enabled rule against one set of facts. All rules run
 * (no short-circuit on the first block) so the decision records everything that fired, which the
 * review queue, metrics by rule and backtests all need.
 */
export interface FiredRule {
  rule_id: string;
  action: RiskAction;
  score: number;
  reason: { 'zh-CN': string; en: string };
  mode: RuleMode;
}

export interface RuleEvaluationError {
  rule_id: string;
  message: string;
}

export interface RiskDecision {
  action: RiskAction;
  /** Sum of the scores of the active rules that fired. */
  score: number;
  rule_set_version: number;
  /** Active rules that fired, in priority order. */
  fired: FiredRule[];
  /** Shadow rules that fired: recorded, never acted on. */
  shadow_fired: FiredRule[];
  /**
   * Rules whose evaluation failed at run time (an overflow, a regex on a huge string). They count
   * as not fired: one broken rule must not stop every payment, and the error is surfaced instead.
   */
  errors: RuleEvaluationError[];
}

const SEVERITY: Record<RiskAction, number> = { allow: 0, review: 1, block: 2 };

export function decide(ruleSet: CompiledRuleSet, facts: RiskFacts): RiskDecision {
  const ctx = toCelContext(facts, ruleSet.readKeys);
  let action: RiskAction = 'allow';
  let score = 0;
  const fired: FiredRule[] = [];
  const shadowFired: FiredRule[] = [];
  const errors: RuleEvaluationError[] = [];

  for (const rule of ruleSet.enabled) {
    let hit: unknown;
    try {
      hit = rule.evaluate(ctx);
    } catch (e) {
      errors.push({ rule_id: rule.id, message: e instanceof Error ? (e as { summary?: string }).summary ?? e.message : String(e) });
      continue;
    }
    if (hit !== true) continue;
    const entry: FiredRule = { rule_id: rule.id, action: rule.action, score: rule.score, reason: rule.reason, mode: rule.mode };
    if (rule.mode === 'shadow') {
      shadowFired.push(entry);
      continue;
    }
    fired.push(entry);
    score += rule.score;
    if (SEVERITY[rule.action] > SEVERITY[action]) action = rule.action;
  }

  return { action, score, rule_set_version: ruleSet.version, fired, shadow_fired: shadowFired, errors };
}
