import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { AlertMonitorsTable, AlertSeverity, MonitorKind } from './alerts-tables.ts';
import type { Db } from './merchants.ts';

/**
 * Monitor definitions and the aggregate each kind measures over its window. A global monitor
 * (merchant_id NULL) covers every merchant that has no monitor of its own of that kind.
 */
export type AlertMonitorRow = Selectable<AlertMonitorsTable>;

export async function listMonitors(db: Db, opts: { enabledOnly?: boolean } = {}): Promise<AlertMonitorRow[]> {
  let q = db.selectFrom('alert_monitors').selectAll();
  if (opts.enabledOnly) q = q.where('enabled', '=', true);
  return q.orderBy('kind').orderBy('id').execute();
}

export async function findMonitor(db: Db, id: string): Promise<AlertMonitorRow | undefined> {
  return db.selectFrom('alert_monitors').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Creates or replaces the monitor of a kind for a scope (a merchant, or global when null). */
export async function upsertMonitor(
  db: Db,
  m: { id: string; merchantId: string | null; kind: MonitorKind; threshold: number; windowSeconds: number; minVolume: number; severity: AlertSeverity; enabled: boolean; autoResolve: boolean; now: Date },
): Promise<AlertMonitorRow> {
  const existing = await db
    .selectFrom('alert_monitors')
    .select('id')
    .where('kind', '=', m.kind)
    .where(m.merchantId === null ? sql<boolean>`merchant_id IS NULL` : sql<boolean>`merchant_id = ${m.merchantId}`)
    .executeTakeFirst();
  const values = { threshold: m.threshold, window_seconds: m.windowSeconds, min_volume: m.minVolume, severity: m.severity, enabled: m.enabled, auto_resolve: m.autoResolve, updated_at: m.now };
  if (existing) return db.updateTable('alert_monitors').set(values).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow();
  return db
    .insertInto('alert_monitors')
    .values({ id: m.id, merchant_id: m.merchantId, kind: m.kind, ...values, created_at: m.now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** One group over the threshold: a merchant (and, for per-IP monitors, one payer IP). */
export interface MonitorHit {
  merchant_id: string;
  ip: string | null;
  value: number;
  total: number;
}

function scope(m: AlertMonitorRow, col: RawBuilder<unknown>): RawBuilder<boolean> {
  if (m.merchant_id !== null) return sql<boolean>`${col} = ${m.merchant_id}`;
  return sql<boolean>`NOT EXISTS (SELECT 1 FROM alert_monitors o WHERE o.merchant_id = ${col} AND o.kind = ${m.kind})`;
}

/** Runs the aggregate of one monitor for the window ending at `now`. */
export async function monitorHits(db: Db, m: AlertMonitorRow, now: Date): Promise<MonitorHit[]> {
  const since = new Date(now.getTime() - m.window_seconds * 1000);
  const t = m.threshold;
  let q: RawBuilder<MonitorHit>;
  switch (m.kind) {
    case 'single_amount':
      q = sql`SELECT merchant_id, NULL::text AS ip, max(amount)::bigint AS value, count(*)::int AS total FROM payments
        WHERE created_at > ${since} AND created_at <= ${now} AND amount >= ${t} AND ${scope(m, sql.ref('merchant_id'))} GROUP BY merchant_id`;
      break;
    case 'amount_sum':
      q = sql`SELECT merchant_id, NULL::text AS ip, sum(amount)::bigint AS value, count(*)::int AS total FROM payments
        WHERE paid_at > ${since} AND paid_at <= ${now} AND ${scope(m, sql.ref('merchant_id'))} GROUP BY merchant_id HAVING sum(amount) >= ${t}`;
      break;
    case 'payment_count_merchant':
      q = sql`SELECT merchant_id, NULL::text AS ip, count(*)::int AS value, count(*)::int AS total FROM payments
        WHERE created_at > ${since} AND created_at <= ${now} AND ${scope(m, sql.ref('merchant_id'))} GROUP BY merchant_id HAVING count(*) >= ${t}`;
      break;
    case 'payment_count_ip':
      q = sql`SELECT merchant_id, payer_client_ip AS ip, count(*)::int AS value, count(*)::int AS total FROM payments
        WHERE created_at > ${since} AND created_at <= ${now} AND ${scope(m, sql.ref('merchant_id'))} GROUP BY merchant_id, payer_client_ip HAVING count(*) >= ${t}`;
      break;
    case 'success_rate':
      // value: paid share in basis points; fires below the floor once the volume is meaningful.
      q = sql`SELECT merchant_id, NULL::text AS ip, (count(paid_at) * 10000 / count(*))::int AS value, count(*)::int AS total FROM payments
        WHERE created_at > ${since} AND created_at <= ${now} AND ${scope(m, sql.ref('merchant_id'))} GROUP BY merchant_id
        HAVING count(*) >= ${Math.max(1, m.min_volume)} AND count(paid_at) * 10000 < ${t} * count(*)`;
      break;
    case 'notification_failures':
      // Rejected inbox rows, and rows still without their effect a minute after arrival (`received`, or
      // `verified`: answered 200 but not applied — a deferred effect, or an applier that stopped).
      q = sql`SELECT merchant_id, NULL::text AS ip, count(*)::int AS value, count(*)::int AS total FROM wechat_notifications
        WHERE received_at > ${since} AND received_at <= ${now}
          AND (status = 'rejected' OR (status IN ('received', 'verified') AND received_at < ${new Date(now.getTime() - 60_000)}))
          AND ${scope(m, sql.ref('merchant_id'))} GROUP BY merchant_id HAVING count(*) >= ${t}`;
      break;
    case 'webhook_failures':
      q = sql`SELECT e.merchant_id, NULL::text AS ip, count(*)::int AS value, count(*)::int AS total
        FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id
        WHERE d.created_at > ${since} AND d.created_at <= ${now} AND d.status IN ('failed', 'abandoned')
          AND ${scope(m, sql.ref('e.merchant_id'))} GROUP BY e.merchant_id HAVING count(*) >= ${t}`;
      break;
    case 'refund_count':
      q = sql`SELECT merchant_id, NULL::text AS ip, count(*)::int AS value, count(*)::int AS total FROM refunds
        WHERE created_at > ${since} AND created_at <= ${now} AND ${scope(m, sql.ref('merchant_id'))} GROUP BY merchant_id HAVING count(*) >= ${t}`;
      break;
    case 'refund_amount':
      q = sql`SELECT merchant_id, NULL::text AS ip, sum(amount)::bigint AS value, count(*)::int AS total FROM refunds
        WHERE created_at > ${since} AND created_at <= ${now} AND ${scope(m, sql.ref('merchant_id'))} GROUP BY merchant_id HAVING sum(amount) >= ${t}`;
      break;
  }
  const r = await q.execute(db);
  return r.rows.map((h) => ({ merchant_id: h.merchant_id, ip: h.ip, value: Number(h.value), total: Number(h.total) }));
}
