import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
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
  /** For the risk engine: `metrics.riskDecisions.inc({ rule, action })` per rule that fired, and rule="none" for a clean allow. */
  riskDecisions: Counter<'rule' | 'action'>;
  /** For the risk engine: the decision latency. */
  riskDecisionDuration: Histogram<'action'>;
  alertNotifications: Counter<'channel' | 'outcome'>;
  observeWechatCall(call: { endpoint: string; status: number | string; durationMs: number }): void;
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
  const alertNotifications = new Counter({
    name: 'anfu_alert_notifications_total',
    help: 'Alert notification attempts by channel kind and outcome (delivered, failed, skipped)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  return {
    registry,
    wechatCallDuration,
    riskDecisions,
    riskDecisionDuration,
    alertNotifications,
    observeWechatCall(call) {
      wechatCallDuration.observe({ endpoint: endpointLabel(call.endpoint), status: String(call.status) }, call.durationMs / 1000);
    },
  };
}
