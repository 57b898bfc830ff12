import { afterAll, beforeAll, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { findPayment } from '../../src/db/payments.ts';
import type { Merchant } from '../../src/domain/merchant.ts';
import { describeEachDb } from '../helpers/db.ts';
import { currentWebhookSecret, createTestMerchant } from '../helpers/merchant.ts';
import {
  fakeWechat,
  pendingPayment,
  signedNotification,
  startReceiver,
  successTransaction,
  waitFor,
  type FakeWechat,
  type SignedNotification,
  type WebhookReceiver,
} from '../helpers/notify-fixtures.ts';

/**
 * The notification inbox end to end through the real app (HTTP route → verified + durable → 200 →
 * background applier → payments service → outbox → webhook worker → a merchant receiver on loopback),
 * acting as WeChat with our own keys. The effect lands after the answer, so tests wait for it.
 */
describeEachDb('WeChat notification inbox', (t) => {
  let app: App;
  let wx: FakeWechat;
  let merchant: Merchant;
  let receiver: WebhookReceiver;
  let webhookSecret: string;

  beforeAll(async () => {
    wx = fakeWechat();
    receiver = await startReceiver();
    app = await createApp(loadConfig({}, { port: 0 }), {
      logger: createLogger({ level: 'silent' }),
      database: t.handle,
      jobs: { supervise: false, schedule: false },
      workerOptions: { sweepIntervalMs: 60_000, pollingIntervalSeconds: 0.5 },
    });
    merchant = await createTestMerchant(t.db, {
      wechatpayPublicKeyPem: wx.publicKeyPem,
      wechatpayPublicKeyId: wx.publicKeyId,
      apiv3Key: wx.apiv3Key,
      webhookUrl: receiver.url,
    });
    webhookSecret = await currentWebhookSecret(t.db, merchant.id);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  const post = (n: SignedNotification, merchantId = merchant.id) =>
    app.server.inject({ method: 'POST', url: `/wechatpay/notify/${merchantId}`, headers: n.headers, payload: n.body });

  const inboxRows = (notificationBody: string) =>
    t.db.selectFrom('wechat_notifications').selectAll().where('raw_body', '=', notificationBody).execute();

  const outboxFor = (paymentId: string) =>
    t.db.selectFrom('outbox_events').selectAll().where('dedup_key', 'like', `%${paymentId}%`).execute();

  const webhooksFor = (paymentId: string) => receiver.received.filter((r) => r.body.includes(paymentId));

  /** The inbox rows of one notification body once none is still waiting for its effect. */
  const settledRows = (notificationBody: string, count = 1) =>
    waitFor(async () => {
      const rows = await inboxRows(notificationBody);
      return rows.length === count && rows.every((r) => r.status !== 'received' && r.status !== 'verified') ? rows : undefined;
    });

  it('applies a signed payment notification once durable, and the merchant receives one verifiable payment.succeeded', async () => {
    const p = await pendingPayment(t.db, merchant.id);
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    const res = await post(n);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ code: 'SUCCESS', message: '成功' });
    // Durable before the answer: the row is there, verified or already applied.
    expect((await inboxRows(n.body)).map((r) => r.status)).toEqual([expect.stringMatching(/^(verified|applied)$/)]);
    expect((await settledRows(n.body)).map((r) => r.status)).toEqual(['applied']);
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('succeeded');

    const [hook] = await waitFor(() => (webhooksFor(p.id).length > 0 ? webhooksFor(p.id) : undefined));
    const verified = new Webhook(webhookSecret).verify(hook!.body, {
      'webhook-id': String(hook!.headers['webhook-id']),
      'webhook-timestamp': String(hook!.headers['webhook-timestamp']),
      'webhook-signature': String(hook!.headers['webhook-signature']),
    }) as { type: string; data: { payment: { id: string; status: string; amount: number } } };
    expect(verified.type).toBe('payment.succeeded');
    expect(verified.data.payment).toMatchObject({ id: p.id, status: 'succeeded', amount: p.amount });
  });

  it('turns 50 concurrent copies of one notification into one transition, one outbox event and one webhook, each answered 200 within 5 s', async () => {
    const p = await pendingPayment(t.db, merchant.id);
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const t0 = Date.now();
        const r = await post(n);
        return { status: r.statusCode, ms: Date.now() - t0 };
      }),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(5_000);
    expect(Date.now() - started).toBeLessThan(5_000);

    // All 50 durable before their 200; then every one settles: one applied, the rest duplicates.
    expect(await inboxRows(n.body)).toHaveLength(50);
    const rows = await settledRows(n.body, 50);
    expect(rows.filter((r) => r.status === 'applied')).toHaveLength(1);
    expect(rows.filter((r) => r.status === 'duplicate')).toHaveLength(49);
    const transitions = await t.db.selectFrom('payment_events').select('kind').where('payment_id', '=', p.id).where('kind', '=', 'succeeded').execute();
    expect(transitions).toHaveLength(1);
    expect((await outboxFor(p.id)).map((e) => e.type)).toEqual(['payment.succeeded']);
    await waitFor(() => webhooksFor(p.id).length === 1);
    // Give a would-be second delivery time to show up.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(webhooksFor(p.id)).toHaveLength(1);
  });

  it('rejects probes, tampered bodies, unknown serials and stale timestamps with 401 FAIL, changing nothing', async () => {
    const p = await pendingPayment(t.db, merchant.id);
    const good = signedNotification(wx, { resource: successTransaction(merchant, p) });
    const probe = { ...good, headers: { ...good.headers, 'Wechatpay-Signature': `WECHATPAY/SIGNTEST/${good.headers['Wechatpay-Signature']}` } };
    const tampered = { ...good, body: good.body.replace('"summary":"支付成功"', '"summary":"支付成功 "') };
    const unknownSerial = signedNotification(wx, { resource: successTransaction(merchant, p), serial: 'PUB_KEY_ID_0000000000000000000000000000' });
    const stale = signedNotification(wx, { resource: successTransaction(merchant, p), timestampSec: Math.floor(Date.now() / 1000) - 300 });
    const cases = { probe, tampered, unknownSerial, stale };
    const reasons: Record<string, string | null> = {};
    for (const [name, n] of Object.entries(cases)) {
      const res = await post(n);
      expect(res.statusCode, name).toBe(401);
      expect(res.json()).toEqual({ code: 'FAIL', message: '失败' });
      const [row] = await inboxRows(n.body);
      expect(row?.status, name).toBe('rejected');
      expect(row?.notification_id, name).toBeNull();
      reasons[name] = row?.error ?? null;
    }
    expect(reasons).toEqual({
      probe: 'verification:signature_probe',
      tampered: 'verification:signature_mismatch',
      unknownSerial: 'verification:unknown_serial',
      stale: 'verification:timestamp_out_of_window',
    });
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('pending');
    expect(await outboxFor(p.id)).toEqual([]);
    // The unverifiable notifications made the merchant's pending payments due for an active query.
    const after = await findPayment(t.db, merchant.id, p.id);
    expect(after!.next_query_at!.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('acknowledges a validly signed notification whose amount differs, changes nothing and raises an integrity alert', async () => {
    const p = await pendingPayment(t.db, merchant.id, 5000);
    const n = signedNotification(wx, { resource: successTransaction(merchant, p, { amount: { total: 1, payer_total: 1, currency: 'CNY' } }) });
    const res = await post(n);
    expect(res.statusCode).toBe(200);
    const [row] = await settledRows(n.body);
    expect(row).toMatchObject({ status: 'applied', error: 'integrity_mismatch' });
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('pending');
    expect((await outboxFor(p.id)).map((e) => e.type)).toEqual(['payment.integrity_alert']);
  });

  it('answers 404 FAIL for an unknown merchant and stores nothing', async () => {
    const p = await pendingPayment(t.db, merchant.id);
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    expect((await post(n, 'mer_doesnotexist')).statusCode).toBe(404);
    expect((await post(n, '..%2F..%2Fetc')).statusCode).toBe(404);
    expect(await inboxRows(n.body)).toEqual([]);
  });

  it('stores and acknowledges an event type it does not act on', async () => {
    const n = signedNotification(wx, { eventType: 'RISKTRADE.IDENTIFICATION', resource: { mchid: merchant.mchid, note: 'x' }, originalType: 'risk' });
    const res = await post(n);
    expect(res.statusCode).toBe(200);
    const [row] = await settledRows(n.body);
    expect(row).toMatchObject({ status: 'applied', event_type: 'RISKTRADE.IDENTIFICATION' });
    expect(row?.error).toMatch(/unhandled event type/);
  });

  it('treats a resend after success as a duplicate (200, no second effect)', async () => {
    const p = await pendingPayment(t.db, merchant.id);
    const first = signedNotification(wx, { resource: successTransaction(merchant, p) });
    expect((await post(first)).statusCode).toBe(200);
    await settledRows(first.body);
    expect((await post(first)).statusCode).toBe(200);
    const rows = await settledRows(first.body, 2);
    expect(rows.map((r) => r.status).sort()).toEqual(['applied', 'duplicate']);
    expect(await outboxFor(p.id)).toHaveLength(1);
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('succeeded');
  });

  it('applies an out-of-order notification by the state machine: SUCCESS for an order already closed changes nothing, recorded as a conflict', async () => {
    // A notification for an order already closed locally (money moved where our books say it cannot):
    // acknowledged, no transition, no webhook, recorded as a state conflict on the timeline.
    const p = await pendingPayment(t.db, merchant.id);
    await t.db.updateTable('payments').set({ status: 'closed', next_query_at: null }).where('id', '=', p.id).execute();
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    expect((await post(n)).statusCode).toBe(200);
    const [row] = await settledRows(n.body);
    expect(row?.status).toBe('applied');
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('closed');
    expect(await outboxFor(p.id)).toEqual([]);
    const kinds = await t.db.selectFrom('payment_events').select('kind').where('payment_id', '=', p.id).execute();
    expect(kinds.map((k) => k.kind)).toContain('state_conflict');
  });
});
