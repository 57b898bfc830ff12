import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { upsertMonitor } from '../../src/db/alerts-monitors.ts';
import type { MonitorKind } from '../../src/db/alerts-tables.ts';
import { listAlerts } from '../../src/db/alerts.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { newId } from '../../src/lib/ids.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

/**
 * The monitors the first alerts suite does not cover — paid volume, payments per merchant,
 * notification failures, webhook failures, refund count and refund amount — each on crafted rows of
 * its own merchant: quiet one step below its threshold, firing at it.
 */
describeEachDb('monitors: volume, frequency, failures and refund spikes', (t) => {
  const clock = fixedClock(Date.parse('2031-03-01T08:00:00Z'));
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, clock, overrides: { monitors: { autoStart: false } } });
  }, 60_000);
  afterAll(async () => gw?.close());

  const now = () => new Date(clock.now());
  async function merchantWith(kind: MonitorKind, threshold: number): Promise<string> {
    const { merchant } = await gw.otherMerchant();
    await upsertMonitor(t.db, { id: newId('mon'), merchantId: merchant.id, kind, threshold, windowSeconds: 600, minVolume: 0, severity: 'warning', enabled: true, autoResolve: true, now: now() });
    return merchant.id;
  }
  async function firing(merchantId: string, kind: MonitorKind) {
    await gw.app.monitors!.tickNow();
    return (await listAlerts(t.db, { merchantId, source: `monitor.${kind}`, limit: 10 })).filter((a) => a.status === 'open');
  }
  async function payment(merchantId: string, amount: number, opts: { paid?: boolean; at?: Date } = {}): Promise<string> {
    const at = opts.at ?? now();
    const id = newId('pay');
    await t.db
      .insertInto('payments')
      .values({
        id, merchant_id: merchantId, out_trade_no: newId('o'), amount, description: 'monitor test', status: opts.paid ? 'succeeded' : 'created',
        payer_client_ip: '203.0.113.50', expires_at: new Date(at.getTime() + 3600_000), created_at: at, updated_at: at,
        ...(opts.paid ? { paid_at: at, transaction_id: newId('tx') } : {}),
      })
      .execute();
    return id;
  }
  async function refund(merchantId: string, amount: number): Promise<void> {
    const paymentId = await payment(merchantId, amount, { paid: true });
    await sql`INSERT INTO refunds (id, payment_id, merchant_id, out_refund_no, amount, status, created_at, updated_at)
      VALUES (${newId('re')}, ${paymentId}, ${merchantId}, ${newId('r')}, ${amount}, 'processing', ${now()}, ${now()})`.execute(t.db);
  }
  async function notification(merchantId: string, status: 'rejected' | 'received' | 'verified' | 'applied', ageMs = 0): Promise<void> {
    await sql`INSERT INTO wechat_notifications (merchant_id, received_at, raw_headers, raw_body, status)
      VALUES (${merchantId}, ${new Date(clock.now() - ageMs)}, '{}'::jsonb, '{}', ${status})`.execute(t.db);
  }
  async function delivery(merchantId: string, status: 'failed' | 'abandoned' | 'succeeded'): Promise<void> {
    const eventId = newId('evt');
    await sql`INSERT INTO outbox_events (id, merchant_id, type, payload, dedup_key, created_at) VALUES (${eventId}, ${merchantId}, 'payment.succeeded', '{}'::jsonb, ${eventId}, ${now()})`.execute(t.db);
    await sql`INSERT INTO webhook_deliveries (event_id, attempt, status, created_at) VALUES (${eventId}, 1, ${status}, ${now()})`.execute(t.db);
  }

  it('paid volume per window: unpaid and older payments do not count; fires at the sum', async () => {
    const m = await merchantWith('amount_sum', 100_000);
    await payment(m, 60_000, { paid: true });
    await payment(m, 90_000); // created, never paid
    await payment(m, 90_000, { paid: true, at: new Date(clock.now() - 11 * 60_000) }); // outside the window
    await payment(m, 39_999, { paid: true });
    expect(await firing(m, 'amount_sum')).toHaveLength(0);
    await payment(m, 1, { paid: true });
    const [a] = await firing(m, 'amount_sum');
    expect(a!.data).toMatchObject({ value: 100_000, threshold: 100_000 });
  });

  it('payments per merchant per window', async () => {
    const m = await merchantWith('payment_count_merchant', 4);
    for (let i = 0; i < 3; i++) await payment(m, 100);
    expect(await firing(m, 'payment_count_merchant')).toHaveLength(0);
    await payment(m, 100);
    expect((await firing(m, 'payment_count_merchant'))[0]!.data).toMatchObject({ value: 4 });
  });

  it('notification failures: rejected, and received or verified but still without effect after a minute', async () => {
    const m = await merchantWith('notification_failures', 3);
    await notification(m, 'rejected');
    await notification(m, 'received', 90_000);
    await notification(m, 'received', 10_000); // just arrived: not yet a failure
    await notification(m, 'verified', 10_000); // answered, effect on its way: not yet a failure
    await notification(m, 'applied');
    expect(await firing(m, 'notification_failures')).toHaveLength(0);
    await notification(m, 'verified', 90_000); // answered 200 a minute ago and still not applied
    expect((await firing(m, 'notification_failures'))[0]!.data).toMatchObject({ value: 3 });
  });

  it('webhook failures: failed and abandoned deliveries', async () => {
    const m = await merchantWith('webhook_failures', 2);
    await delivery(m, 'failed');
    await delivery(m, 'succeeded');
    expect(await firing(m, 'webhook_failures')).toHaveLength(0);
    await delivery(m, 'abandoned');
    expect((await firing(m, 'webhook_failures'))[0]!.data).toMatchObject({ value: 2 });
  });

  it('refund count and refund amount spikes', async () => {
    const byCount = await merchantWith('refund_count', 3);
    await refund(byCount, 100);
    await refund(byCount, 100);
    expect(await firing(byCount, 'refund_count')).toHaveLength(0);
    await refund(byCount, 100);
    expect((await firing(byCount, 'refund_count'))[0]!.data).toMatchObject({ value: 3 });

    const byAmount = await merchantWith('refund_amount', 50_000);
    await refund(byAmount, 49_999);
    expect(await firing(byAmount, 'refund_amount')).toHaveLength(0);
    await refund(byAmount, 1);
    const [a] = await firing(byAmount, 'refund_amount');
    expect(a!.data).toMatchObject({ value: 50_000 });
    expect(a!.title).toContain('500.00');

    // Once the window has passed, the spikes clear and their alerts resolve themselves.
    clock.advance(11 * 60_000);
    expect(await firing(byCount, 'refund_count')).toHaveLength(0);
    expect(await firing(byAmount, 'refund_amount')).toHaveLength(0);
  });
});
