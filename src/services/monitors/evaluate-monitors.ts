import { createHash } from 'node:crypto';
import { listMonitors, monitorHits, type AlertMonitorRow, type MonitorHit } from '../../db/alerts-monitors.ts';
import { fenToYuanString } from './format.ts';
import type { ServiceContext } from '../context.ts';
import { autoResolveCleared } from '../alerts/alert-lifecycle.ts';
import { raiseAlert } from '../alerts/raise-alert.ts';

/**
 * One evaluation of every enabled monitor over its window ending now. Each group over the threshold
 * raises (or repeats) an alert keyed `monitor:<monitor id>:<merchant>[:ip:<hash>]`; with
 * `auto_resolve`, the monitor's active alerts whose group no longer fires are resolved. One short
 * transaction per monitor: a failing monitor is logged and the others still run.
 */
export interface EvaluationSummary {
  monitors: number;
  raised: number;
  resolved: number;
  failed: string[];
}

type Ctx = Pick<ServiceContext, 'db' | 'jobs' | 'clock' | 'alerting' | 'logger'>;

export async function evaluateMonitors(ctx: Ctx): Promise<EvaluationSummary> {
  const monitors = await listMonitors(ctx.db, { enabledOnly: true });
  const summary: EvaluationSummary = { monitors: monitors.length, raised: 0, resolved: 0, failed: [] };
  for (const m of monitors) {
    try {
      const r = await evaluateOne(ctx, m);
      summary.raised += r.raised;
      summary.resolved += r.resolved;
    } catch (err) {
      summary.failed.push(m.id);
      ctx.logger.error({ err, monitorId: m.id }, 'monitor evaluation failed');
    }
  }
  return summary;
}

async function evaluateOne(ctx: Ctx, m: AlertMonitorRow): Promise<{ raised: number; resolved: number }> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = new Date(ctx.clock.now());
    const hits = await monitorHits(trx, m, now);
    const firing = new Set<string>();
    for (const h of hits) {
      const key = alertKey(m, h);
      firing.add(key);
      await raiseAlert(ctx, trx, {
        key,
        source: `monitor.${m.kind}`,
        severity: m.severity,
        merchantId: h.merchant_id,
        title: describe(m, h),
        monitorId: m.id,
        data: {
          monitor_id: m.id,
          kind: m.kind,
          value: h.value,
          total: h.total,
          threshold: m.threshold,
          window_seconds: m.window_seconds,
          ...(h.ip ? { payer_ip_masked: maskIp(h.ip) } : {}),
        },
      });
    }
    const resolved = m.auto_resolve ? await autoResolveCleared(ctx, trx, m.id, firing) : [];
    return { raised: hits.length, resolved: resolved.length };
  });
}

/** Payer IPs are personal data: the key carries a hash, the message a masked form. */
function alertKey(m: AlertMonitorRow, h: MonitorHit): string {
  const base = `monitor:${m.id}:${h.merchant_id}`;
  return h.ip ? `${base}:ip:${createHash('sha256').update(h.ip).digest('hex').slice(0, 16)}` : base;
}

export function maskIp(ip: string): string {
  if (ip.includes(':')) return `${ip.split(':').slice(0, 3).join(':')}:…`;
  const p = ip.split('.');
  return p.length === 4 ? `${p[0]}.${p[1]}.${p[2]}.x` : 'x';
}

function minutes(s: number): string {
  return s % 3600 === 0 ? `${s / 3600} h` : `${Math.round(s / 60)} min`;
}

function describe(m: AlertMonitorRow, h: MonitorHit): string {
  const w = minutes(m.window_seconds);
  switch (m.kind) {
    case 'single_amount':
      return `大额支付 Large payments: ${h.total} ≥ ¥${fenToYuanString(m.threshold)} in ${w} (max ¥${fenToYuanString(h.value)})`;
    case 'amount_sum':
      return `支付总额 Paid volume ¥${fenToYuanString(h.value)} in ${w} ≥ ¥${fenToYuanString(m.threshold)}`;
    case 'payment_count_merchant':
      return `支付频率 ${h.value} payments in ${w} (threshold ${m.threshold})`;
    case 'payment_count_ip':
      return `同 IP 高频 ${h.value} payments from one IP (${maskIp(h.ip ?? '')}) in ${w} (threshold ${m.threshold})`;
    case 'success_rate':
      return `成功率下降 Success rate ${(h.value / 100).toFixed(1)}% of ${h.total} in ${w} (floor ${(m.threshold / 100).toFixed(1)}%)`;
    case 'notification_failures':
      return `通知失败 ${h.value} rejected/unprocessed WeChat notifications in ${w}`;
    case 'webhook_failures':
      return `Webhook 失败 ${h.value} failed merchant webhook deliveries in ${w}`;
    case 'refund_count':
      return `退款激增 ${h.value} refunds in ${w} (threshold ${m.threshold})`;
    case 'refund_amount':
      return `退款金额 Refunds ¥${fenToYuanString(h.value)} in ${w} ≥ ¥${fenToYuanString(m.threshold)}`;
  }
}
