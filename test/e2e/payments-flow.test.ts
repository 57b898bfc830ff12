import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { listPaymentEvents } from '../../src/db/payment-events.ts';
import { queryPaymentAtWechat } from '../../src/services/payments/query-payment.ts';

const body = (over: Record<string, unknown> = {}) => ({ amount: 1234, description: 'Tea 茶', payer_client_ip: '36.112.10.8', ...over });

describeEachDb('payments end to end against the simulator', (t) => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, workers: false });
  });
  afterAll(async () => gw?.close());

  it('creates a pending payment whose h5_url carries the redirect_url, then a query after paying applies success once', async () => {
    const redirect = 'https://shop.example.com/return?o=1';
    const res = await gw.api('POST', '/v1/payments', { body: body({ redirect_url: redirect, metadata: { order: 'A1' } }), idempotencyKey: 'flow-1' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'pending', amount: 1234, currency: 'CNY', metadata: { order: 'A1' } });
    expect(res.body.out_trade_no).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(res.body.h5_url).toContain(`&redirect_url=${encodeURIComponent(redirect)}`);
    expect(Date.parse(res.body.h5_url_expires_at) - Date.parse(res.body.created_at)).toBeGreaterThan(4 * 60_000);

    const paid = await gw.simPay(res.body.out_trade_no);
    expect(paid.status).toBe(200);
    const q = await queryPaymentAtWechat(gw.app.ctx, gw.merchant.id, res.body.id);
    // The simulator's notification may have been applied first; either way one transition happens.
    expect(q.found && ['applied', 'already'].includes(q.outcome)).toBe(true);
    const again = await queryPaymentAtWechat(gw.app.ctx, gw.merchant.id, res.body.id);
    expect(again).toMatchObject({ found: true, outcome: 'already' });

    const got = await gw.api('GET', `/v1/payments/${res.body.id}`);
    expect(got.body).toMatchObject({ status: 'succeeded', h5_url: null });
    expect(got.body.transaction_id).toBeTruthy();
    expect(got.body.paid_at).toBeTruthy();
    const events = await t.db.selectFrom('outbox_events').selectAll().where('dedup_key', '=', `payment.succeeded:${res.body.id}`).execute();
    expect(events).toHaveLength(1);
    const kinds = (await listPaymentEvents(t.db, res.body.id)).map((e) => e.kind);
    expect(kinds).toEqual(['created', 'wechat_accepted', 'succeeded']);
  });

  it('finds payments by out_trade_no and pages through the list newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await gw.api('POST', '/v1/payments', { body: body({ amount: 100 + i, out_trade_no: `LIST${i}ABCDEF` }), idempotencyKey: `list-${i}` });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids.push(r.body.id);
    }
    const byNo = await gw.api('GET', '/v1/payments?out_trade_no=LIST1ABCDEF');
    expect(byNo.body.data.map((p: { id: string }) => p.id)).toEqual([ids[1]]);
    const page1 = await gw.api('GET', '/v1/payments?limit=2&status=pending');
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.has_more).toBe(true);
    const page2 = await gw.api('GET', `/v1/payments?limit=2&status=pending&starting_after=${page1.body.data[1].id}`);
    const seen = [...page1.body.data, ...page2.body.data].map((p: { id: string }) => p.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect((await gw.api('GET', '/v1/payments?limit=101')).status).toBe(400);
  });

  it('refreshes the h5_url of a pending payment, closes it, then refuses both actions', async () => {
    const r = await gw.api('POST', '/v1/payments', { body: body({ amount: 555 }), idempotencyKey: 'close-1' });
    const fresh = await gw.api('POST', `/v1/payments/${r.body.id}/h5-url`);
    expect(fresh.status).toBe(200);
    expect(fresh.body.status).toBe('pending');
    const closed = await gw.api('POST', `/v1/payments/${r.body.id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
    expect((await gw.api('POST', `/v1/payments/${r.body.id}/close`)).body.status).toBe('closed');
    const refused = await gw.api('POST', `/v1/payments/${r.body.id}/h5-url`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('payment_not_pending');
    expect((await gw.simPay(r.body.out_trade_no)).status).toBeGreaterThanOrEqual(400);
  });

  it('refuses a fresh h5_url once the order itself expired (409 order_expired)', async () => {
    const r = await gw.api('POST', '/v1/payments', { body: body({ amount: 321, expires_in_seconds: 60 }), idempotencyKey: 'expired-1' });
    expect(r.status).toBe(201);
    await t.db.updateTable('payments').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', r.body.id).execute();
    const res = await gw.api('POST', `/v1/payments/${r.body.id}/h5-url`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('order_expired');
  });

  it('answers payment_already_paid when closing an order the payer already paid', async () => {
    const r = await gw.api('POST', '/v1/payments', { body: body({ amount: 777 }), idempotencyKey: 'close-paid' });
    await gw.simPay(r.body.out_trade_no);
    const res = await gw.api('POST', `/v1/payments/${r.body.id}/close`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('payment_already_paid');
    expect((await gw.api('GET', `/v1/payments/${r.body.id}`)).body.status).toBe('succeeded');
  });

  it('serves an OpenAPI 3.1 document listing every route', async () => {
    const res = await gw.api('GET', '/openapi.json', { key: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/v1/payments', '/v1/payments/{id}', '/v1/payments/{id}/h5-url', '/v1/payments/{id}/close', '/v1/payments/{id}/refunds', '/v1/refunds/{id}']),
    );
    expect(res.body.components.schemas.CreatePayment.properties.amount.type).toBe('integer');
    expect(res.body.components.schemas.Error.properties.error.required).toEqual(expect.arrayContaining(['code', 'message', 'request_id']));
  });
});
