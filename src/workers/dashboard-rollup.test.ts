import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDb } from '../../test/helpers/db.ts';
import { createTestMerchant } from '../../test/helpers/merchant.ts';
import { createLogger } from '../lib/logger.ts';
import { pendingDeltaCount } from '../db/dashboard-rollup.ts';
import { startDashboardRollupLoop } from './dashboard-rollup.ts';

describeEachDb('dashboard roll-up loop', (t) => {
  it('folds pending deltas on its timer; two loops (two nodes) fold each delta once', async () => {
    const m = await createTestMerchant(t.db);
    const logger = createLogger({ level: 'silent' });
    const a = startDashboardRollupLoop({ db: t.db, logger }, { intervalMs: 20 });
    const b = startDashboardRollupLoop({ db: t.db, logger }, { intervalMs: 20 });
    try {
      await sql`INSERT INTO payments (id, merchant_id, out_trade_no, amount, description, status, payer_client_ip, expires_at)
                SELECT 'pay_loop' || g, ${m.id}, 'order_loop' || g, 100 * g, 'loop', 'created', '36.112.1.1', now() + interval '2 hours'
                  FROM generate_series(1, 50) g`.execute(t.db);
      const deadline = Date.now() + 10_000;
      while ((await pendingDeltaCount(t.db)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await pendingDeltaCount(t.db)).toBe(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const r = await sql<{ created: string; amount: string }>`
      SELECT sum(created) AS created, sum(paid_amount) AS amount FROM payment_day_rollup WHERE merchant_id = ${m.id}`.execute(t.db);
    expect(Number(r.rows[0]?.created)).toBe(50);
    await sql`UPDATE payments SET status = 'succeeded', transaction_id = 'tx' || id, paid_at = now() WHERE merchant_id = ${m.id}`.execute(t.db);
    const c = startDashboardRollupLoop({ db: t.db, logger }, { intervalMs: 60_000 });
    expect(await c.compactNow()).toMatchObject({ ran: true, deltas: 50 });
    await c.stop();
    const after = await sql<{ amount: string }>`SELECT sum(paid_amount) AS amount FROM payment_day_rollup WHERE merchant_id = ${m.id}`.execute(t.db);
    expect(Number(after.rows[0]?.amount)).toBe(100 * (50 * 51) / 2);
  });
});
