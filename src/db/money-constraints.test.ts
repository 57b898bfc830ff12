import { beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachDb } from '../../test/helpers/db.ts';
import { createTestMerchant } from '../../test/helpers/merchant.ts';
import { newId } from '../lib/ids.ts';
import type { Database } from './schema.ts';
import type { Kysely } from 'kysely';

/** The money invariants are database constraints: these tests go around every service and still fail. */
let seq = 0;

async function paidPayment(db: Kysely<Database>, merchantId: string, amount: number): Promise<string> {
  const id = newId('pay');
  seq++;
  await db
    .insertInto('payments')
    .values({
      id,
      merchant_id: merchantId,
      out_trade_no: `T${Date.now()}${seq}`,
      amount,
      description: 'tea',
      status: 'succeeded',
      payer_client_ip: '203.0.113.7',
      expires_at: new Date(Date.now() + 3600_000),
      transaction_id: `4200${Date.now()}${seq}`,
      paid_at: new Date(),
    })
    .execute();
  return id;
}

/** Reserve → insert, in one transaction, as the refund service does. */
async function reserveRefund(db: Kysely<Database>, merchantId: string, paymentId: string, amount: number, outRefundNo = `R${Date.now()}${++seq}`): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('payments')
      .set((eb) => ({ refunded_amount: eb('refunded_amount', '+', amount), refund_count: eb('refund_count', '+', 1) }))
      .where('id', '=', paymentId)
      .execute();
    await trx
      .insertInto('refunds')
      .values({ id: newId('re'), payment_id: paymentId, merchant_id: merchantId, out_refund_no: outRefundNo, amount, status: 'pending' })
      .execute();
  });
}

describeEachDb('money-path constraints', (t) => {
  let merchantId = '';
  beforeAll(async () => {
    merchantId = (await createTestMerchant(t.db)).id;
  });

  it('refuses refunds whose cumulative amount exceeds the payment, leaving nothing behind', async () => {
    const pay = await paidPayment(t.db, merchantId, 1000);
    await reserveRefund(t.db, merchantId, pay, 600);
    await reserveRefund(t.db, merchantId, pay, 400);
    await expect(reserveRefund(t.db, merchantId, pay, 1)).rejects.toMatchObject({ code: '23514' });
    const p = await t.db.selectFrom('payments').select(['refunded_amount', 'refund_count']).where('id', '=', pay).executeTakeFirstOrThrow();
    expect(p).toEqual({ refunded_amount: 1000, refund_count: 2 });
    const refunds = await t.db.selectFrom('refunds').select('amount').where('payment_id', '=', pay).execute();
    expect(refunds.map((r) => r.amount).sort()).toEqual([400, 600]);
  });

  it('lets concurrent refunds reserve only what the payment holds', async () => {
    const pay = await paidPayment(t.db, merchantId, 500);
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => reserveRefund(t.db, merchantId, pay, 100)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    const sum = await sql<{ s: number }>`select coalesce(sum(amount), 0)::bigint as s from refunds where payment_id = ${pay}`.execute(t.db);
    expect(sum.rows[0]?.s).toBe(500);
  });

  it('caps an order at 50 refunds', async () => {
    const pay = await paidPayment(t.db, merchantId, 100);
    for (let i = 0; i < 50; i++) await reserveRefund(t.db, merchantId, pay, 1);
    await expect(reserveRefund(t.db, merchantId, pay, 1)).rejects.toMatchObject({ code: '23514' });
  });

  it('keeps out_refund_no unique per merchant', async () => {
    const pay = await paidPayment(t.db, merchantId, 100);
    await reserveRefund(t.db, merchantId, pay, 10, 'R-dup-1');
    await expect(reserveRefund(t.db, merchantId, pay, 10, 'R-dup-1')).rejects.toMatchObject({ code: '23505' });
  });

  it('refuses a zero amount, a duplicate out_trade_no and a paid status without a transaction id', async () => {
    const base = { merchant_id: merchantId, description: 'x', status: 'created' as const, payer_client_ip: '203.0.113.7', expires_at: new Date() };
    await expect(t.db.insertInto('payments').values({ ...base, id: newId('pay'), out_trade_no: 'ZERO0001', amount: 0 }).execute()).rejects.toMatchObject({ code: '23514' });
    await t.db.insertInto('payments').values({ ...base, id: newId('pay'), out_trade_no: 'DUPE0001', amount: 1 }).execute();
    await expect(t.db.insertInto('payments').values({ ...base, id: newId('pay'), out_trade_no: 'DUPE0001', amount: 1 }).execute()).rejects.toMatchObject({ code: '23505' });
    await expect(
      t.db.insertInto('payments').values({ ...base, id: newId('pay'), out_trade_no: 'PAID0001', amount: 1, status: 'succeeded' }).execute(),
    ).rejects.toMatchObject({ code: '23514' });
  });

  it('deduplicates notifications by their WeChat id and outbox events by dedup key', async () => {
    const note = { merchant_id: merchantId, raw_headers: JSON.stringify({}), raw_body: '{}', notification_id: `N-${Date.now()}` };
    await t.db.insertInto('wechat_notifications').values(note).execute();
    await expect(t.db.insertInto('wechat_notifications').values(note).execute()).rejects.toMatchObject({ code: '23505' });
    // Unverified rows carry no id yet and never collide.
    await t.db.insertInto('wechat_notifications').values({ ...note, notification_id: null }).execute();
    await t.db.insertInto('wechat_notifications').values({ ...note, notification_id: null }).execute();
    const evt = { merchant_id: merchantId, type: 'payment.succeeded', payload: JSON.stringify({ a: 1 }), dedup_key: `payment.succeeded:${Date.now()}` };
    await t.db.insertInto('outbox_events').values({ ...evt, id: newId('evt') }).execute();
    await expect(t.db.insertInto('outbox_events').values({ ...evt, id: newId('evt') }).execute()).rejects.toMatchObject({ code: '23505' });
  });
});
