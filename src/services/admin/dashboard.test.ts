import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDb } from '../../../test/helpers/db.ts';
import { createTestMerchant } from '../../../test/helpers/merchant.ts';
import { fixedClock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { dashboard } from './dashboard.ts';

describeEachDb('admin dashboard read model', (t) => {
  it('totals equal the sum of the per-day series and count each payment once', async () => {
    const m = await createTestMerchant(t.db);
    const other = await createTestMerchant(t.db);
    // 2030-03-01T20:00Z is already 2030-03-02 in Shanghai: days are UTC+8 calendar days.
    const d1 = new Date('2030-03-01T10:00:00Z');
    const d2 = new Date('2030-03-01T20:00:00Z');
    const rows: Array<{ merchant: string; at: Date; status: 'created' | 'pending' | 'succeeded' | 'closed' | 'failed'; amount: number }> = [
      { merchant: m.id, at: d1, status: 'succeeded', amount: 1000 },
      { merchant: m.id, at: d1, status: 'created', amount: 50 },
      { merchant: m.id, at: d2, status: 'closed', amount: 70 },
      { merchant: m.id, at: d2, status: 'succeeded', amount: 300 },
      { merchant: m.id, at: d2, status: 'failed', amount: 20 },
      { merchant: other.id, at: d2, status: 'succeeded', amount: 999 },
    ];
    for (const r of rows) {
      const paid = r.status === 'succeeded';
      await t.db
        .insertInto('payments')
        .values({
          id: newId('pay'), merchant_id: r.merchant, out_trade_no: newId('o').slice(0, 32), amount: r.amount, description: 'dash', status: r.status,
          payer_client_ip: '36.112.1.1', expires_at: new Date(r.at.getTime() + 3600_000), created_at: r.at, updated_at: r.at,
          ...(paid ? { paid_at: r.at, transaction_id: newId('tx') } : {}),
        })
        .execute();
    }
    const ctx = { db: t.db, clock: fixedClock(Date.parse('2030-03-03T00:00:00Z')) };
    const res = await dashboard(ctx, [m.id], { from: '2030-03-01T00:00:00Z', to: '2030-03-03T00:00:00Z' });
    expect(res.volume).toBe(5);
    expect(res.paid_count).toBe(2);
    expect(res.paid_amount).toBe(1300);
    expect(res.funnel).toEqual({ created: 5, cashier: 4, paid: 2 });
    expect(res.success_rate).toBeCloseTo(2 / 4);
    expect(res.series).toEqual([
      { day: '2030-03-01', created: 2, paid: 1, paid_amount: 1000 },
      { day: '2030-03-02', created: 3, paid: 1, paid_amount: 300 },
    ]);
    const all = await dashboard(ctx, null, { from: '2030-03-01T00:00:00Z', to: '2030-03-03T00:00:00Z' });
    expect(all.volume).toBe(6);
    expect(all.paid_amount).toBe(2299);
  });

  it('a payment 0.4 s before Shanghai midnight counts on its own day; a period cut mid-day counts only its part', async () => {
    const m = await createTestMerchant(t.db);
    // 2030-04-01T15:59:59.600Z is 23:59:59.6 on 1 April in Shanghai (whole seconds rounded it to 2 April before).
    for (const [id, at] of [['late', '2030-04-01T15:59:59.600Z'], ['noon', '2030-04-02T04:00:00Z'], ['evening', '2030-04-02T12:00:00Z']] as const) {
      await sql`INSERT INTO payments (id, merchant_id, out_trade_no, amount, description, status, payer_client_ip, expires_at, created_at, updated_at)
                VALUES (${`pay_${id}${m.id.slice(4, 12)}`}, ${m.id}, ${`order_${id}`}, 100, 'edge', 'pending', '36.112.1.1', ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz)`.execute(t.db);
    }
    const ctx = { db: t.db, clock: fixedClock(Date.parse('2030-04-10T00:00:00Z')) };
    const whole = await dashboard(ctx, [m.id], { from: '2030-03-31T16:00:00Z', to: '2030-04-02T16:00:00Z' });
    expect(whole.series.map((d) => [d.day, d.created])).toEqual([['2030-04-01', 1], ['2030-04-02', 2]]);
    // From 10:00 to 18:00 Shanghai on 2 April: the noon payment only (12:00 Shanghai), the evening one (20:00) is outside.
    const part = await dashboard(ctx, [m.id], { from: '2030-04-02T02:00:00Z', to: '2030-04-02T10:00:00Z' });
    expect(part.series).toEqual([{ day: '2030-04-02', created: 1, paid: 0, paid_amount: 0 }]);
    // From 00:00 on 2 April to 22:00 (more than half a day: the roll-up's day minus 22:00–24:00).
    const most = await dashboard(ctx, [m.id], { from: '2030-04-01T16:00:00Z', to: '2030-04-02T14:00:00Z' });
    expect(most.volume).toBe(2);
    expect(most).toEqual(await dashboard(ctx, [m.id], { from: '2030-04-01T16:00:00Z', to: '2030-04-02T14:00:00Z' }, { source: 'direct' }));
  });
});
