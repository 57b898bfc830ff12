import { z } from 'zod';
import { fixedClock } from '../lib/clock.ts';
import { AppError } from '../lib/errors.ts';
import type { CompiledRuleSet } from './compile.ts';
import { decide, type RiskDecision } from './decide.ts';
import type { SeriesRef } from './fact-usage.ts';
import type { RiskPhase } from './facts.ts';
import { emptyRiskLists, type CompiledRiskLists } from './lists.ts';
import { paymentRiskInputSchema } from './payment-input.ts';
import { RiskEngine, toSubject } from './risk-engine.ts';
import type { PaymentSubject } from './series.ts';
import type { RiskAction } from './rule.ts';
import { MemoryVelocityStore } from './velocity/memory-store.ts';

/**
 * Backtest: replay past payments in time order through a fresh in-memory velocity store and
 * decide each one under both the draft and the active rule set. Replaying, rather than reusing
 * stored fact snapshots, gives a draft rule the velocity it would really have seen even when it
 * reads aggregates the active set never fetched. Both sets see identical facts.
 */
export const pastPaymentSchema = paymentRiskInputSchema.extend({
  created_at: z.int().min(0),
  outcome: z.enum(['succeeded', 'failed', 'pending', 'closed']),
  /** When the outcome was known; defaults to created_at. */
  finished_at: z.int().min(0).optional(),
});
export type PastPayment = z.input<typeof pastPaymentSchema>;

export type ActionCounts = Record<RiskAction, number>;

export interface BacktestSide {
  rule_set_version: number;
  pre_order: ActionCounts;
  /** Decisions on succeeded payments, taken when the payment succeeded. */
  post_payment: ActionCounts;
  /** Active rules: how many decisions each fired in (both phases). */
  rule_hits: Record<string, number>;
  shadow_hits: Record<string, number>;
}

export interface BacktestReport {
  payments: number;
  draft: BacktestSide;
  active: BacktestSide;
  /** "allow->block": decisions whose action differs between active and draft, by phase. */
  changed: Record<RiskPhase, Record<string, number>>;
}

const zeroCounts = (): ActionCounts => ({ allow: 0, review: 0, block: 0 });

function side(set: CompiledRuleSet): BacktestSide {
  const hits: Record<string, number> = {};
  const shadow: Record<string, number> = {};
  for (const r of set.enabled) (r.mode === 'shadow' ? shadow : hits)[r.id] = 0;
  return { rule_set_version: set.version, pre_order: zeroCounts(), post_payment: zeroCounts(), rule_hits: hits, shadow_hits: shadow };
}

function tally(s: BacktestSide, phase: RiskPhase, d: RiskDecision): void {
  s[phase][d.action]++;
  for (const f of d.fired) s.rule_hits[f.rule_id] = (s.rule_hits[f.rule_id] ?? 0) + 1;
  for (const f of d.shadow_fired) s.shadow_hits[f.rule_id] = (s.shadow_hits[f.rule_id] ?? 0) + 1;
}

interface Step {
  at: number;
  /** Attempts sort before outcomes at the same instant. */
  order: 0 | 1;
  subject: PaymentSubject;
  outcome: 'attempt' | 'succeeded' | 'failed';
}

export interface BacktestOptions {
  lists?: CompiledRiskLists;
}

export async function backtest(
  draft: CompiledRuleSet,
  active: CompiledRuleSet,
  payments: readonly unknown[],
  options: BacktestOptions = {},
): Promise<BacktestReport> {
  const steps: Step[] = [];
  for (const [index, raw] of payments.entries()) {
    const parsed = pastPaymentSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError('invalid_input', 'risk_backtest_input_invalid', `payment ${index}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`, {
        index,
      });
    }
    const p = parsed.data;
    const { created_at, outcome, finished_at, ...input } = p;
    const subject = toSubject(input);
    steps.push({ at: created_at, order: 0, subject, outcome: 'attempt' });
    if (outcome === 'succeeded' || outcome === 'failed') {
      steps.push({ at: Math.max(finished_at ?? created_at, created_at), order: 1, subject, outcome });
    }
  }
  steps.sort((a, b) => a.at - b.at || a.order - b.order);

  const clock = fixedClock(steps[0]?.at ?? 0);
  const store = new MemoryVelocityStore();
  const engine = new RiskEngine({ store, clock, lists: options.lists ?? emptyRiskLists });
  const reads = new Set<SeriesRef>([...draft.reads, ...active.reads]);
  const report: BacktestReport = {
    payments: payments.length,
    draft: side(draft),
    active: side(active),
    changed: { pre_order: {}, post_payment: {} },
  };

  for (const step of steps) {
    clock.set(step.at);
    if (step.outcome === 'failed') {
      await engine.recordOutcome(step.subject, 'failed', step.at);
      continue;
    }
    const phase: RiskPhase = step.outcome === 'attempt' ? 'pre_order' : 'post_payment';
    const facts = await engine.facts(step.subject, phase, reads, step.at);
    const d = decide(draft, facts);
    const a = decide(active, facts);
    tally(report.draft, phase, d);
    tally(report.active, phase, a);
    if (d.action !== a.action) {
      const key = `${a.action}->${d.action}`;
      report.changed[phase][key] = (report.changed[phase][key] ?? 0) + 1;
    }
    // Blocked attempts are recorded too: that is what the live engine does.
    if (phase === 'pre_order') await engine.recordAttempt(step.subject, step.at);
    else await engine.recordOutcome(step.subject, 'succeeded', step.at);
  }
  await store.close();
  return report;
}
