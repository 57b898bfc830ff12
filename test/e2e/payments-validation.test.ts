import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { applyTransactionResult } from '../../src/services/payments/apply-transaction.ts';
import { listPaymentEvents } from '../../src/db/payment-events.ts';
import type { Transaction } from '../../src/wechatpay/transaction-schema.ts';

const body = (over: Record<string, unknown> = {}) => ({ amount: 880, description: 'Checked order', payer_client_ip: '36.112.10.8', ...over });
let n = 0;
const key = () => `val-${n++}`;

describeEachDb('payment input, authentication, tenancy and integrity', (t) => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, workers: false });
  });
  afterAll(async () => gw?.close());

  it('refuses a redirect_url that is not https on one of the merchant’s H5 domains (exact host)', async () => {
    for (const url of ['http://shop.example.com/r', 'https://evil.shop.example.com/r', 'https://shop.example.com.evil.net/r', 'javascript:alert(1)', 'https://user:pw@shop.example.com/', 'not a url']) {
      const res = await gw.api('POST', '/v1/payments', { body: body({ redirect_url: url }), idempotencyKey: key() });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe('redirect_url_not_allowed');
    }
    // The sandbox serves its shop on loopback over http: allowed there only.
    const ok = await gw.api('POST', '/v1/payments', { body: body({ redirect_url: 'http://127.0.0.1:8080/demo/return' }), idempotencyKey: key() });
    expect(ok.status).toBe(201);
  });

  it('refuses a payer_client_ip that is not a public address', async () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '192.168.1.1', '169.254.1.1', '::1', 'fe80::1', '0.0.0.0', '203.0.113.9', 'localhost', '1.2.3']) {
      const res = await gw.api('POST', '/v1/payments', { body: body({ payer_client_ip: ip }), idempotencyKey: key() });
      expect(res.status, ip).toBe(400);
      expect(res.body.error.code, ip).toBe('payer_client_ip_not_public');
    }
    const v6 = await gw.api('POST', '/v1/payments', { body: body({ payer_client_ip: '2400:da00::6666' }), idempotencyKey: key() });
    expect(v6.status).toBe(201);
  });

  it('answers malformed bodies with 400 and a stable code, never a 500', async () => {
    const bad: unknown[] = [
      {},
      { ...body(), amount: 0 },
      { ...body(), amount: 1.5 },
      { ...body(), amount: '100' },
      { ...body(), description: '' },
      { ...body(), description: 'x'.repeat(128) },
      { ...body(), out_trade_no: 'short' },
      { ...body(), out_trade_no: '含中文的订单号123' },
      { ...body(), h5_type: 'Desktop' },
      { ...body(), expires_in_seconds: 59 },
      { ...body(), metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
      { ...body(), unknown_field: 1 },
      [],
      'just a string',
      null,
    ];
    for (const b of bad) {
      const res = await gw.api('POST', '/v1/payments', { body: b === null ? 'null' : b, idempotencyKey: key() });
      expect(res.status, JSON.stringify(b)).toBe(400);
      expect(res.body.error.code).toMatch(/^[a-z_]+$/);
      expect(res.body.error.request_id).toMatch(/^req_/);
    }
    const notJson = await gw.api('POST', '/v1/payments', { body: '{"amount": ', idempotencyKey: key() });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid_json');
  });

  it('never answers 500 to arbitrary JSON bodies (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 2 }), fc.record({ amount: fc.anything(), description: fc.anything(), payer_client_ip: fc.anything() }, { requiredKeys: [] }), async (v, partial) => {
        for (const b of [v, { ...body(), ...partial }]) {
          const res = await gw.api('POST', '/v1/payments', { body: JSON.stringify(b) ?? 'null', idempotencyKey: key() });
          expect(res.status).toBeLessThan(500);
        }
      }),
      { numRuns: 25 },
    );
    for (const q of ['limit=0', 'limit=abc', 'status=paid', 'created_gte=yesterday', 'starting_after=pay_doesnotexist', 'x=1']) {
      const res = await gw.api('GET', `/v1/payments?${q}`);
      expect(res.status, q).toBe(400);
    }
  });

  it('requires a valid API key', async () => {
    for (const k of [null, 'sk_test_nope', `${gw.apiKey}x`, gw.apiKey.replace('sk_test_', 'sk_live_')]) {
      const res = await gw.api('GET', '/v1/payments', { key: k });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
    const basic = await gw.api('GET', '/v1/payments', { key: null, headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect(basic.status).toBe(401);
  });

  it('hides one merchant’s payments and refunds from another (404, never 403)', async () => {
    const mine = await gw.api('POST', '/v1/payments', { body: body(), idempotencyKey: key() });
    const other = await gw.otherMerchant();
    const as = { key: other.apiKey };
    expect((await gw.api('GET', `/v1/payments/${mine.body.id}`, as)).status).toBe(404);
    expect((await gw.api('POST', `/v1/payments/${mine.body.id}/close`, as)).status).toBe(404);
    expect((await gw.api('POST', `/v1/payments/${mine.body.id}/h5-url`, as)).status).toBe(404);
    const refund = await gw.api('POST', `/v1/payments/${mine.body.id}/refunds`, { ...as, body: { amount: 1 }, idempotencyKey: key() });
    expect(refund.status).toBe(404);
    expect((await gw.api('GET', `/v1/payments?out_trade_no=${mine.body.out_trade_no}`, as)).body.data).toEqual([]);
    expect((await gw.api('GET', '/v1/payments/not-an-id')).status).toBe(404);
    expect((await gw.api('GET', '/v1/refunds/re_nope')).status).toBe(404);
  });

  it('an answer whose amount differs from the order changes nothing and raises one integrity alert', async () => {
    const res = await gw.api('POST', '/v1/payments', { body: body({ amount: 1000 }), idempotencyKey: key() });
    const tampered: Transaction = {
      appid: gw.merchant.appid,
      mchid: gw.merchant.mchid,
      out_trade_no: res.body.out_trade_no,
      transaction_id: '4200000000000000000000000001',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      success_time: '2025-01-01T10:00:00+08:00',
      payer: { openid: 'o_attacker' },
      amount: { total: 1, payer_total: 1, currency: 'CNY', payer_currency: 'CNY' },
    };
    const ref = { merchantId: gw.merchant.id, outTradeNo: res.body.out_trade_no };
    expect((await applyTransactionResult(gw.app.ctx, ref, tampered, 'notification')).outcome).toBe('integrity_mismatch');
    expect((await applyTransactionResult(gw.app.ctx, ref, tampered, 'notification')).outcome).toBe('integrity_mismatch');
    expect((await applyTransactionResult(gw.app.ctx, ref, { ...tampered, amount: { total: 1000, currency: 'CNY' }, mchid: '1900000000' }, 'query')).outcome).toBe('integrity_mismatch');

    const after = await gw.api('GET', `/v1/payments/${res.body.id}`);
    expect(after.body).toMatchObject({ status: 'pending', transaction_id: null, paid_at: null });
    const alerts = await t.db.selectFrom('outbox_events').selectAll().where('type', '=', 'payment.integrity_alert').where('dedup_key', 'like', `%${res.body.id}%`).execute();
    // One per distinct (source, mismatch): the repeated notification did not raise a second alert.
    expect(alerts).toHaveLength(2);
    expect(JSON.stringify(alerts.map((a) => a.payload))).toContain('"field":"amount"');
    expect((await listPaymentEvents(t.db, res.body.id)).filter((e) => e.kind === 'integrity_mismatch')).toHaveLength(3);

    const genuine = { ...tampered, amount: { total: 1000, payer_total: 1000, currency: 'CNY' } };
    expect((await applyTransactionResult(gw.app.ctx, ref, genuine, 'query')).outcome).toBe('applied');
    expect((await applyTransactionResult(gw.app.ctx, { ...ref, outTradeNo: 'NOSUCHORDER1' }, genuine, 'query')).outcome).toBe('unknown_payment');
  });
});
