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
});
