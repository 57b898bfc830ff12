import { Counter, Gauge } from 'prom-client';
import type { Kysely } from 'kysely';
import { countActiveBySeverity } from '../db/alerts.ts';
import { metricsSnapshotCounts } from '../db/alerts-metrics.ts';
import type { Database } from '../db/schema.ts';
import type { JobBoss } from '../db/jobs.ts';
import type { AppMetrics } from './app-metrics.ts';

/**
 * Series read from the database at scrape time: payments by status, payment transitions (timeline
 * rows by kind), WeChat notifications by outcome and reason, merchant webhook deliveries by outcome,
 * pg-boss queue depths, active alerts and alert channel deliveries. One snapshot serves every series of a scrape and is reused
 * for `cacheMs` (default 5 s), so a scraper polling hard costs a handful of grouped COUNTs at most
 * that often. Totals come from the tables, so they agree across gateway processes and survive restarts.
 */
export interface DbCollectorDeps {
  db: Kysely<Database>;
  jobs: JobBoss;
  queues: readonly string[];
  now: () => number;
  cacheMs?: number;
}

type Snapshot = Awaited<ReturnType<typeof takeSnapshot>>;

async function takeSnapshot(deps: DbCollectorDeps) {
  const counts = await metricsSnapshotCounts(deps.db);
  const alerts = await countActiveBySeverity(deps.db);
  const queues: { queue: string; n: number }[] = [];
  for (const q of deps.queues) {
    queues.push({ queue: q, n: await deps.jobs.getQueueSize(q).catch(() => -1) });
  }
  return { ...counts, alerts, queues };
}

export function registerDbCollectors(metrics: AppMetrics, deps: DbCollectorDeps): void {
  const cacheMs = deps.cacheMs ?? 5_000;
  let cached: { at: number; value: Promise<Snapshot> } | undefined;
  const snapshot = (): Promise<Snapshot> => {
    const now = deps.now();
    if (!cached || now - cached.at >= cacheMs) {
      const value = takeSnapshot(deps);
      cached = { at: now, value };
      value.catch(() => {
        cached = undefined;
      });
    }
    return cached.value;
  };
  const registers = [metrics.registry];

  new Gauge({
    name: 'anfu_payments',
    help: 'Payments by current status',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const r of s.payments) this.set({ status: r.key }, r.n);
    },
  });
  new Counter({
    name: 'anfu_payment_transitions_total',
    help: 'Payment timeline entries (state transitions and notable events) by kind',
    labelNames: ['kind'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const r of s.transitions) this.inc({ kind: r.key }, r.n);
    },
  });
  new Counter({
    name: 'anfu_wechat_notifications_total',
    help: 'WeChat notifications received, by inbox outcome (received, applied, duplicate, rejected) and reason',
    labelNames: ['outcome', 'reason'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const r of s.notifications) this.inc({ outcome: r.key, reason: r.reason }, r.n);
    },
  });
  new Counter({
    name: 'anfu_webhook_deliveries_total',
    help: 'Merchant webhook delivery attempts by outcome (succeeded, failed, abandoned)',
    labelNames: ['outcome'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const r of s.webhooks) this.inc({ outcome: r.key }, r.n);
    },
  });
  new Gauge({
    name: 'anfu_queue_depth',
    help: 'Jobs waiting in each pg-boss queue (-1 when the size could not be read)',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const q of s.queues) this.set({ queue: q.queue }, q.n);
    },
  });
  new Gauge({
    name: 'anfu_dashboard_pending_deltas',
    help: 'Dashboard roll-up deltas waiting for compaction (folded every 10 s; a steady rise means compaction is not running)',
    registers,
    async collect() {
      this.set((await snapshot()).dashboardPendingDeltas);
    },
  });
  new Gauge({
    name: 'anfu_alerts_active',
    help: 'Open and acknowledged alerts by severity',
    labelNames: ['severity', 'status'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const sev of ['info', 'warning', 'critical']) for (const st of ['open', 'acknowledged']) this.set({ severity: sev, status: st }, 0);
      for (const a of s.alerts) this.set({ severity: a.severity, status: a.status }, a.n);
    },
  });
  new Counter({
    name: 'anfu_alert_notifications_total',
    help: 'Alert notification attempts by channel kind (webhook, wecom, email) and outcome (delivered, failed), from the alerts history',
    labelNames: ['channel', 'outcome'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const r of s.alertNotifications) this.inc({ channel: r.channel, outcome: r.key }, r.n);
    },
  });
}
