import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db.ts';
import { freshPayerIp, startGateway, type Gateway } from '../helpers/gateway.ts';
import { createPaymentTestHooks } from '../../src/services/payments/create-payment.ts';

// One payer IP per test (set in beforeEach): replays within a test send identical bodies, and the
// default IP-burst risk rule never sees the whole file as one payer.
let payerIp = freshPayerIp();
const body = (over: Record<string, unknown> = {}) => ({ amount: 2000, description: 'Idempotent order', payer_client_ip: payerIp, ...over });

describeEachDb('payment creation: idempotency, re-entry and WeChat faults', (t) => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, workers: false, wechatpayTimeoutMs: 600 });
  });
  afterAll(async () => gw?.close());
  beforeEach(() => {
    payerIp = freshPayerIp();
  });
  afterEach(async () => {
    delete createPaymentTestHooks.afterWechatCall;
    delete createPaymentTestHooks.insideReservation;
    await gw.clearFaults();
  });

  const simOrders = async (outTradeNo: string) => {
    const all = (await gw.sim2('GET', '/sim/orders')).body.data as Array<{ out_trade_no: string }>;
    return all.filter((o) => o.out_trade_no === outTradeNo);
  };

  it('requires an Idempotency-Key and replays the stored response for the same key and body', async () => {
    const missing = await gw.api('POST', '/v1/payments', { body: body() });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('idempotency_key_required');

    const first = await gw.api('POST', '/v1/payments', { body: body(), idempotencyKey: 'idem-replay' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const second = await gw.api('POST', '/v1/payments', { body: { payer_client_ip: payerIp, description: 'Idempotent order', amount: 2000 }, idempotencyKey: 'idem-replay' });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
  });

  it('refuses the same key with another body (422) and scopes keys per merchant', async () => {
    await gw.api('POST', '/v1/payments', { body: body({ amount: 10 }), idempotencyKey: 'idem-mismatch' });
    const other = await gw.api('POST', '/v1/payments', { body: body({ amount: 11 }), idempotencyKey: 'idem-mismatch' });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_mismatch');
  });

  it('stores refusals too: a replayed bad redirect_url gives the same 400', async () => {
    const b = body({ redirect_url: 'https://evil.example.net/x' });
    const a = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-err' });
    expect(a.status).toBe(400);
    expect(a.body.error.code).toBe('redirect_url_not_allowed');
    const r = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-err' });
    expect(r.status).toBe(400);
    expect(r.headers.get('idempotent-replayed')).toBe('true');
  });

  it('20 concurrent identical requests make one payment and one WeChat order; the rest get 409 or the replay', async () => {
    const b = body({ amount: 4321, out_trade_no: 'CONCURRENT20X' });
    const results = await Promise.all(Array.from({ length: 20 }, () => gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-20' })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('idempotency_key_in_use');
    const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const rows = await t.db.selectFrom('payments').select('id').where('out_trade_no', '=', 'CONCURRENT20X').execute();
    expect(rows).toHaveLength(1);
    expect(await simOrders('CONCURRENT20X')).toHaveLength(1);
  });

  it('an identical request with a new key re-enters the same order; other parameters are a 409 conflict', async () => {
    const b = body({ out_trade_no: 'REENTRY00001' });
    const a = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'reentry-a' });
    const again = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'reentry-b' });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(a.body.id);
    const clash = await gw.api('POST', '/v1/payments', { body: { ...b, amount: 1 }, idempotencyKey: 'reentry-c' });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('out_trade_no_conflict');
  });

  it('the claim, the risk decision and the reservation commit together: a failure between them leaves nothing, and the retry runs afresh', async () => {
    const count = async (table: 'payments' | 'risk_decisions') =>
      Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('merchant_id', '=', gw.merchant.id).executeTakeFirstOrThrow()).n);
    const keyRow = () => t.db.selectFrom('idempotency_keys').selectAll().where('merchant_id', '=', gw.merchant.id).where('key', '=', 'idem-reserve-fail').executeTakeFirst();
    const [payments0, decisions0] = [await count('payments'), await count('risk_decisions')];
    createPaymentTestHooks.insideReservation = () => {
      throw new Error('simulated failure inside the reservation transaction');
    };
    const b = body({ amount: 1234 });
    const failed = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-reserve-fail' });
    expect(failed.status).toBe(500);
    expect(await keyRow()).toBeUndefined();
    expect([await count('payments'), await count('risk_decisions')]).toEqual([payments0, decisions0]);
    delete createPaymentTestHooks.insideReservation;

    const ok = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-reserve-fail' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
    expect([await count('payments'), await count('risk_decisions')]).toEqual([payments0 + 1, decisions0 + 1]);
    // The response was stored in the statement that recorded WeChat's answer, and is the one replayed.
    const stored = await keyRow();
    expect(stored).toMatchObject({ state: 'completed', response_status: 201, resource_id: ok.body.id, locked_at: null });
    expect(stored!.response_body).toEqual(ok.body);
    const replay = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-reserve-fail' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(ok.body);
  });

  it('replays, 409s and 422s stop before risk control: they are not counted as attempts of the payer', async () => {
    const first = await gw.api('POST', '/v1/payments', { body: body({ amount: 777 }), idempotencyKey: 'idem-risk-count' });
    expect(first.status).toBe(201);
    for (let i = 0; i < 6; i++) {
      const replay = await gw.api('POST', '/v1/payments', { body: body({ amount: 777 }), idempotencyKey: 'idem-risk-count' });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      const other = await gw.api('POST', '/v1/payments', { body: body({ amount: 778 + i }), idempotencyKey: 'idem-risk-count' });
      expect(other.status).toBe(422);
    }
    // Twelve more requests from this payer IP, none an attempt: the IP-burst rule (5 a minute) stays quiet.
    const next = await gw.api('POST', '/v1/payments', { body: body({ amount: 779 }), idempotencyKey: 'idem-risk-count-2' });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect(next.body.risk).toEqual({ status: 'clear' });
  });

  it('a refusal before the claim (invalid input) is stored in one statement: same body replays it, another body is a 422', async () => {
    const bad = body({ amount: -5 });
    const a = await gw.api('POST', '/v1/payments', { body: bad, idempotencyKey: 'idem-invalid' });
    expect(a.status).toBe(400);
    expect(a.body.error.code).toBe('invalid_request');
    const again = await gw.api('POST', '/v1/payments', { body: bad, idempotencyKey: 'idem-invalid' });
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await gw.api('POST', '/v1/payments', { body: body({ amount: 5 }), idempotencyKey: 'idem-invalid' });
    expect(other.status).toBe(422);
  });

  it('a crash between the WeChat call and the record is healed by retrying the same request', async () => {
    createPaymentTestHooks.afterWechatCall = () => {
      throw new Error('simulated crash after WeChat answered');
    };
    const b = body({ amount: 999 });
    const crashed = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-crash' });
    expect(crashed.status).toBe(500);
    const reserved = await t.db.selectFrom('payments').selectAll().where('amount', '=', 999).execute();
    expect(reserved).toHaveLength(1);
    expect(reserved[0]!.status).toBe('created');
    delete createPaymentTestHooks.afterWechatCall;

    const healed = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-crash' });
    expect(healed.status, JSON.stringify(healed.body)).toBe(201);
    expect(healed.body).toMatchObject({ id: reserved[0]!.id, status: 'pending', out_trade_no: reserved[0]!.out_trade_no });
    expect(await simOrders(reserved[0]!.out_trade_no)).toHaveLength(1);
  });

  it('WeChat 5xx once is retried transparently; persistent 5xx gives 503 and leaves the payment created until re-entry heals it', async () => {
    await gw.setFaults({ rules: [{ path: '/v3/pay/transactions/h5', method: 'POST', error: { status: 500, code: 'SYSTEM_ERROR' }, times: 1 }] });
    const once = await gw.api('POST', '/v1/payments', { body: body({ amount: 501 }), idempotencyKey: 'idem-5xx-once' });
    expect(once.status).toBe(201);

    await gw.setFaults({ rules: [{ path: '/v3/pay/transactions/h5', method: 'POST', error: { status: 500, code: 'SYSTEM_ERROR' }, times: 3 }] });
    const b = body({ amount: 502 });
    const down = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-5xx' });
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('wechat_unavailable');
    const row = await t.db.selectFrom('payments').selectAll().where('id', '=', down.body.error.details.payment_id).executeTakeFirstOrThrow();
    expect(row.status).toBe('created');

    await gw.clearFaults();
    const healed = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-5xx' });
    expect(healed.status).toBe(201);
    expect(healed.body).toMatchObject({ id: row.id, status: 'pending' });
  });

  it('a WeChat timeout leaves the payment created (outcome unknown) and an identical retry heals it with one order', async () => {
    await gw.setFaults({ rules: [{ path: '/v3/pay/transactions/h5', method: 'POST', latency_ms: 1500, times: 3 }] });
    const b = body({ amount: 503 });
    const slow = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-timeout' });
    expect(slow.status).toBe(503);
    const id = slow.body.error.details.payment_id as string;
    expect((await t.db.selectFrom('payments').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('created');
    await gw.clearFaults();
    const healed = await gw.api('POST', '/v1/payments', { body: b, idempotencyKey: 'idem-timeout' });
    expect(healed.status).toBe(201);
    expect(healed.body).toMatchObject({ id, status: 'pending' });
    expect(await simOrders(healed.body.out_trade_no)).toHaveLength(1);
  });

  it('a definitive WeChat refusal marks the payment failed and maps the code (PARAM_ERROR keeps detail.field)', async () => {
    await gw.setFaults({ rules: [{ path: '/v3/pay/transactions/h5', method: 'POST', error: { status: 400, code: 'PARAM_ERROR' }, times: 1 }] });
    const res = await gw.api('POST', '/v1/payments', { body: body({ amount: 504 }), idempotencyKey: 'idem-param' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('wechat_param_error');
    const row = await t.db.selectFrom('payments').select('status').where('id', '=', res.body.error.details.payment_id).executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');

    await gw.setFaults({ rules: [{ path: '/v3/pay/transactions/h5', method: 'POST', error: { status: 429, code: 'FREQUENCY_LIMITED' }, times: 3 }] });
    const limited = await gw.api('POST', '/v1/payments', { body: body({ amount: 505 }), idempotencyKey: 'idem-429' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('wechat_rate_limited');
  });
});
