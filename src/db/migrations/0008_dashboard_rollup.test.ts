import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { expect, it } from 'vitest';
import { describeEachDb } from '../../../test/helpers/db.ts';
import { dailyAggregates, dailyAggregatesDirect } from '../admin-read-models.ts';
import { pendingDeltaCount, rollupMismatches } from '../dashboard-rollup.ts';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrateToLatest } from '../migrate.ts';
import { migrations } from './index.ts';

/** Upgrading a database that already holds payments: 0008 backfills the roll-up from them. */
describeEachDb(
  'migration 0008 backfills the dashboard roll-up',
  (t) => {
    it('an upgraded database shows the same dashboard from the roll-up as from payments', async () => {
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0008'));
      const upTo7 = new Migrator({
        db: t.db as unknown as Kysely<unknown>,
        provider: { getMigrations: async () => before },
        migrationTableName: MIGRATION_TABLE,
        migrationLockTableName: MIGRATION_LOCK_TABLE,
      });
      const r = await upTo7.migrateToLatest();
      expect(r.error).toBeUndefined();
      await sql`INSERT INTO merchants (id, name, mchid, appid, mode, wechat_api_base_url, key_mode, merchant_serial)
                VALUES ('mer_a', 'A', '1900000001', 'wxa', 'sandbox', 'http://127.0.0.1:1', 'public_key', 'AA'),
                       ('mer_b', 'B', '1900000002', 'wxb', 'sandbox', 'http://127.0.0.1:1', 'public_key', 'BB')`.execute(t.db);
      // 2,000 payments over 20 days around Shanghai midnights, both merchants, every status.
      await sql`
        INSERT INTO payments (id, merchant_id, out_trade_no, amount, description, status, payer_client_ip, expires_at,
                              transaction_id, paid_at, refunded_amount, created_at, updated_at)
        SELECT 'pay_' || g, CASE WHEN g % 3 = 0 THEN 'mer_b' ELSE 'mer_a' END, 'order' || g, 100 + g, 'old', s.status, '36.112.1.1',
               c.at + interval '2 hours',
               CASE WHEN s.status IN ('succeeded', 'partially_refunded', 'refunded') THEN 'tx' || g END,
               CASE WHEN s.status IN ('succeeded', 'partially_refunded', 'refunded') THEN c.at + interval '40 seconds' END,
               CASE s.status WHEN 'refunded' THEN 100 + g WHEN 'partially_refunded' THEN 7 ELSE 0 END,
               c.at, c.at
          FROM generate_series(1, 2000) g
          CROSS JOIN LATERAL (SELECT timestamptz '2030-05-01T16:00:00Z' + (g * 863) * interval '1 second' + (g % 7) * interval '1 microsecond' AS at) c
          CROSS JOIN LATERAL (SELECT (ARRAY['created', 'pending', 'succeeded', 'closed', 'failed', 'partially_refunded', 'refunded'])[1 + g % 7] AS status) s
      `.execute(t.db);
      const applied = await migrateToLatest(t.db);
      expect(applied.applied).toContain('0008_dashboard_rollup');
      expect(await pendingDeltaCount(t.db)).toBe(0);
      const days = await sql<{ n: string }>`SELECT count(*) AS n FROM payment_day_rollup`.execute(t.db);
      expect(Number(days.rows[0]?.n)).toBe(2 * 20);
      expect(await rollupMismatches(t.db)).toEqual([]);
      const from = new Date('2030-05-01T16:00:00Z');
      const to = new Date('2030-05-21T16:00:00Z');
      const direct = await dailyAggregatesDirect(t.db, null, from, to);
      expect(direct).toHaveLength(20);
      expect(await dailyAggregates(t.db, null, from, to)).toEqual(direct);
      expect(await dailyAggregates(t.db, ['mer_b'], from, to)).toEqual(await dailyAggregatesDirect(t.db, ['mer_b'], from, to));
      // And the triggers run from here on.
      await sql`UPDATE payments SET status = 'closed' WHERE id = 'pay_1'`.execute(t.db);
      expect(await pendingDeltaCount(t.db)).toBe(1);
      expect(await dailyAggregates(t.db, null, from, to)).toEqual(await dailyAggregatesDirect(t.db, null, from, to));
    });
  },
  { migrate: false },
);
