import { sql, type Kysely } from 'kysely';

/**
 * `payments_transaction_id_idx` (0003, partial: `transaction_id IS NOT NULL`) duplicates the index of
 * the `UNIQUE (transaction_id)` constraint of 0001: the only query on that column (the console search,
 * `transaction_id = $1`) uses the unique index as well (checked with EXPLAIN), and both are written when
 * a payment gets its transaction id (a paid notification or query), so it only cost a second index insert
 * on every paid payment. `DROP INDEX` holds the table's lock for a moment; the drop itself is quick.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP INDEX IF EXISTS payments_transaction_id_idx').execute(db);
}
