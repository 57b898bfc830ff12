import type { Transaction } from 'kysely';
import { appendAudit } from '../../audit/append.ts';
import { insertAlertEvent, lockActiveForMonitor, lockAlert, lockEscalationDue, updateAlert, type AlertRow } from '../../db/alerts.ts';
import type { Database } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { alertSettingsOf } from './alert-settings.ts';
import { queueNotifications } from './notify-queue.ts';

/**
 * What happens to an alert after it is raised: an operator acknowledges it (notifications stop) or
 * resolves it (the key may open a new alert later); an open alert nobody acknowledged escalates; a
 * monitor's alert whose condition has cleared resolves itself. Operator actions are audited in the
 * same transaction as the change.
 */
type Ctx = Pick<ServiceContext, 'db' | 'jobs' | 'clock' | 'alerting'>;

export interface OperatorAction {
  alertId: string;
  /** Who acts, e.g. an operator id; stored on the alert and in the audit log. */
  actor: string;
  note?: string | undefined;
  ip?: string | null | undefined;
}

async function lockForAction(trx: Transaction<Database>, id: string): Promise<AlertRow> {
  const alert = await lockAlert(trx, id);
  if (!alert) throw new AppError('not_found', 'alert_not_found', 'no such alert');
  if (alert.status === 'resolved') throw new AppError('conflict', 'alert_already_resolved', 'the alert is already resolved');
  return alert;
}

export async function acknowledgeAlert(ctx: Ctx, a: OperatorAction): Promise<AlertRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const alert = await lockForAction(trx, a.alertId);
    if (alert.status === 'acknowledged') return alert;
    const now = new Date(ctx.clock.now());
    const updated = await updateAlert(trx, alert.id, { status: 'acknowledged', acknowledged_by: a.actor, acknowledged_at: now });
    await insertAlertEvent(trx, { alertId: alert.id, kind: 'acknowledged', actor: a.actor, data: a.note ? { note: a.note } : {}, at: now });
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: a.actor }, action: 'alert.acknowledged', target: { type: 'alert', id: alert.id }, merchantId: alert.merchant_id, outcome: 'success', ip: a.ip ?? null });
    return updated;
  });
}

export async function resolveAlert(ctx: Ctx, a: OperatorAction): Promise<AlertRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const alert = await lockForAction(trx, a.alertId);
    const now = new Date(ctx.clock.now());
    const updated = await updateAlert(trx, alert.id, { status: 'resolved', resolved_by: a.actor, resolved_at: now });
    await insertAlertEvent(trx, { alertId: alert.id, kind: 'resolved', actor: a.actor, data: a.note ? { note: a.note } : {}, at: now });
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: a.actor }, action: 'alert.resolved', target: { type: 'alert', id: alert.id }, merchantId: alert.merchant_id, outcome: 'success', ip: a.ip ?? null });
    return updated;
  });
}

/**
 * Escalates every open alert whose last notification is older than the escalation delay: one level
 * up, notified again to that level's channels (the ones joining at it and all below). Returns how
 * many escalated. Skips rows another process holds, so several gateways can run it.
 */
export async function escalateDueAlerts(ctx: Ctx): Promise<number> {
  const s = alertSettingsOf(ctx);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const due = await lockEscalationDue(trx, new Date(now - s.escalateAfterMs), s.maxEscalationLevel);
    for (const alert of due) {
      const level = alert.escalation_level + 1;
      const updated = await updateAlert(trx, alert.id, { escalation_level: level });
      await insertAlertEvent(trx, { alertId: alert.id, kind: 'escalated', actor: null, data: { level }, at: new Date(now) });
      await queueNotifications(ctx, trx, updated, level, 'escalated');
    }
    return due.length;
  });
}

/** Resolves a monitor's active alerts whose key did not fire in this evaluation. Returns their ids. */
export async function autoResolveCleared(ctx: Ctx, trx: Transaction<Database>, monitorId: string, firing: ReadonlySet<string>): Promise<string[]> {
  const active = await lockActiveForMonitor(trx, monitorId);
  const now = new Date(ctx.clock.now());
  const resolved: string[] = [];
  for (const alert of active) {
    if (firing.has(alert.key)) continue;
    await updateAlert(trx, alert.id, { status: 'resolved', resolved_by: 'system:auto_resolve', resolved_at: now });
    await insertAlertEvent(trx, { alertId: alert.id, kind: 'auto_resolved', actor: 'system', data: { monitor_id: monitorId }, at: now });
    resolved.push(alert.id);
  }
  return resolved;
}
