import { z } from 'zod';

/**
 * A risk rule as an operator writes it. The expression is CEL and must evaluate to a bool over the
 * facts documented in docs/risk.md. Validation here is structural only; the expression itself is
 * parsed and type-checked by compileRuleSet at publish time.
 */
export const RISK_ACTIONS = ['allow', 'review', 'block'] as const;
export type RiskAction = (typeof RISK_ACTIONS)[number];

export const RULE_MODES = ['active', 'shadow'] as const;
export type RuleMode = (typeof RULE_MODES)[number];

/** Stable, URL-safe ids so decisions, metrics labels and audit entries can reference a rule forever. */
const ruleIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'rule id: 1–64 chars of a-z, 0-9, "_", "." or "-", starting with a letter or digit');

const reasonTextSchema = z.string().trim().min(1).max(200);

export const ruleSchema = z.strictObject({
  id: ruleIdSchema,
  expression: z.string().trim().min(1, 'expression must not be empty').max(4000),
  action: z.enum(RISK_ACTIONS),
  /** Added to the decision score when the rule fires (active mode only). */
  score: z.int().min(0).max(1000),
  reason: z.strictObject({ 'zh-CN': reasonTextSchema, en: reasonTextSchema }),
  /** Lower runs and is listed first; ties are broken by id so the order is deterministic. */
  priority: z.int().min(0).max(10_000).default(100),
  enabled: z.boolean().default(true),
  mode: z.enum(RULE_MODES).default('active'),
});
export type RuleInput = z.input<typeof ruleSchema>;
export type Rule = z.output<typeof ruleSchema>;

export const ruleSetSchema = z
  .strictObject({
    version: z.int().min(1),
    rules: z.array(ruleSchema).max(500),
  })
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    set.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${rule.id}"` });
      }
      seen.add(rule.id);
    });
  });
export type RuleSetInput = z.input<typeof ruleSetSchema>;
export type RuleSet = z.output<typeof ruleSetSchema>;
