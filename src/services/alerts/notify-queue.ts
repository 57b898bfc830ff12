import type { Transaction } from 'kysely';
import { channelsFor } from '../../db/alerts-channels.ts';
import { insertAlertEvent, updateAlert, type AlertRow } from '../../db/alerts.ts';
import { jobDbIn } from '../../db/jobs.ts';
import type { Database } from '../../db/schema.ts';
import type { ServiceContext } from '../context.ts';
import { alertSettingsOf } from './alert-settings.ts';

/** pg-boss queue of alert notifications: one job per (alert, channel, level). Data: `AlertNotifyJob`. */
export const ALERT_NOTIFY_QUEUE = 'alert-notify';

export interface AlertNotifyJob {
  alertId: string;
  channelId: string;
  level: number;
  reason: 'opened' | 'reminder' | 'escalated';
}

/**
 * Stages one notification job per matching channel inside the caller's transaction (the jobs exist
 * only if the alert change commits), records it in the history and stamps `last_notified_at`, which
 * both the cool-down and the escalation timer count from. With no channel configured the alert is
 * still stamped: escalation then simply finds nobody more to tell.
 */
export async function queueNotifications(
  ctx: Pick<ServiceContext, 'jobs' | 'clock' | 'alerting'>,
  trx: Transaction<Database>,
  alert: AlertRow,
  level: number,
  reason: AlertNotifyJob['reason'],
): Promise<AlertRow> {
  const settings = alertSettingsOf(ctx);
  const now = new Date(ctx.clock.now());
  const channels = await channelsFor(trx, { merchantId: alert.merchant_id, severity: alert.severity, level });
  for (const ch of channels) {
    const job: AlertNotifyJob = { alertId: alert.id, channelId: ch.id, level, reason };
    await ctx.jobs.send(ALERT_NOTIFY_QUEUE, { ...job }, {
      db: jobDbIn(trx),
      retryLimit: settings.deliveryRetryLimit,
      retryDelay: settings.deliveryRetryDelaySeconds,
      retryBackoff: true,
      // A channel call is bounded by channelTimeoutMs (SMTP has three such phases); beyond this pg-boss retries.
      expireInSeconds: Math.max(30, Math.ceil((settings.channelTimeoutMs * 4) / 1000)),
    });
  }
  await insertAlertEvent(trx, { alertId: alert.id, kind: 'notification_queued', actor: null, data: { level, reason, channels: channels.map((c) => c.id) }, at: now });
  return updateAlert(trx, alert.id, { last_notified_at: now });
}
