/**
 * The risk engine's public surface, for the services that store decisions, run the review queue
 * and serve the admin API. docs/risk.md describes the facts and semantics.
 */
export { backtest, pastPaymentSchema, type BacktestReport, type BacktestSide, type PastPayment } from './backtest.ts';
export {
  compileRuleSet,
  compileRuleSetOrThrow,
  type CompileResult,
  type CompiledRuleSet,
  type RuleSetError,
  type RuleSetErrorCode,
  type SourcePosition,
} from './compile.ts';
export { decide, type FiredRule, type RiskDecision, type RuleEvaluationError } from './decide.ts';
export { DEFAULT_RULE_SET } from './default-rules.ts';
export { RISK_PHASES, type RiskFacts, type RiskPhase } from './facts.ts';
export { compileRiskLists, emptyRiskLists, riskListsSchema, type CompiledRiskLists, type RiskListsInput } from './lists.ts';
export { paymentRiskInputSchema, type PaymentRiskInput, type PaymentRiskInputRaw } from './payment-input.ts';
export { RiskEngine, toSubject, type PaymentOutcome, type RiskAssessment, type RiskEngineOptions } from './risk-engine.ts';
export { RISK_ACTIONS, RULE_MODES, ruleSchema, ruleSetSchema, type RiskAction, type Rule, type RuleInput, type RuleMode, type RuleSet, type RuleSetInput } from './rule.ts';
export { MemoryVelocityStore } from './velocity/memory-store.ts';
export { RedisVelocityStore, type RedisVelocityStoreOptions } from './velocity/redis-store.ts';
export type { VelocityEvent, VelocityStore, WindowAggregate } from './velocity/store.ts';
