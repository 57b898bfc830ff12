import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { sql } from 'kysely';
import { findPayment } from '../../src/db/payments.ts';
import { insertReceivedNotification } from '../../src/db/wechat-notifications.ts';
import type { Merchant } from '../../src/domain/merchant.ts';
import { buildHttpServer } from '../../src/http/server.ts';
import { registerNotifyRoute } from '../../src/http/routes/notify.ts';
import type { NotificationEffects } from '../../src/services/notifications/effects.ts';
import { moneyEffects } from '../../src/services/notifications/money-effects.ts';
import { reprocessNotification } from '../../src/services/notifications/reprocess-notification.ts';
import { sweepOnce } from '../../src/workers/follow-up-sweep.ts';
import { describeEachDb } from '../helpers/db.ts';
import { createTestMerchant } from '../helpers/merchant.ts';
import { fakeWechat, pendingPayment, signedNotification, successTransaction, waitFor, type FakeWechat } from '../helpers/notify-fixtures.ts';

/**
 * The inbox's failure paths: rows a crash left `received` or `verified` (answered 200, effect not yet
 * applied) are re-processed by the sweep exactly once (judged at their receipt time); a slow database
 * makes the route answer FAIL before WeChat's 5 s, and the resend is then a duplicate; a failed batch
 * insert answers FAIL and stores nothing; a deferred effect is retried by the inbox itself with
 * backoff until it applies; oversized bodies are refused; any content type is verified as raw bytes.
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
  const rowsOf = (body: string) => t.db.selectFrom('wechat_notifications').selectAll().where('raw_body', '=', body).orderBy('id').execute();
  const successes = async (paymentId: string) =>
    (await t.db.selectFrom('payment_events').select('kind').where('payment_id', '=', paymentId).where('kind', '=', 'succeeded').execute()).length;
  const outboxTypes = async (paymentId: string) =>
    (await t.db.selectFrom('outbox_events').select('type').where('dedup_key', 'like', `%${paymentId}%`).execute()).map((e) => e.type);
  /** A notify route of its own (custom effects, deadline or inbox tuning) on the app's services. */
  const customRoute = async (opts: Partial<Parameters<typeof registerNotifyRoute>[2]>) => {
    const server = buildHttpServer({ logger: createLogger({ level: 'silent' }), live: false });
    const inbox = registerNotifyRoute(server, app.ctx, { effects: moneyEffects, ...opts });
    await server.ready();
    const post = (n: { headers: Record<string, string>; body: string }) =>
      server.inject({ method: 'POST', url: `/wechatpay/notify/${merchant.id}`, headers: n.headers, payload: n.body });
    return { server, inbox, post };
  };

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
    const swept = await sweepOnce(app.ctx);
    expect(swept.notifications).toBeGreaterThanOrEqual(2);
    await waitFor(async () => (await statusOf(good))?.status === 'applied');
    expect(await statusOf(forged)).toEqual({ status: 'rejected', error: 'verification:signature_mismatch' });
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('succeeded');
    // Claimed rows are not claimed again by the next sweep.
    expect((await sweepOnce(app.ctx)).notifications).toBe(0);
  });

  it('applies exactly once, through the sweep, a notification answered 200 whose process died before applying it', async () => {
    // maxQueued 0: the route stores the row and answers, but its applier keeps nothing — exactly what a
    // crash right after the durable insert leaves behind (a `verified` row, no effect).
    const crashed = await customRoute({ inbox: { maxQueued: 0, verifiedGraceMs: 200 } });
    const p = await pendingPayment(t.db, merchant.id);
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    const res = await crashed.post(n);
    expect(res.statusCode).toBe(200);
    await crashed.server.close();
    const [row] = await rowsOf(n.body);
    expect(row).toMatchObject({ status: 'verified', event_type: 'TRANSACTION.SUCCESS', notification_id: null });
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('pending');
    expect(await successes(p.id)).toBe(0);

    // Not before its grace period (the live applier's turn), then once.
    await new Promise((r) => setTimeout(r, 250));
    expect((await sweepOnce(app.ctx)).notifications).toBeGreaterThanOrEqual(1);
    await waitFor(async () => (await statusOf(row!.id))?.status === 'applied');
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('succeeded');
    // A second re-process of the same row (a job retried, two workers racing) changes nothing more.
    expect(await Promise.all([reprocessNotification(app.ctx, moneyEffects, row!.id), reprocessNotification(app.ctx, moneyEffects, row!.id)])).toEqual([
      { outcome: 'settled' },
      { outcome: 'settled' },
    ]);
    expect((await sweepOnce(app.ctx)).notifications).toBe(0);
    expect(await successes(p.id)).toBe(1);
    expect(await outboxTypes(p.id)).toEqual(['payment.succeeded']);
  });

  it('two workers re-processing the same verified row at once: one effect, the other changes nothing', async () => {
    const crashed = await customRoute({ inbox: { maxQueued: 0 } });
    const p = await pendingPayment(t.db, merchant.id);
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    expect((await crashed.post(n)).statusCode).toBe(200);
    await crashed.server.close();
    const [row] = await rowsOf(n.body);
    const results = await Promise.all([reprocessNotification(app.ctx, moneyEffects, row!.id), reprocessNotification(app.ctx, moneyEffects, row!.id)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['applied', 'settled']);
    expect(await successes(p.id)).toBe(1);
    expect(await outboxTypes(p.id)).toEqual(['payment.succeeded']);
    expect((await statusOf(row!.id))?.status).toBe('applied');
  });

  it('answers FAIL when the batch insert fails, and stores nothing of that batch; the resend then applies', async () => {
    const p = await pendingPayment(t.db, merchant.id);
    const poisoned = signedNotification(wx, { id: `poison-${p.id}`, resource: successTransaction(merchant, p) });
    const others = await Promise.all([1, 2].map(async () => {
      const q = await pendingPayment(t.db, merchant.id);
      return { q, n: signedNotification(wx, { resource: successTransaction(merchant, q) }) };
    }));
    // Any row whose body names a poisoned id now fails its INSERT — and with it, the whole statement.
    await sql`ALTER TABLE wechat_notifications ADD CONSTRAINT test_no_poison CHECK (raw_body NOT LIKE '%poison-%') NOT VALID`.execute(t.db);
    let answers: number[];
    try {
      const alone = await app.server.inject({ method: 'POST', url: `/wechatpay/notify/${merchant.id}`, headers: poisoned.headers, payload: poisoned.body });
      expect(alone.statusCode).toBe(503);
      expect(alone.json()).toEqual({ code: 'FAIL', message: '失败' });
      // Sent together, they may share the poisoned batch: whoever did is answered FAIL, and nothing of it is stored.
      answers = await Promise.all(
        [poisoned, ...others.map((o) => o.n)].map(async (n) => (await app.server.inject({ method: 'POST', url: `/wechatpay/notify/${merchant.id}`, headers: n.headers, payload: n.body })).statusCode),
      );
    } finally {
      await sql`ALTER TABLE wechat_notifications DROP CONSTRAINT test_no_poison`.execute(t.db);
    }
    expect(answers[0]).toBe(503);
    expect(await rowsOf(poisoned.body)).toEqual([]);
    for (const [i, o] of others.entries()) {
      const rows = await rowsOf(o.n.body);
      if (answers[i + 1] === 200) expect(rows).toHaveLength(1);
      else {
        expect(answers[i + 1]).toBe(503);
        expect(rows).toEqual([]);
      }
    }
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('pending');
    expect(await outboxTypes(p.id)).toEqual([]);
    // WeChat resends: now it is stored and applied.
    const again = await app.server.inject({ method: 'POST', url: `/wechatpay/notify/${merchant.id}`, headers: poisoned.headers, payload: poisoned.body });
    expect(again.statusCode).toBe(200);
    await waitFor(async () => (await findPayment(t.db, merchant.id, p.id))?.status === 'succeeded');
    expect((await rowsOf(poisoned.body)).map((r) => r.status)).toEqual(['applied']);
  });

  it('sheds load beyond the insert queue: FAIL at once, nothing stored, nothing applied', async () => {
    const full = await customRoute({ inbox: { maxWaiting: 0 } });
    const p = await pendingPayment(t.db, merchant.id);
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    const res = await full.post(n);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ code: 'FAIL', message: '失败' });
    await full.server.close();
    expect(await rowsOf(n.body)).toEqual([]);
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('pending');
  });

  it('answers FAIL before the deadline when the database is slow; the late insert is applied and the resend is a duplicate', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = await customRoute({ deadlineMs: 300 });
    const p = await pendingPayment(t.db, merchant.id);
    await app.ctx.wechat.forMerchant(merchant.id); // the parser is cached: only the INSERT waits
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    // A transaction holding a lock that blocks INSERTs stands in for a database stuck behind a lock
    // (on PGlite, holding the one connection has the same effect).
    let locked: () => void = () => undefined;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const holder = t.db.transaction().execute(async (trx) => {
      await sql`LOCK TABLE wechat_notifications IN SHARE MODE`.execute(trx);
      locked();
      await gate;
    });
    await isLocked;
    const t0 = Date.now();
    const res = await slow.post(n);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ code: 'FAIL', message: '失败' });
    release();
    await holder;
    await waitFor(async () => (await findPayment(t.db, merchant.id, p.id))?.status === 'succeeded');
    const again = await slow.post(n);
    expect(again.statusCode).toBe(200);
    await waitFor(async () => {
      const rows = await rowsOf(n.body);
      return rows.length === 2 && rows.map((r) => r.status).sort().join() === 'applied,duplicate';
    });
    expect(await successes(p.id)).toBe(1);
    await slow.server.close();
  });

  it('retries a deferred effect itself, with backoff, until it applies (WeChat was already answered 200)', async () => {
    const p = await pendingPayment(t.db, merchant.id);
    const deferring: NotificationEffects = {
      applyTransaction: async () => ({ kind: 'deferred', reason: 'waiting for the payment', queryPaymentId: p.id }),
      applyRefund: async () => ({ kind: 'deferred', reason: 'unused' }),
    };
    const route = await customRoute({ effects: deferring });
    const n = signedNotification(wx, { resource: successTransaction(merchant, p) });
    const res = await route.post(n);
    expect(res.statusCode).toBe(200);
    await route.inbox.idle();
    await route.server.close();
    const [row] = await rowsOf(n.body);
    expect(row).toMatchObject({ status: 'verified', notification_id: null, error: 'deferred: waiting for the payment', deferrals: 1 });
    const firstDelay = row!.next_attempt_at!.getTime() - Date.now();
    expect(firstDelay).toBeGreaterThan(3_000);
    expect(firstDelay).toBeLessThanOrEqual(5_000);
    // Nothing changed, and the payment is made due for a query meanwhile.
    const after = await findPayment(t.db, merchant.id, p.id);
    expect(after?.status).toBe('pending');
    expect(after!.next_query_at!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await outboxTypes(p.id)).toEqual([]);

    // Not due yet: the sweep leaves it alone.
    const claimedNow = await t.db.selectFrom('wechat_notifications').select('id').where('id', '=', row!.id).where('next_attempt_at', '<=', new Date()).execute();
    expect(claimedNow).toEqual([]);
    // Still deferred on the next attempt: backed off further.
    const second = await reprocessNotification(app.ctx, deferring, row!.id);
    expect(second).toMatchObject({ outcome: 'deferred', reason: 'waiting for the payment' });
    const [row2] = await rowsOf(n.body);
    expect(row2).toMatchObject({ status: 'verified', deferrals: 2 });
    expect(row2!.next_attempt_at!.getTime() - Date.now()).toBeGreaterThan(8_000);

    // When it comes due, the sweep hands it to the re-process job, whose effect now applies.
    const later = { ...app.ctx, clock: { now: () => Date.now() + 11_000 } };
    expect((await sweepOnce(later)).notifications).toBeGreaterThanOrEqual(1);
    await waitFor(async () => (await statusOf(row!.id))?.status === 'applied', 15_000);
    expect((await findPayment(t.db, merchant.id, p.id))?.status).toBe('succeeded');
    expect(await outboxTypes(p.id)).toEqual(['payment.succeeded']);
    expect(await successes(p.id)).toBe(1);
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
    await waitFor(async () => (await findPayment(t.db, merchant.id, p.id))?.status === 'succeeded');
  });
});
