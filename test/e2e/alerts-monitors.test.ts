import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.ts';
import { newId } from '../../src/lib/ids.ts';
import { upsertMonitor } from '../../src/db/alerts-monitors.ts';
import { findAlert, listAlertEvents, listAlerts } from '../../src/db/alerts.ts';
import { acknowledgeAlert, escalateDueAlerts, resolveAlert } from '../../src/services/alerts/alert-lifecycle.ts';
import { createAlertChannel } from '../../src/services/alerts/manage-channels.ts';
import { raiseAlert } from '../../src/services/alerts/raise-alert.ts';
import { DEFAULT_ALERT_SETTINGS } from '../../src/services/alerts/alert-settings.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';

interface Received { url: string; headers: IncomingMessage['headers']; body: string }

async function receiver(answer: (r: Received) => { status: number; body: string }): Promise<{ server: Server; url: string; got: Received[] }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      got.push(r);
      const a = answer(r);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return { server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, got };
}

async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeEachDb('alerts and monitors', (t) => {
  const clock = fixedClock(Date.now());
  let gw: Gateway;
  let smtp: SmtpSink;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let wecom: Awaited<ReturnType<typeof receiver>>;
  const SECRET = 'whsec_test_0123456789abcdef';

  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, clock, overrides: { monitors: { autoStart: false } } });
    smtp = await startSmtpSink({ user: 'alerts', password: 'smtp-pass-1' });
    hook = await receiver(() => ({ status: 200, body: '{}' }));
    wecom = await receiver(() => ({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' }));
    gw.app.ctx.alerting = { ...DEFAULT_ALERT_SETTINGS, wecomBaseUrl: wecom.url, deliveryRetryDelaySeconds: 1 };
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await smtp?.close();
    hook?.server.close();
    wecom?.server.close();
  });

  async function insertPayment(p: { amount: number; ip?: string; paid?: boolean; at?: number }): Promise<void> {
    const at = new Date(p.at ?? clock.now());
    await t.db
      .insertInto('payments')
      .values({
        id: newId('pay'), merchant_id: gw.merchant.id, out_trade_no: newId('o'), amount: p.amount, description: 'test', status: p.paid ? 'succeeded' : 'created',
        payer_client_ip: p.ip ?? '203.0.113.7', expires_at: new Date(at.getTime() + 3600_000), created_at: at, updated_at: at,
        ...(p.paid ? { paid_at: at, transaction_id: newId('tx') } : {}),
      })
      .execute();
  }
  const monitorsFor = (kind: 'single_amount' | 'payment_count_ip' | 'success_rate', threshold: number, minVolume = 0) =>
    upsertMonitor(t.db, { id: newId('mon'), merchantId: gw.merchant.id, kind, threshold, windowSeconds: 600, minVolume, severity: 'warning', enabled: true, autoResolve: true, now: new Date(clock.now()) });
  const alertsOf = async (source: string) => (await listAlerts(t.db, { merchantId: gw.merchant.id, source, limit: 50 }));

  it('stays quiet below a threshold, fires at it, deduplicates the repeat and auto-resolves once the window clears', async () => {
    await monitorsFor('single_amount', 100_000);
    await insertPayment({ amount: 99_999 });
    await gw.app.monitors!.tickNow();
    expect(await alertsOf('monitor.single_amount')).toHaveLength(0);

    await insertPayment({ amount: 100_000 });
    await gw.app.monitors!.tickNow();
    clock.advance(1000);
    await gw.app.monitors!.tickNow();
    const [a] = await alertsOf('monitor.single_amount');
    expect(a).toMatchObject({ status: 'open', count: 2, severity: 'warning' });
    const queued = (await listAlertEvents(t.db, a!.id)).filter((e) => e.kind === 'notification_queued');
    expect(queued).toHaveLength(1); // the repeat fell inside the cool-down

    clock.advance(601_000);
    await gw.app.monitors!.tickNow();
    const [after] = await alertsOf('monitor.single_amount');
    expect(after).toMatchObject({ id: a!.id, status: 'resolved', resolved_by: 'system:auto_resolve' });
  });

  it('fires per payer IP and on a success-rate drop with enough volume', async () => {
    await monitorsFor('payment_count_ip', 3);
    await monitorsFor('success_rate', 5000, 4);
    for (let i = 0; i < 3; i++) await insertPayment({ amount: 100, ip: '198.51.100.9' });
    await insertPayment({ amount: 100, ip: '198.51.100.10' });
    await gw.app.monitors!.tickNow();
    const ip = await alertsOf('monitor.payment_count_ip');
    expect(ip).toHaveLength(1);
    expect(ip[0]!.data).toMatchObject({ value: 3, payer_ip_masked: '198.51.100.x' });
    expect(JSON.stringify(ip[0])).not.toContain('198.51.100.9');
    expect(await alertsOf('monitor.success_rate')).toHaveLength(1);
  });

  it('re-notifies a repeat only once the cool-down has passed, or at once when the severity gets worse', async () => {
    const raise = (severity: 'warning' | 'critical') =>
      raiseAlert(gw.app.ctx, undefined, { key: 'test.cooldown:1', source: 'test.cooldown', severity, merchantId: gw.merchant.id, title: 'Cool-down probe' });
    const opened = await raise('warning');
    expect(opened).toMatchObject({ outcome: 'opened', notified: true });
    clock.advance(DEFAULT_ALERT_SETTINGS.cooldownMs - 1000);
    expect(await raise('warning')).toMatchObject({ outcome: 'repeated', notified: false });
    clock.advance(2000);
    const reminded = await raise('warning');
    expect(reminded).toMatchObject({ outcome: 'repeated', notified: true, alert: { id: opened.alert.id, count: 3 } });
    clock.advance(1000);
    expect(await raise('warning')).toMatchObject({ notified: false });
    const worse = await raise('critical');
    expect(worse).toMatchObject({ notified: true, alert: { severity: 'critical', count: 5 } });
    const queued = (await listAlertEvents(t.db, opened.alert.id)).filter((e) => e.kind === 'notification_queued');
    expect(queued.map((e) => (e.data as { reason: string }).reason)).toEqual(['opened', 'reminder', 'reminder']);
    await resolveAlert(gw.app.ctx, { alertId: opened.alert.id, actor: 'op_tester' });
  });

  it('escalates an unacknowledged alert one level per delay, up to the highest level', async () => {
    const { alert } = await raiseAlert(gw.app.ctx, undefined, { key: 'test.escalation:1', source: 'test.escalation', severity: 'warning', merchantId: gw.merchant.id, title: 'Escalation probe' });
    const levels: number[] = [];
    for (let i = 0; i < DEFAULT_ALERT_SETTINGS.maxEscalationLevel + 2; i++) {
      clock.advance(DEFAULT_ALERT_SETTINGS.escalateAfterMs + 1000);
      await escalateDueAlerts(gw.app.ctx);
      levels.push((await findAlert(t.db, alert.id))!.escalation_level);
    }
    expect(levels).toEqual([1, 2, 2, 2]);
    const escalated = (await listAlertEvents(t.db, alert.id)).filter((e) => e.kind === 'escalated');
    expect(escalated.map((e) => (e.data as { level: number }).level)).toEqual([1, 2]);
    await resolveAlert(gw.app.ctx, { alertId: alert.id, actor: 'op_tester' });
  });

  it('delivers to a signed webhook, a WeCom robot and SMTP, escalates, and is acknowledged and resolved with history', async () => {
    await createAlertChannel(gw.app.ctx, { kind: 'webhook', name: 'ops hook', url: `${hook.url}/alerts`, secret: SECRET, merchantId: null, minSeverity: 'info' });
    await createAlertChannel(gw.app.ctx, { kind: 'wecom', name: 'ops robot', key: 'robot-key-123456', merchantId: null, minSeverity: 'warning' });
    await createAlertChannel(gw.app.ctx, {
      kind: 'email', name: 'on-call', host: '127.0.0.1', port: smtp.port, secure: false, user: 'alerts', password: 'smtp-pass-1', from: 'anfu@example.com', to: ['oncall@example.com'], merchantId: null, minLevel: 1,
    });
    const { alert } = await raiseAlert(gw.app.ctx, undefined, { key: 'review.sla:rev_1', source: 'review.sla_breached', severity: 'critical', merchantId: gw.merchant.id, title: 'Review overdue', data: { review_id: 'rev_1' } });

    await until(() => hook.got.length >= 1 && wecom.got.length >= 1);
    const h = hook.got[0]!;
    const sig = String(h.headers['anfu-signature']);
    const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig) ?? [];
    const expected = createHmac('sha256', SECRET).update(`${ts}.${h.body}`).digest();
    expect(timingSafeEqual(Buffer.from(mac!, 'hex'), expected)).toBe(true);
    expect(JSON.parse(h.body).alert).toMatchObject({ id: alert.id, severity: 'critical', title: 'Review overdue' });
    expect(wecom.got[0]!.url).toBe('/cgi-bin/webhook/send?key=robot-key-123456');
    const wbody = JSON.parse(wecom.got[0]!.body);
    expect(wbody.msgtype).toBe('markdown');
    expect(wbody.markdown.content).toContain('Review overdue');
    expect(smtp.messages).toHaveLength(0); // email joins at level 1

    clock.advance(DEFAULT_ALERT_SETTINGS.escalateAfterMs + 1000);
    const tick = await gw.app.monitors!.tickNow();
    expect(tick?.escalated).toBeGreaterThanOrEqual(1);
    await smtp.waitFor(1);
    expect(smtp.messages[0]!.to).toEqual(['oncall@example.com']);
    expect(smtp.messages[0]!.user).toBe('alerts');
    expect(smtp.messages[0]!.raw).toMatch(/Subject: \[Anfu CRITICAL\] Review overdue \(escalated, level 1\)/);

    const acked = await acknowledgeAlert(gw.app.ctx, { alertId: alert.id, actor: 'op_tester' });
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledged_by: 'op_tester' });
    const again = await raiseAlert(gw.app.ctx, undefined, { key: 'review.sla:rev_1', source: 'review.sla_breached', severity: 'critical', title: 'Review overdue' });
    expect(again).toMatchObject({ outcome: 'repeated', notified: false });
    const resolved = await resolveAlert(gw.app.ctx, { alertId: alert.id, actor: 'op_tester', note: 'handled' });
    expect(resolved.status).toBe('resolved');
    await expect(resolveAlert(gw.app.ctx, { alertId: alert.id, actor: 'op_tester' })).rejects.toMatchObject({ code: 'alert_already_resolved' });
    await until(async () => (await listAlertEvents(t.db, alert.id)).filter((e) => e.kind === 'delivered').length >= 3);
    const kinds = (await listAlertEvents(t.db, alert.id)).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['opened', 'notification_queued', 'delivered', 'escalated', 'acknowledged', 'resolved']));
    // Every delivery shows on /metrics by channel kind, counted from this history.
    // (Escalated deliveries may still be arriving, and the scrape snapshot lives 5 s: poll until both agree.)
    await until(async () => {
      const delivered = await t.db.selectFrom('alert_events').select('data').where('kind', '=', 'delivered').execute();
      const metrics = await (await fetch(`${gw.baseUrl}/metrics`)).text();
      return ['webhook', 'wecom', 'email'].every((channel) => {
        const n = delivered.filter((e) => (e.data as { kind?: string }).kind === channel).length;
        return n >= 1 && metrics.includes(`anfu_alert_notifications_total{channel="${channel}",outcome="delivered"} ${n}\n`);
      });
    });
    const reopened = await raiseAlert(gw.app.ctx, undefined, { key: 'review.sla:rev_1', source: 'review.sla_breached', severity: 'critical', title: 'Review overdue' });
    expect(reopened.outcome).toBe('opened');
    expect(reopened.alert.id).not.toBe(alert.id);
  }, 60_000);
});
