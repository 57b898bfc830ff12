import type { ServiceContext } from '../context.ts';

/**
 * How alerts behave once raised. Built from the config in app.ts (`ANFU_ALERT_*`); a context without
 * settings (a unit test, a CLI command) gets the documented defaults.
 */
export interface AlertSettings {
  /** No re-notification of a still-open alert within this long of the last one (default 30 min). */
  cooldownMs: number;
  /** An open alert unacknowledged this long after its last notification goes up one level (default 15 min). */
  escalateAfterMs: number;
  /** Highest escalation level (default 2: level 0 at opening, then two escalations). */
  maxEscalationLevel: number;
  /** WeCom group-robot API origin (default https://qyapi.weixin.qq.com); tests point it at a local fake. */
  wecomBaseUrl: string;
  /** Per-attempt timeout of a channel call (webhook, WeCom, SMTP), default 10 s. */
  channelTimeoutMs: number;
  /** pg-boss retries of a failed channel delivery (default 5, exponential from 30 s). */
  deliveryRetryLimit: number;
  deliveryRetryDelaySeconds: number;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  cooldownMs: 30 * 60_000,
  escalateAfterMs: 15 * 60_000,
  maxEscalationLevel: 2,
  wecomBaseUrl: 'https://qyapi.weixin.qq.com',
  channelTimeoutMs: 10_000,
  deliveryRetryLimit: 5,
  deliveryRetryDelaySeconds: 30,
};

export function alertSettingsOf(ctx: Pick<ServiceContext, 'alerting'>): AlertSettings {
  return ctx.alerting ?? DEFAULT_ALERT_SETTINGS;
}
