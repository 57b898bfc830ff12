import type { Transaction } from 'kysely';
import { z } from 'zod';
import { insertAlertEvent, insertAlertIfNoneActive, lockActiveAlert, updateAlert, type AlertRow } from '../../db/alerts.ts';
import { ALERT_SEVERITIES, severityRank, type AlertSeverity } from '../../db/alerts-tables.ts';
import type { Database } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { ServiceContext } from '../context.ts';
import { alertSettingsOf } from './alert-settings.ts';
import { queueNotifications } from './notify-queue.ts';

/**
 * The one way anything raises an alert — monitors here, and other services (the review queue's SLA
 * breaches, integrity alarms…). Deduplicates on `key` while an alert for it is open or acknowledged:
 * a repeat bumps `count` and `last_seen_at` (and raises the severity if the repeat is worse) instead
 * of opening another. A new alert notifies its level-0 channels; a repeat of an open alert notifies
 * again only once the cool-down since the last notification has passed; an acknowledged one stays
 * quiet until resolved. Pass `trx` to raise inside your own transaction (the alert and its jobs then
 * commit or roll back with your change); without it a transaction of its own is used.
 */
export const raiseAlertInput = z.object({
  key: z.string().min(1).max(300),
  source: z.string().regex(/^[a-z0-9_.:-]{1,100}$/, 'lower-case dotted name, e.g. review.sla_breached'),
  severity: z.enum(ALERT_SEVERITIES),
  merchantId: z.string().min(1).max(64).nullable().optional(),
  title: z.string().min(1).max(300),
  /** Facts for the operator. Never secrets or raw personal data: alerts leave the system by webhook and email. */
  data: z.record(z.string(), z.unknown()).optional(),
  /** Set by the monitor engine so auto-resolve finds its own alerts. */
  monitorId: z.string().min(1).max(64).optional(),
});
export type RaiseAlertInput = z.input<typeof raiseAlertInput>;

export interface RaiseAlertResult {
  alert: AlertRow;
  outcome: 'opened' | 'repeated';
  /** Whether notifications were queued by this call. */
  notified: boolean;
}

type AlertCtx = Pick<ServiceContext, 'db' | 'jobs' | 'clock' | 'alerting'>;

export async function raiseAlert(ctx: AlertCtx, trx: Transaction<Database> | undefined, input: RaiseAlertInput): Promise<RaiseAlertResult> {
  const parsed = raiseAlertInput.safeParse(input);
  if (!parsed.success) {
    throw new AppError('invalid_input', 'alert_input_invalid', 'the alert is malformed', { fields: parsed.error.issues.map((i) => i.path.join('.')) });
  }
  if (trx) return raiseIn(ctx, trx, parsed.data);
  return ctx.db.transaction().execute((t) => raiseIn(ctx, t, parsed.data));
}

async function raiseIn(ctx: AlertCtx, trx: Transaction<Database>, a: z.output<typeof raiseAlertInput>): Promise<RaiseAlertResult> {
  const now = new Date(ctx.clock.now());
  const existing = await lockActiveAlert(trx, a.key);
  if (!existing) {
    const inserted = await insertAlertIfNoneActive(trx, {
      id: newId('alt'),
      key: a.key,
      source: a.source,
      monitorId: a.monitorId ?? null,
      merchantId: a.merchantId ?? null,
      severity: a.severity,
      title: a.title,
      data: a.data ?? {},
      now,
    });
    if (inserted) {
      await insertAlertEvent(trx, { alertId: inserted.id, kind: 'opened', actor: null, data: { severity: a.severity, source: a.source }, at: now });
      const alert = await queueNotifications(ctx, trx, inserted, 0, 'opened');
      return { alert, outcome: 'opened', notified: true };
    }
    // Another transaction opened it between our look-up and insert: it is committed now, so repeat it.
    const raced = await lockActiveAlert(trx, a.key);
    if (!raced) throw new AppError('unavailable', 'alert_raced', 'the alert changed concurrently; retry');
    return repeat(ctx, trx, raced, a, now);
  }
  return repeat(ctx, trx, existing, a, now);
}

async function repeat(ctx: AlertCtx, trx: Transaction<Database>, cur: AlertRow, a: z.output<typeof raiseAlertInput>, now: Date): Promise<RaiseAlertResult> {
  const worse = severityRank(a.severity) > severityRank(cur.severity);
  const severity: AlertSeverity = worse ? a.severity : cur.severity;
  let alert = await updateAlert(trx, cur.id, {
    count: cur.count + 1,
    last_seen_at: now,
    severity,
    title: a.title,
    data: a.data ?? (cur.data as Record<string, unknown>),
  });
  if (worse) await insertAlertEvent(trx, { alertId: cur.id, kind: 'repeated', actor: null, data: { severity_raised_to: severity, count: alert.count }, at: now });
  if (alert.status !== 'open') return { alert, outcome: 'repeated', notified: false };
  const since = alert.last_notified_at ? now.getTime() - alert.last_notified_at.getTime() : Infinity;
  // A worse severity is news: it skips the cool-down (it may also reach channels that ignored the lower one).
  if (since < alertSettingsOf(ctx).cooldownMs && !worse) return { alert, outcome: 'repeated', notified: false };
  await insertAlertEvent(trx, { alertId: cur.id, kind: 'repeated', actor: null, data: { count: alert.count, renotified: true }, at: now });
  alert = await queueNotifications(ctx, trx, alert, alert.escalation_level, 'reminder');
  return { alert, outcome: 'repeated', notified: true };
}
