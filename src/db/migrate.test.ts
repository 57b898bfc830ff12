import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachDb, createScratchPostgres, postgresReachable, REQUIRE_PG } from '../../test/helpers/db.ts';
import { openDatabase } from './connect.ts';
import { migrateToLatest, migrationStatus } from './migrate.ts';
import { migrations } from './migrations/index.ts';

describeEachDb(
  'migrations',
  (t) => {
    it('applies every migration once, in name order, and a second run applies nothing', async () => {
      const first = await migrateToLatest(t.db);
      expect(first.applied).toEqual(Object.keys(migrations).sort());
      const second = await migrateToLatest(t.db);
      expect(second.applied).toEqual([]);
      const status = await migrationStatus(t.db);
      expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
    });

    it('creates every table of the money path', async () => {
      const r = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = 'public' order by table_name`.execute(t.db);
      const names = r.rows.map((x) => x.table_name);
      for (const table of [
        'merchants',
        'merchant_credentials',
        'merchant_api_keys',
        'payments',
        'refunds',
        'idempotency_keys',
        'wechat_notifications',
        'outbox_events',
        'webhook_deliveries',
        'payment_events',
      ]) {
        expect(names).toContain(table);
      }
    });
  },
  { migrate: false },
);

const pgUp = await postgresReachable();
describe.skipIf(!pgUp && !REQUIRE_PG)('migrations on PostgreSQL from several nodes at once', () => {
  it('lets four nodes migrate the same empty database concurrently without a race', async () => {
    const scratch = await createScratchPostgres();
    const handles = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ databaseUrl: scratch.url, maxConnections: 2 })));
    try {
      const outcomes = await Promise.all(handles.map((h) => migrateToLatest(h.db)));
      const applied = outcomes.flatMap((o) => o.applied);
      // Each migration ran exactly once across all nodes; the others found it done.
      expect(applied.sort()).toEqual(Object.keys(migrations).sort());
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await scratch.drop();
    }
  });
});
