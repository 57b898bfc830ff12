import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDb } from '../../../test/helpers/db.ts';

/** 0010 drops the partial transaction_id index; the unique constraint's index serves the lookups alone. */
describeEachDb('migration 0010 drops the redundant transaction_id index', (t) => {
  it('leaves one index on transaction_id, the unique one, and the console search uses it', async () => {
    const idx = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE tablename = 'payments' AND indexdef LIKE '%(transaction_id)%' ORDER BY 1`.execute(t.db);
    expect(idx.rows.map((r) => r.indexname)).toEqual(['payments_transaction_id_key']);
    await t.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT id FROM payments WHERE out_trade_no = 'x' OR id = 'x' OR transaction_id = 'x'`.execute(trx);
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('payments_transaction_id_key');
    });
  });
});
