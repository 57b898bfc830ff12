import { afterAll, beforeAll, expect, it } from 'vitest';
import { decisionsForPayment } from '../../src/db/risk-decisions.ts';
import { findReviewForPayment } from '../../src/db/risk-reviews.ts';
import { MemoryVelocityStore, type VelocityStore } from '../../src/risk/index.ts';
import { queryPaymentAtWechat } from '../../src/services/payments/query-payment.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

/**
 * A velocity store outage (Redis down or past its command timeout): orders are not refused but
 * flagged, and a payment that succeeds meanwhile is held for a person, each decision stored with the
 * `velocity-store-unavailable` reason and counted on /metrics.
 */
class FlakyStore implements VelocityStore {
  readonly kind = 'redis' as const;
  down = false;
  readonly #inner = new MemoryVelocityStore();
  #check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
  }
  async record(...a: Parameters<VelocityStore['record']>) {
    this.#check();
    return this.#inner.record(...a);
  }
  async query(...a: Parameters<VelocityStore['query']>) {
    this.#check();
    return this.#inner.query(...a);
  }
  async queryThenRecord(...a: Parameters<VelocityStore['queryThenRecord']>) {
    this.#check();
    return this.#inner.queryThenRecord(...a);
  }
  async close() {
    await this.#inner.close();
  }
}

let n = 0;

describeEachDb('risk control while the velocity store is down', (t) => {
  let gw: Gateway;
  const store = new FlakyStore();
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, workers: false, overrides: { risk: { store } } });
  }, 60_000);
  afterAll(async () => gw?.close());
  const create = (ip: string) => gw.api('POST', '/v1/payments', { body: { amount: 1_000, description: 'Outage', payer_client_ip: ip }, idempotencyKey: `outage-${n++}` });

  it('flags orders instead of refusing them, holds a payment that succeeds meanwhile, and recovers', async () => {
    store.down = true;
    const r = await create('36.130.1.1');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.risk).toMatchObject({ status: 'flagged', rules: [{ rule_id: 'velocity-store-unavailable', action: 'review' }] });

    expect((await gw.simPay(r.body.out_trade_no)).status).toBe(200);
    await queryPaymentAtWechat(gw.app.ctx, gw.merchant.id, r.body.id);
    expect((await gw.api('GET', `/v1/payments/${r.body.id}`)).body).toMatchObject({ status: 'succeeded', risk: { status: 'in_review' } });
    expect(await findReviewForPayment(t.db, r.body.id)).toMatchObject({ status: 'open' });
    const decisions = await decisionsForPayment(t.db, r.body.id);
    expect(decisions.map((d) => [d.phase, d.action, d.fired.map((f) => f.rule_id), (d.facts as { velocity_store?: string }).velocity_store])).toEqual([
      ['pre_order', 'review', ['velocity-store-unavailable'], 'unavailable'],
      ['post_payment', 'review', ['velocity-store-unavailable'], 'unavailable'],
    ]);
    const metrics = await (await fetch(`${gw.baseUrl}/metrics`)).text();
    expect(metrics).toContain('anfu_risk_decisions_total{rule="velocity-store-unavailable",action="review"} 2');

    store.down = false;
    const after = await create('36.130.1.2');
    expect(after.status).toBe(201);
    expect(after.body.risk).toEqual({ status: 'clear' });
  });
});
