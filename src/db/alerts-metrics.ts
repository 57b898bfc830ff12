import { sql } from 'kysely';
import type { Db } from './merchants.ts';
import { pendingDeltaCount } from './dashboard-rollup.ts';

/**
 * Grouped counts behind the database-backed Prometheus series (src/metrics/db-collectors.ts). Each is
 * one GROUP BY over a bounded label set (statuses, timeline kinds, reason codes).
 */
export interface KeyCount {
  key: string;
  n: number;
}

export async function metricsSnapshotCounts(db: Db): Promise<{
  payments: KeyCount[];
  transitions: KeyCount[];
  notifications: (KeyCount & { reason: string })[];
  webhooks: KeyCount[];
  /** Alert channel deliveries from the alerts' history: key = delivered | failed, channel = webhook | wecom | email. */
  alertNotifications: (KeyCount & { channel: string })[];
  /** Dashboard roll-up deltas not yet folded by compaction (migration 0008); a growing count means compaction stalls. */
  dashboardPendingDeltas: number;
}> {
  const payments = await sql<KeyCount>`SELECT status AS key, count(*)::int AS n FROM payments GROUP BY status`.execute(db);
  const transitions = await sql<KeyCount>`SELECT kind AS key, count(*)::int AS n FROM payment_events GROUP BY kind`.execute(db);
  // The reason is the stable code before any detail ("verification:signature_probe", "integrity_mismatch").
  const notifications = await sql<KeyCount & { reason: string }>`
    SELECT status AS key, coalesce(left(split_part(error, ' ', 1), 64), '') AS reason, count(*)::int AS n
    FROM wechat_notifications GROUP BY 1, 2`.execute(db);
  const webhooks = await sql<KeyCount>`SELECT status AS key, count(*)::int AS n FROM webhook_deliveries GROUP BY status`.execute(db);
  const alertNotifications = await sql<KeyCount & { channel: string }>`
    SELECT CASE kind WHEN 'delivered' THEN 'delivered' ELSE 'failed' END AS key, coalesce(left(data->>'kind', 16), '') AS channel, count(*)::int AS n
    FROM alert_events WHERE kind IN ('delivered', 'delivery_failed') GROUP BY 1, 2`.execute(db);
  const num = <T extends KeyCount>(rows: T[]) => rows.map((r) => ({ ...r, n: Number(r.n) }));
  return {
    payments: num(payments.rows),
    transitions: num(transitions.rows),
    notifications: num(notifications.rows),
    webhooks: num(webhooks.rows),
    alertNotifications: num(alertNotifications.rows),
    dashboardPendingDeltas: await pendingDeltaCount(db),
  };
}
