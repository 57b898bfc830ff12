import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { queryPaymentAtWechat } from '../../src/services/payments/query-payment.ts';
import { queryRefundAtWechat } from '../../src/services/refunds/query-refund.ts';
import { applyRefundResult } from '../../src/services/refunds/apply-refund.ts';
import { failRefund } from '../../src/services/refunds/create-refund.ts';
import { insertRefund } from '../../src/db/refunds.ts';
import { reserveRefund } from '../../src/db/payments.ts';

let n = 0;
const key = () => `rf-${n++}`;

describeEachDb('refunds end to end against the simulator', (t) => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, workers: false });
  });
  afterAll(async () => gw?.close());

  async function paidPayment(amount: number): Promise<{ id: string; out_trade_no: string }> {
    const r = await gw.api('POST', '/v1/payments', { body: { amount, description: 'Refundable', payer_client_ip: '36.112.10.8' }, idempotencyKey: key() });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await gw.simPay(r.body.out_trade_no)).status).toBe(200);
    await queryPaymentAtWechat(gw.app.ctx, gw.merchant.id, r.body.id);
    return r.body;
  }

  async function settled(refundId: string, want: string[] = ['succeeded', 'closed', 'abnormal']): Promise<Record<string, unknown>> {
    for (let i = 0; i < 50; i++) {
      const { refund } = await queryRefundAtWechat(gw.app.ctx, gw.merchant.id, refundId);
      if (want.includes(refund.status)) return (await gw.api('GET', `/v1/refunds/${refundId}`)).body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`refund ${refundId} did not settle`);
  }

  const refund = (paymentId: string, body: unknown, idempotencyKey = key()) => gw.api('POST', `/v1/payments/${paymentId}/refunds`, { body, idempotencyKey });

  it('refunds partially, then fully, then refuses to refund more than was paid', async () => {
    const p = await paidPayment(1000);
    const a = await refund(p.id, { amount: 300, reason: '部分退款' });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(a.body).toMatchObject({ amount: 300, payment_id: p.id });
    expect(['processing', 'succeeded']).toContain(a.body.status);
    expect((await settled(a.body.id)).status).toBe('succeeded');
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'partially_refunded', refunded_amount: 300 });

    const b = await refund(p.id, { amount: 700 });
    expect(b.status).toBe(201);
    expect((await settled(b.body.id)).status).toBe('succeeded');
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'refunded', refunded_amount: 1000, refund_count: 2 });

    const over = await refund(p.id, { amount: 1 });
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('refund_exceeds_amount');
    const events = await t.db.selectFrom('outbox_events').select('type').where('dedup_key', 'in', [`refund.succeeded:${a.body.id}`, `refund.succeeded:${b.body.id}`]).execute();
    expect(events).toHaveLength(2);
  });

  it('refuses refunds of an unpaid payment and bad amounts', async () => {
    const r = await gw.api('POST', '/v1/payments', { body: { amount: 100, description: 'Unpaid', payer_client_ip: '36.112.10.8' }, idempotencyKey: key() });
    const res = await refund(r.body.id, { amount: 10 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('payment_not_refundable');
    const p = await paidPayment(100);
    for (const bad of [{ amount: 0 }, { amount: -5 }, { amount: 1.5 }, {}, { amount: 1, reason: '' }, { amount: 1, out_refund_no: 'bad no!' }]) {
      const x = await refund(p.id, bad);
      expect(x.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await gw.api('POST', `/v1/payments/${p.id}/refunds`, { body: { amount: 1 } })).body.error.code).toBe('idempotency_key_required');
  });

  it('10 concurrent refunds racing for the remaining amount never refund more than was paid', async () => {
    const p = await paidPayment(1000);
    const results = await Promise.all(Array.from({ length: 10 }, () => refund(p.id, { amount: 300 })));
    const ok = results.filter((r) => r.status === 201);
    expect(ok).toHaveLength(3);
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.error.code).toBe('refund_exceeds_amount');
    const row = await t.db.selectFrom('payments').select(['refunded_amount', 'refund_count']).where('id', '=', p.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ refunded_amount: 900, refund_count: 3 });
    expect(await t.db.selectFrom('refunds').select('id').where('payment_id', '=', p.id).execute()).toHaveLength(3);
  });

  it('a retry with the same out_refund_no (new key) returns the same refund; other parameters conflict', async () => {
    const p = await paidPayment(500);
    const a = await refund(p.id, { amount: 100, out_refund_no: `SAME-${p.id.slice(4, 14)}` });
    const again = await refund(p.id, { amount: 100, out_refund_no: `SAME-${p.id.slice(4, 14)}` });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(a.body.id);
    const clash = await refund(p.id, { amount: 101, out_refund_no: `SAME-${p.id.slice(4, 14)}` });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('out_refund_no_conflict');
    expect((await t.db.selectFrom('payments').select('refunded_amount').where('id', '=', p.id).executeTakeFirstOrThrow()).refunded_amount).toBe(100);
  });

  it('an unknown outcome (WeChat 5xx) keeps the refund pending and reserved; the query re-submits it with the same out_refund_no', async () => {
    const p = await paidPayment(400);
    await gw.setFaults({ rules: [{ path: '/v3/refund/domestic/refunds', method: 'POST', error: { status: 500, code: 'SYSTEM_ERROR' }, times: 3 }] });
    const res = await refund(p.id, { amount: 150 });
    await gw.clearFaults();
    expect(res.status).toBe(503);
    const id = res.body.error.details.refund_id as string;
    const row = await t.db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect((await t.db.selectFrom('payments').select('refunded_amount').where('id', '=', p.id).executeTakeFirstOrThrow()).refunded_amount).toBe(150);
    const q = await queryRefundAtWechat(gw.app.ctx, gw.merchant.id, id);
    expect(q.outcome).toBe('resubmitted');
    expect((await settled(id)).status).toBe('succeeded');
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'partially_refunded', refunded_amount: 150 });
  });

  it('a definitive refusal (NOT_ENOUGH) fails the refund and gives the reservation back', async () => {
    const p = await paidPayment(400);
    await gw.setFaults({ rules: [{ path: '/v3/refund/domestic/refunds', method: 'POST', error: { status: 403, code: 'NOT_ENOUGH' }, times: 1 }] });
    const res = await refund(p.id, { amount: 400 });
    await gw.clearFaults();
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('wechat_not_enough');
    expect((await gw.api('GET', `/v1/refunds/${res.body.error.details.refund_id}`)).body.status).toBe('failed');
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'succeeded', refunded_amount: 0, refund_count: 0 });
    const again = await refund(p.id, { amount: 400 });
    expect(again.status).toBe(201);
  });

  it('surfaces an ABNORMAL refund: status abnormal, a refund.failed event saying so, the amount still reserved', async () => {
    const p = await paidPayment(600);
    await gw.setFaults({ refunds: { outcome: 'ABNORMAL' } });
    const res = await refund(p.id, { amount: 200 });
    expect(res.status).toBe(201);
    const r = await settled(res.body.id, ['abnormal']);
    await gw.clearFaults();
    expect(r).toMatchObject({ status: 'abnormal', abnormal: true });
    const ev = await t.db.selectFrom('outbox_events').selectAll().where('dedup_key', '=', `refund.failed:${res.body.id}:abnormal`).executeTakeFirstOrThrow();
    expect(ev.payload).toMatchObject({ type: 'refund.failed', data: { abnormal: true } });
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ refunded_amount: 200, status: 'succeeded' });
  });

  it('allows at most 50 refunds per payment', async () => {
    const p = await paidPayment(60);
    for (let i = 0; i < 50; i++) expect((await refund(p.id, { amount: 1 })).status).toBe(201);
    const last = await refund(p.id, { amount: 1 });
    expect(last.status).toBe(422);
    expect(last.body.error.code).toBe('refund_limit_reached');
  });

  it('property: any interleaving of reservations and outcomes keeps 0 ≤ refunded_amount ≤ amount and matches the model', async () => {
    const p = await paidPayment(100);
    const pay = await t.db.selectFrom('payments').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
    let seq = 0;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), amount: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ kind: fc.constantFrom('SUCCESS' as const, 'CLOSED' as const, 'ABNORMAL' as const, 'fail' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        // Each run starts from the paid payment with nothing refunded.
        await t.db.deleteFrom('payment_events').where('payment_id', '=', p.id).where('kind', 'like', 'refund%').execute();
        await t.db.deleteFrom('refunds').where('payment_id', '=', p.id).execute();
        await t.db.updateTable('payments').set({ refunded_amount: 0, refund_count: 0, status: 'succeeded' }).where('id', '=', p.id).execute();
        const live: { id: string; no: string; amount: number; status: string }[] = [];
        let reserved = 0;
        let succeeded = 0;
        for (const o of ops) {
          if (o.kind === 'reserve') {
            const no = `PROP${seq++}`;
            const ok = await t.db.transaction().execute(async (trx) => {
              const row = await insertRefund(trx, { id: `re_prop${seq}`, payment_id: p.id, merchant_id: gw.merchant.id, out_refund_no: no, amount: o.amount, reason: null, next_query_at: new Date(), created_at: new Date() });
              const res = await reserveRefund(trx, p.id, o.amount, new Date());
              if (!res.ok) throw new Error('rollback');
              return row;
            }).catch(() => undefined);
            expect(ok !== undefined).toBe(reserved + o.amount <= 100);
            if (ok) {
              reserved += o.amount;
              live.push({ id: ok.id, no, amount: o.amount, status: 'pending' });
            }
            continue;
          }
          const open = live.filter((r) => r.status === 'pending' || (r.status === 'abnormal' && o.kind !== 'fail' && o.kind !== 'ABNORMAL'));
          if (open.length === 0) continue;
          const r = open[o.pick % open.length]!;
          if (o.kind === 'fail') {
            if (r.status !== 'pending') continue;
            await failRefund(gw.app.ctx, (await t.db.selectFrom('refunds').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow()), 'TEST');
            reserved -= r.amount;
            r.status = 'failed';
            continue;
          }
          const answer = {
            refund_id: `wx${r.no}`, out_refund_no: r.no, transaction_id: pay.transaction_id!, out_trade_no: pay.out_trade_no, channel: 'ORIGINAL',
            user_received_account: '支付用户零钱', create_time: '2025-01-01T10:00:00+08:00', status: o.kind,
            amount: { total: 100, refund: r.amount, payer_total: 100, payer_refund: r.amount, currency: 'CNY' },
          };
          const out = await applyRefundResult(gw.app.ctx, { merchantId: gw.merchant.id, outRefundNo: r.no }, answer, 'query');
          expect(out.outcome).toBe('applied');
          if (o.kind === 'SUCCESS') succeeded += r.amount;
          if (o.kind === 'CLOSED') reserved -= r.amount;
          r.status = o.kind === 'SUCCESS' ? 'succeeded' : o.kind === 'CLOSED' ? 'closed' : 'abnormal';
        }
        const row = await t.db.selectFrom('payments').select(['refunded_amount', 'status']).where('id', '=', p.id).executeTakeFirstOrThrow();
        expect(row.refunded_amount).toBe(reserved);
        expect(row.refunded_amount).toBeGreaterThanOrEqual(0);
        expect(row.refunded_amount).toBeLessThanOrEqual(100);
        expect(row.status).toBe(succeeded === 0 ? 'succeeded' : succeeded >= 100 ? 'refunded' : 'partially_refunded');
      }),
      { numRuns: 15 },
    );
  });
});
