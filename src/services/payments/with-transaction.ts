import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';

/**
 * Runs `fn` in the caller's transaction when one is given (the notification inbox applies a result in
 * the same transaction that marks the notification applied), otherwise in a new one. On PGlite there is
 * one connection: inside `fn` only `trx` may be used, never the pool.
 */
export async function withTransaction<T>(db: Kysely<Database>, trx: Transaction<Database> | undefined, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (trx) return fn(trx);
  return db.transaction().execute(fn);
}
