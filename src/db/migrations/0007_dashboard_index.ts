import { sql, type Kysely } from 'kysely';

/**
 * The console dashboard aggregates a period's payments by day, including refunded amounts. The
 * covering index of 0003 lacked `refunded_amount`, so every row still had to be read from the heap;
 * with it the dashboard is an index-only scan on PostgreSQL. PostgreSQL 15 compatible (INCLUDE ≥ 11).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DDL).execute(db);
}

const DDL = `
DROP INDEX IF EXISTS payments_created_dashboard_idx;
CREATE INDEX payments_created_dashboard_idx ON payments (created_at) INCLUDE (merchant_id, status, amount, paid_at, refunded_amount);
`;
