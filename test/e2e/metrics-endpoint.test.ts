import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.ts';
import { registerMetricsRoute } from '../../src/http/routes/metrics.ts';
import { createAppMetrics } from '../../src/metrics/app-metrics.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

describeEachDb('GET /metrics', (t) => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
  });

  it('exposes payments by status, WeChat latency by endpoint, notification outcomes, queue depths and alerts after a payment', async () => {
    const created = await gw.api('POST', '/v1/payments', {
      idempotencyKey: 'm1',
      body: { amount: 1234, description: 'metrics', payer_client_ip: '36.112.10.8' },
    });
    expect(created.status).toBeLessThan(300);
    await gw.simPay(created.body.out_trade_no as string);
    let text = '';
    const end = Date.now() + 15_000;
    do {
      await new Promise((r) => setTimeout(r, 300));
      text = await (await fetch(`${gw.baseUrl}/metrics`)).text();
    } while (!/anfu_payments\{status="succeeded"\} 1/.test(text) && Date.now() < end);
    expect(text).toMatch(/anfu_payments\{status="succeeded"\} 1/);
    expect(text).toMatch(/anfu_wechat_call_duration_seconds_count\{endpoint="POST \/v3\/pay\/transactions\/h5",status="200"\} 1/);
    expect(text).toMatch(/anfu_wechat_notifications_total\{outcome="applied",reason=""\} 1/);
    expect(text).toMatch(/anfu_queue_depth\{queue="webhook-deliver"\} -?\d+/);
    expect(text).toMatch(/^anfu_dashboard_pending_deltas \d+$/m);
    expect(text).toMatch(/anfu_alerts_active\{severity="critical",status="open"\} \d+/);
    // One clean allow before the WeChat call and one after payment, each timed.
    expect(text).toMatch(/anfu_risk_decisions_total\{rule="none",action="allow"\} 2/);
    expect(text).toMatch(/anfu_risk_decision_duration_seconds_count\{action="allow"\} 2/);
    expect(text).toContain('anfu_process_cpu_seconds_total');
  }, 60_000);

  it('counts risk decisions by the rule that fired and the action taken, shadow rules apart', async () => {
    // The default rules: from the 6th attempt in a minute one IP is reviewed, from the 11th blocked.
    // A fresh device each time keeps the device rules quiet; the shadow rule sees 5+ devices behind the IP.
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await gw.api('POST', '/v1/payments', {
        idempotencyKey: `burst-${i}`,
        body: { amount: 100, description: 'burst', payer_client_ip: '36.112.99.1', device_id: `dev-metrics-${i}` },
      });
      statuses.push(r.status);
    }
    expect(statuses).toEqual([...Array(10).fill(201), 403]);
    const text = await (await fetch(`${gw.baseUrl}/metrics`)).text();
    expect(text).toMatch(/anfu_risk_decisions_total\{rule="ip-burst-review",action="review"\} 5/);
    expect(text).toMatch(/anfu_risk_decisions_total\{rule="ip-burst-block",action="block"\} 1/);
    expect(text).toMatch(/anfu_risk_decisions_total\{rule="ip-burst-review",action="block"\} 1/);
    expect(text).toMatch(/anfu_risk_decisions_total\{rule="ip-many-devices",action="shadow"\} 6/);
    expect(text).toMatch(/anfu_risk_decision_duration_seconds_count\{action="block"\} 1/);
  }, 60_000);

  it('refuses /metrics in live mode without a configured token or with a wrong one, and serves it with the right one', async () => {
    for (const token of [undefined, 'metrics-token-0123456789']) {
      const server = buildHttpServer({ logger: createLogger({ level: 'silent' }), live: true, trustProxy: false });
      registerMetricsRoute(server, createAppMetrics({ defaultMetrics: false }), { mode: 'live', token });
      try {
        const none = await server.inject({ method: 'GET', url: '/metrics' });
        expect(none.statusCode).toBe(401);
        expect(none.body).toContain('metrics_unauthorized');
        const wrong = await server.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-XXXXXXXXXX' } });
        expect(wrong.statusCode).toBe(401);
        const right = await server.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } });
        expect(right.statusCode).toBe(token ? 200 : 401);
        if (token) expect(right.body).toContain('anfu_wechat_call_duration_seconds');
      } finally {
        await server.close();
      }
    }
  });
});
