import { afterAll, beforeAll, expect, it } from 'vitest';
import { setWebhookUrl } from '../../src/db/webhook-endpoints.ts';
import { findPayment } from '../../src/db/payments.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { signedNotification, startReceiver, waitFor, type WebhookReceiver } from '../helpers/notify-fixtures.ts';

/**
 * Notifications from the simulator into the gateway, with its faults: duplicated and probe
 * notifications, dropped ones (healed by the payment and refund query jobs), expiry (closed at WeChat
 * and locally), and a payment notification arriving after its refund's. The app's clock runs ahead
 * on demand (well inside WeChat's ±300 s window) so the follow-up schedule comes due without waiting.
 */
const body = (over: Record<string, unknown> = {}) => ({ amount: 1234, description: 'Tea 茶', payer_client_ip: '36.112.10.8', ...over });

describeEachDb('notifications from the simulator', (t) => {
  let gw: Gateway;
  let receiver: WebhookReceiver;
  const ahead = { ms: 0 };

  beforeAll(async () => {
    receiver = await startReceiver();
    gw = await startGateway({
      database: t.handle,
      clock: { now: () => Date.now() + ahead.ms },
      overrides: {
        workerOptions: {
          sweepIntervalMs: 150,
          pollingIntervalSeconds: 0.5,
          sweep: { paymentQueryIntervalsMs: [400], refundQueryIntervalsMs: [400] },
        },
      },
    });
    await setWebhookUrl(t.db, gw.merchant.id, receiver.url, new Date());
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await receiver?.close();
  });

  const hooks = (id: string, type: string) => receiver.received.filter((r) => r.body.includes(id) && JSON.parse(r.body).type === type);
  const create = async (over: Record<string, unknown> = {}) => {
    const r = await gw.api('POST', '/v1/payments', { body: body(over), idempotencyKey: `k-${Math.random()}` });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { id: string; out_trade_no: string; amount: number };
  };
  /** Which path applied a transition: 'notification' or 'query' (from the payment timeline). */
  const sourceOf = async (paymentId: string, kind: string) => {
    const row = await t.db.selectFrom('payment_events').select('data').where('payment_id', '=', paymentId).where('kind', '=', kind).executeTakeFirst();
    return (row?.data as { source?: string } | undefined)?.source;
  };
  const status = async (id: string) => (await findPayment(t.db, gw.merchant.id, id))?.status;

  it('pays with duplicated and probe notifications: probes rejected, one transition, one payment.succeeded webhook', async () => {
    await gw.setFaults({ notifications: { duplicate: true, signature_probe: true } });
    try {
      const p = await create();
      expect((await gw.simPay(p.out_trade_no)).status).toBe(200);
      await waitFor(async () => (await status(p.id)) === 'succeeded');
      await waitFor(() => hooks(p.id, 'payment.succeeded').length === 1);
      const mine = await waitFor(async () => {
        const log = (await gw.sim2('GET', '/sim/notifications')).body.data as Array<{ out_trade_no: string; kind: string; status: number }>;
        const l = log.filter((n) => n.out_trade_no === p.out_trade_no);
        return l.length >= 3 ? l : undefined;
      });
      expect(mine.filter((n) => n.kind === 'probe').every((n) => n.status === 401)).toBe(true);
      // Every copy settles (answered 200 once durable, applied in the background): one applied, no other effect.
      const rows = await waitFor(async () => {
        const r = await t.db.selectFrom('wechat_notifications').select(['status', 'error']).where('merchant_id', '=', gw.merchant.id).execute();
        return r.every((x) => x.status !== 'received' && x.status !== 'verified') ? r : undefined;
      });
      expect(rows.filter((r) => r.status === 'applied')).toHaveLength(1);
      expect(rows.filter((r) => r.status === 'duplicate').length).toBeGreaterThanOrEqual(1);
      expect(rows.filter((r) => r.status === 'rejected' && r.error === 'verification:signature_probe').length).toBeGreaterThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(hooks(p.id, 'payment.succeeded')).toHaveLength(1);
    } finally {
      await gw.clearFaults();
    }
  });

  it('heals a dropped payment notification with the query job', async () => {
    await gw.setFaults({ notifications: { drop: 1 } });
    const p = await create();
    expect((await gw.simPay(p.out_trade_no)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(await status(p.id)).toBe('pending');
    ahead.ms += 20_000; // past the first query delay (15 s after creation)
    await waitFor(async () => (await status(p.id)) === 'succeeded');
    await waitFor(() => hooks(p.id, 'payment.succeeded').length === 1);
    expect(await sourceOf(p.id, 'succeeded')).toBe('query');
    await gw.clearFaults();
  });

  it('closes an expired payment at WeChat and locally, and the payer can no longer pay it', async () => {
    const p = await create({ expires_in_seconds: 60 });
    ahead.ms += 65_000;
    await waitFor(async () => (await status(p.id)) === 'closed');
    await waitFor(() => hooks(p.id, 'payment.closed').length === 1);
    const orders = (await gw.sim2('GET', '/sim/orders')).body.data as Array<{ out_trade_no: string; trade_state: string }>;
    expect(orders.find((o) => o.out_trade_no === p.out_trade_no)?.trade_state).toBe('CLOSED');
    expect((await gw.simPay(p.out_trade_no)).status).toBeGreaterThanOrEqual(400);
  });

  it('follows a refund whose notification was dropped, and shrugs off the payment notification arriving after it', async () => {
    const p = await create();
    await gw.simPay(p.out_trade_no);
    await waitFor(async () => (await status(p.id)) === 'succeeded');
    await gw.setFaults({ notifications: { drop: 1 } });
    const r = await gw.api('POST', `/v1/payments/${p.id}/refunds`, { body: { amount: p.amount }, idempotencyKey: `r-${p.id}` });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await new Promise((res) => setTimeout(res, 500));
    await gw.clearFaults();
    ahead.ms += 65_000; // past the first refund query delay (60 s)
    await waitFor(async () => (await status(p.id)) === 'refunded');
    await waitFor(() => hooks(r.body.id, 'refund.succeeded').length === 1);
    expect(await sourceOf(p.id, 'refund_succeeded')).toBe('query');

    // A late copy of the payment's own notification (WeChat resends for 24 h), signed as WeChat would.
    const orders = (await gw.sim2('GET', '/sim/orders')).body.data as Array<Record<string, unknown>>;
    const order = orders.find((o) => o.out_trade_no === p.out_trade_no)!;
    const late = signedNotification(
      { privateKey: gw.sim.merchant.wechatpayPrivateKey, publicKeyPem: '', publicKeyId: gw.sim.sandbox.wechatpay_public_key_id, apiv3Key: gw.sim.sandbox.apiv3_key },
      { resource: { ...order, trade_state: 'SUCCESS', trade_state_desc: '支付成功' }, timestampSec: Math.floor((Date.now() + ahead.ms) / 1000) },
    );
    const res = await fetch(`${gw.baseUrl}/wechatpay/notify/${gw.merchant.id}`, { method: 'POST', headers: late.headers, body: late.body });
    expect(res.status).toBe(200);
    // Wait for the late copy's effect to be settled before judging that it changed nothing.
    const [lateRow] = await waitFor(async () => {
      const r = await t.db.selectFrom('wechat_notifications').select(['status', 'error']).where('raw_body', '=', late.body).execute();
      return r.length === 1 && r[0]!.status !== 'verified' ? r : undefined;
    });
    expect(lateRow?.status).toMatch(/^(applied|duplicate)$/);
    expect(await status(p.id)).toBe('refunded');
    const events = await t.db.selectFrom('outbox_events').select('type').where('dedup_key', 'like', `%${p.id}%`).execute();
    expect(events.map((e) => e.type).sort()).toEqual(['payment.succeeded']);
  });
});
