import { sql, type Selectable } from 'kysely';
import type { AlertEventKind, AlertSeverity, AlertStatus, AlertsTable, AlertEventsTable } from './alerts-tables.ts';
import type { Db } from './merchants.ts';

/**
 * Alerts and their history. An alert is keyed for deduplication: at most one row per key is active
 * (open or acknowledged) — a partial UNIQUE index decides, so two raisers racing cannot both open one.
 */
export type AlertRow = Selectable<AlertsTable>;
export type AlertEventRow = Selectable<AlertEventsTable>;

/** The active alert for a key, row-locked until the caller's transaction ends. */
export async function lockActiveAlert(db: Db, key: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('key', '=', key).where('status', '<>', 'resolved').forUpdate().executeTakeFirst();
}

export async function lockAlert(db: Db, id: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findAlert(db: Db, id: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Inserts a new active alert; undefined when another one for the key won the race. */
export async function insertAlertIfNoneActive(
  db: Db,
  a: { id: string; key: string; source: string; monitorId: string | null; merchantId: string | null; severity: AlertSeverity; title: string; data: Record<string, unknown>; now: Date },
): Promise<AlertRow | undefined> {
  return db
    .insertInto('alerts')
    .values({
      id: a.id,
      key: a.key,
      source: a.source,
      monitor_id: a.monitorId,
      merchant_id: a.merchantId,
      severity: a.severity,
      title: a.title,
      first_seen_at: a.now,
      last_seen_at: a.now,
      data: JSON.stringify(a.data),
    })
    .onConflict((oc) => oc.column('key').where('status', '<>', 'resolved').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updateAlert(
  db: Db,
  id: string,
  set: Partial<{
    severity: AlertSeverity;
    title: string;
    status: AlertStatus;
    count: number;
    last_seen_at: Date;
    escalation_level: number;
    last_notified_at: Date;
    acknowledged_by: string;
    acknowledged_at: Date;
    resolved_by: string;
    resolved_at: Date;
    data: Record<string, unknown>;
  }>,
): Promise<AlertRow> {
  const { data, ...rest } = set;
  return db
    .updateTable('alerts')
    .set({ ...rest, ...(data ? { data: JSON.stringify(data) } : {}) })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertAlertEvent(db: Db, e: { alertId: string; kind: AlertEventKind; actor: string | null; data?: Record<string, unknown>; at: Date }): Promise<void> {
  await db
    .insertInto('alert_events')
    .values({ alert_id: e.alertId, kind: e.kind, actor: e.actor, data: JSON.stringify(e.data ?? {}), created_at: e.at })
    .execute();
}

export async function listAlertEvents(db: Db, alertId: string): Promise<AlertEventRow[]> {
  return db.selectFrom('alert_events').selectAll().where('alert_id', '=', alertId).orderBy('id').execute();
}

/** Open (not acknowledged) alerts whose last notification is older than `before`: escalation candidates. */
export async function lockEscalationDue(db: Db, before: Date, maxLevel: number, limit = 100): Promise<AlertRow[]> {
  return db
    .selectFrom('alerts')
    .selectAll()
    .where('status', '=', 'open')
    .where('last_notified_at', '<=', before)
    .where('escalation_level', '<', maxLevel)
    .orderBy('last_notified_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** Active alerts raised by a monitor (auto-resolve candidates). */
export async function lockActiveForMonitor(db: Db, monitorId: string): Promise<AlertRow[]> {
  return db.selectFrom('alerts').selectAll().where('monitor_id', '=', monitorId).where('status', '<>', 'resolved').forUpdate().skipLocked().execute();
}

export interface AlertFilter {
  status?: AlertStatus | undefined;
  severity?: AlertSeverity | undefined;
  merchantId?: string | undefined;
  source?: string | undefined;
  /** An operator's merchant scope: only these merchants' alerts (never global ones); null = all. */
  merchantIds?: readonly string[] | null | undefined;
  /** Alerts active at some point in [from, to): last seen at or after `from`, first seen before `to`. */
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset pagination: rows seen before this (last_seen_at, id). */
  before?: { lastSeenAt: Date; id: string } | undefined;
  limit: number;
}

export async function listAlerts(db: Db, f: AlertFilter): Promise<AlertRow[]> {
  let q = db.selectFrom('alerts').selectAll();
  if (f.status) q = q.where('status', '=', f.status);
  if (f.severity) q = q.where('severity', '=', f.severity);
  if (f.merchantId) q = q.where('merchant_id', '=', f.merchantId);
  if (f.source) q = q.where('source', '=', f.source);
  if (f.merchantIds) q = f.merchantIds.length === 0 ? q.where(sql<boolean>`false`) : q.where('merchant_id', 'in', [...f.merchantIds]);
  if (f.from) q = q.where('last_seen_at', '>=', f.from);
  if (f.to) q = q.where('first_seen_at', '<', f.to);
  if (f.before) {
    const b = f.before;
    q = q.where(sql<boolean>`(last_seen_at, id) < (${b.lastSeenAt}, ${b.id})`);
  }
  return q.orderBy('last_seen_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

/** Active alerts by severity (the `anfu_alerts_open` gauge). */
export async function countActiveBySeverity(db: Db): Promise<{ severity: AlertSeverity; status: AlertStatus; n: number }[]> {
  const rows = await db
    .selectFrom('alerts')
    .select(['severity', 'status', sql<number>`count(*)::int`.as('n')])
    .where('status', '<>', 'resolved')
    .groupBy(['severity', 'status'])
    .execute();
  return rows.map((r) => ({ severity: r.severity, status: r.status, n: Number(r.n) }));
}
