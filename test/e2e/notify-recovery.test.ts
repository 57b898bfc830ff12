import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { findPayment } from '../../src/db/payments.ts';
import { insertReceivedNotification } from '../../src/db/wechat-notifications.ts';
import type { Merchant } from '../../src/domain/merchant.ts';
import { buildHttpServer } from '../../src/http/server.ts';
import { registerNotifyRoute } from '../../src/http/routes/notify.ts';
import type { NotificationEffects } from '../../src/services/notifications/effects.ts';
import { moneyEffects } from '../../src/services/notifications/money-effects.ts';
import { sweepOnce } from '../../src/workers/follow-up-sweep.ts';
import { describeEachDb } from '../helpers/db.ts';
import { createTestMerchant } from '../helpers/merchant.ts';
import { fakeWechat, pendingPayment, signedNotification, successTransaction, waitFor, type FakeWechat } from '../helpers/notify-fixtures.ts';

/**
 * The inbox's failure paths: rows left `received` by a crash are re-processed by the sweep (judged
 * at their receipt time); a slow database makes the route answer FAIL before WeChat's 5 s, and the
 * resend is then a duplicate; oversized bodies are refused; any content type is verified as raw bytes.
 */
describeEachDb('notification inbox recovery', (t) => {
  let app: App;
  let wx: FakeWechat;
  let merchant: Merchant;

  beforeAll(async () => {
    wx = fakeWechat();
    app = await createApp(loadConfig({}, { port: 0 }), {
      logger: createLogger({ level: 'silent' }),
      database: t.handle,
      jobs: { supervise: false, schedule: false },
      workerOptions: { sweepIntervalMs: 60_000, pollingIntervalSeconds: 0.5 },
    });
    merchant = await createTestMerchant(t.db, { wechatpayPublicKeyPem: wx.publicKeyPem, wechatpayPublicKeyId: wx.publicKeyId, apiv3Key: wx.apiv3Key });
  }, 60_000);

  afterAll(async () => app?.close());

  const statusOf = async (id: number) => (await t.db.selectFrom('wechat_notifications').select(['status', 'error']).where('id', '=', id).executeTakeFirst());

  it('re-processes a row a crash left `received`, judging its timestamp at receipt time, and rejects a stored forgery', async () => {
    const p = await pendingPayment(t.db, merchant.id);
    // Received 10 minutes ago with a then-fresh timestamp: stale now, valid when it arrived.
    const receivedAt = Date.now() - 10 * 60_000;
    const n = signedNotification(wx, { resource: successTransaction(merchant, p), timestampSec: Math.floor(receivedAt / 1000) });
    const headers = Object.fromEntries(Object.entries(n.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const good = await insertReceivedNotification(t.db, { merchantId: merchant.id, rawHeaders: headers, rawBody: n.body, receivedAt: new Date(receivedAt) });
    const forged = await insertReceivedNotification(t.db, {
      merchantId: merchant.id,
      rawHeaders: headers,
      rawBody: n.body.replace('"summary":"支付成功"', '"summary":"x"'),
      receivedAt: new Date(receivedAt),
    });
    const swept = await sweepOnce(app.ctx, { stuckNotificationAfterMs: 60_000 });
    expect(swept.notifications).toBeGreaterThanOrEqual(2);
    await waitFor(async () => (await statusOf(good))?.status === 'applied');
    expect(await statusOf(forged)).toEqual({ status: 'rejected', error: 'verification:signature_mismatch' });
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('succeeded');
    // Claimed rows are not claimed again by the next sweep.
    expect((await sweepOnce(app.ctx, { stuckNotificationAfterMs: 60_000 })).notifications).toBe(0);
  });

  it('answers FAIL before the deadline when the effect is slow; the late commit makes the resend a duplicate', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // Effects that wait on a gate stand in for a database stuck behind a lock.
    const slow: NotificationEffects = {
      applyTransaction: async (ctx, trx, merchantId, tx) => {
        await gate;
        return moneyEffects.applyTransaction(ctx, trx, merchantId, tx);
      },
      applyRefund: (ctx, trx, merchantId, r) => moneyEffects.applyRefund(ctx, trx, merchantId, r),
    };
    const server = buildHttpServer({ logger: createLogger({ level: 'silent' }), live: false });
    registerNotifyRoute(server, app.ctx, { effects: slow, deadlineMs: 300 });
    await server.ready();
    const p = await pendingPayment(t.db, merchant.id);
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    const t0 = Date.now();
    const res = await server.inject({ method: 'POST', url: `/wechatpay/notify/${merchant.id}`, headers: n.headers, payload: n.body });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ code: 'FAIL', message: '失败' });
    release();
    await waitFor(async () => (await findPayment(t.db, merchant.id, p.id))?.status === 'succeeded');
    const again = await server.inject({ method: 'POST', url: `/wechatpay/notify/${merchant.id}`, headers: n.headers, payload: n.body });
    expect(again.statusCode).toBe(200);
    const rows = await t.db.selectFrom('wechat_notifications').select('status').where('raw_body', '=', n.body).execute();
    expect(rows.map((r) => r.status).sort()).toEqual(['applied', 'duplicate']);
    await server.close();
  });

  it('rolls back a deferred effect: FAIL so WeChat resends, the row stays received with the reason, the payment is queried soon', async () => {
    const p = await pendingPayment(t.db, merchant.id);
    const deferring: NotificationEffects = {
      applyTransaction: async () => ({ kind: 'deferred', reason: 'waiting for the payment', queryPaymentId: p.id }),
      applyRefund: async () => ({ kind: 'deferred', reason: 'unused' }),
    };
    const server = buildHttpServer({ logger: createLogger({ level: 'silent' }), live: false });
    registerNotifyRoute(server, app.ctx, { effects: deferring });
    await server.ready();
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    const res = await server.inject({ method: 'POST', url: `/wechatpay/notify/${merchant.id}`, headers: n.headers, payload: n.body });
    expect(res.statusCode).toBe(503);
    const [row] = await t.db.selectFrom('wechat_notifications').selectAll().where('raw_body', '=', n.body).execute();
    expect(row).toMatchObject({ status: 'received', notification_id: null, error: 'deferred: waiting for the payment' });
    const after = await findPayment(t.db, merchant.id, p.id);
    expect(after?.status).toBe('pending');
    expect(after!.next_query_at!.getTime()).toBeLessThanOrEqual(Date.now());
    await server.close();
  });

  it('refuses a body over 64 KB with FAIL, and verifies a non-JSON content type as raw bytes', async () => {
    const big = await app.server.inject({
      method: 'POST',
      url: `/wechatpay/notify/${merchant.id}`,
      headers: { 'content-type': 'application/json' },
      payload: 'x'.repeat(65 * 1024),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ code: 'FAIL', message: '失败' });

    const p = await pendingPayment(t.db, merchant.id);
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    const res = await app.server.inject({
      method: 'POST',
      url: `/wechatpay/notify/${merchant.id}`,
      headers: { ...n.headers, 'Content-Type': 'text/plain; charset=utf-8' },
      payload: n.body,
    });
    expect(res.statusCode).toBe(200);
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('succeeded');
  });
});
