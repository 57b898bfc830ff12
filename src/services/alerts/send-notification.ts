import { findAlertChannel, type AlertChannelRow } from '../../db/alerts-channels.ts';
import { findAlert, insertAlertEvent } from '../../db/alerts.ts';
import { unixSeconds } from '../../lib/clock.ts';
import type { Resolver } from '../../net/outbound-url.ts';
import { openSecretIfExists } from '../custody/secrets.ts';
import type { ServiceContext } from '../context.ts';
import { alertPayload, type AlertPayload } from './alert-message.ts';
import { alertSettingsOf } from './alert-settings.ts';
import { ChannelError } from './channels/channel-error.ts';
import { sendAlertEmail, type EmailConfig } from './channels/email-channel.ts';
import { sendAlertWebhook } from './channels/webhook-channel.ts';
import { sendWecomRobot } from './channels/wecom-channel.ts';
import { alertChannelSecretId } from './manage-channels.ts';
import type { AlertNotifyJob } from './notify-queue.ts';

/**
 * Runs one `alert-notify` job: one channel, one alert, one attempt. The outcome goes into the
 * alert's history (`delivered` / `delivery_failed` with a stable error code). A transient failure
 * is re-thrown so pg-boss retries the job with back-off; a permanent one (URL refused, key rejected,
 * channel gone) is recorded and dropped. An alert resolved meanwhile is not announced any more.
 */
export type NotifyOutcome = { status: 'delivered' } | { status: 'skipped'; reason: string } | { status: 'failed'; error: string; permanent: boolean };

export async function sendAlertNotification(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'vault' | 'mode' | 'alerting' | 'logger'>,
  job: AlertNotifyJob,
  opts: { resolve?: Resolver } = {},
): Promise<NotifyOutcome> {
  const alert = await findAlert(ctx.db, job.alertId);
  if (!alert) return { status: 'skipped', reason: 'alert_gone' };
  if (alert.status === 'resolved') return { status: 'skipped', reason: 'alert_resolved' };
  const channel = await findAlertChannel(ctx.db, job.channelId);
  if (!channel || !channel.enabled) return { status: 'skipped', reason: 'channel_disabled' };

  const payload = alertPayload(alert, job.level, job.reason);
  const at = () => new Date(ctx.clock.now());
  const sent = await deliverToChannel(ctx, channel, payload, opts);
  if (sent.status === 'failed') {
    await insertAlertEvent(ctx.db, { alertId: alert.id, kind: 'delivery_failed', actor: null, data: { channel_id: channel.id, kind: channel.kind, level: job.level, error: sent.error, permanent: sent.permanent }, at: at() });
    ctx.logger.warn({ alertId: alert.id, channelId: channel.id, error: sent.error }, 'alert notification failed');
    return sent;
  }
  await insertAlertEvent(ctx.db, { alertId: alert.id, kind: 'delivered', actor: null, data: { channel_id: channel.id, kind: channel.kind, level: job.level }, at: at() });
  return { status: 'delivered' };
}

/**
 * One attempt to deliver a payload to one channel (the alert worker's jobs and the console's test
 * notification). Failures come back as a stable code, never as the channel's secret or raw answer.
 */
export async function deliverToChannel(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'vault' | 'mode' | 'alerting'>,
  channel: AlertChannelRow,
  payload: AlertPayload,
  opts: { resolve?: Resolver } = {},
): Promise<{ status: 'delivered' } | { status: 'failed'; error: string; permanent: boolean }> {
  const settings = alertSettingsOf(ctx);
  const policy = { allowLoopback: ctx.mode === 'sandbox' };
  const common = { policy, timeoutMs: settings.channelTimeoutMs, resolve: opts.resolve };
  const cfg = channel.config as Record<string, unknown>;
  try {
    const secret = await openSecretIfExists(ctx, alertChannelSecretId(channel.id));
    if (channel.kind === 'webhook') {
      if (!secret) throw new ChannelError('channel_secret_missing', true);
      await sendAlertWebhook({ url: String(cfg.url) }, secret, payload, { ...common, nowSeconds: unixSeconds(ctx.clock) });
    } else if (channel.kind === 'wecom') {
      if (!secret) throw new ChannelError('channel_secret_missing', true);
      await sendWecomRobot(settings.wecomBaseUrl, secret, payload, common);
    } else {
      await sendAlertEmail(cfg as unknown as EmailConfig, secret, payload, common);
    }
  } catch (e) {
    const err = e instanceof ChannelError ? e : new ChannelError('internal_error', false);
    return { status: 'failed', error: err.code, permanent: err.permanent };
  }
  return { status: 'delivered' };
}
