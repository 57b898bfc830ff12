import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RiskDecision } from '../risk/decide.ts';
import { endpointLabel } from './endpoint-label.ts';

/**
 * The Prometheus metrics of one app instance, on its own registry (tests start several apps in one
 * process; the global registry would mix them). In-process series are counted where they happen
 * (WeChat call latency, risk decisions); database-backed series are filled at scrape time by
 * `db-collectors.ts` from one cached snapshot, so every gateway process reports the same totals.
 */
export interface AppMetrics {
  registry: Registry;
  wechatCallDuration: Histogram<'endpoint' | 'status'>;
  /** Risk decisions by rule: see `observeRiskDecision`. */
  riskDecisions: Counter<'rule' | 'action'>;
  /** The time to take one risk decision (velocity store call, facts, rules), by the action decided. */
  riskDecisionDuration: Histogram<'action'>;
  observeWechatCall(call: { endpoint: string; status: number | string; durationMs: number }): void;
  /**
   * One risk decision (pre-order or post-payment): +1 per active rule that fired, labelled with the
   * action decided (`allow`, `review`, `block`); +1 per shadow rule that fired with action `shadow`
   * (recorded, never acting); rule `none` when no active rule fired. The duration is observed when
   * known (a decision taken without the velocity store has none).
   */
  observeRiskDecision(decision: Pick<RiskDecision, 'action' | 'fired' | 'shadow_fired'>, durationSeconds?: number): void;
}

export function createAppMetrics(opts: { defaultMetrics?: boolean } = {}): AppMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'anfu_' });
  const wechatCallDuration = new Histogram({
    name: 'anfu_wechat_call_duration_seconds',
    help: 'WeChat Pay APIv3 HTTP attempts by endpoint (ids replaced by placeholders) and HTTP status or transport failure',
    labelNames: ['endpoint', 'status'] as const,
    buckets: [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10],
    registers: [registry],
  });
  const riskDecisions = new Counter({
    name: 'anfu_risk_decisions_total',
    help: 'Risk decisions by rule that fired and action taken',
    labelNames: ['rule', 'action'] as const,
    registers: [registry],
  });
  const riskDecisionDuration = new Histogram({
    name: 'anfu_risk_decision_duration_seconds',
    help: 'Time to evaluate the risk rules for one decision',
    labelNames: ['action'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    registers: [registry],
  });
  return {
    registry,
    wechatCallDuration,
    riskDecisions,
    riskDecisionDuration,
    observeWechatCall(call) {
      wechatCallDuration.observe({ endpoint: endpointLabel(call.endpoint), status: String(call.status) }, call.durationMs / 1000);
    },
    observeRiskDecision(decision, durationSeconds) {
      if (decision.fired.length === 0) riskDecisions.inc({ rule: 'none', action: decision.action });
      for (const r of decision.fired) riskDecisions.inc({ rule: r.rule_id, action: decision.action });
      for (const r of decision.shadow_fired) riskDecisions.inc({ rule: r.rule_id, action: 'shadow' });
      if (durationSeconds !== undefined) riskDecisionDuration.observe({ action: decision.action }, durationSeconds);
    },
  };
}
