import { sql, type ColumnType, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { SealedSecret } from '../vault/sealed-secret.ts';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;

/** One sealed secret (migration 0002): the envelope is opaque without the KEK. */
export interface VaultSecretsTable {
  id: string;
  version: number;
  kek_id: string;
  envelope: ColumnType<unknown, string, string>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export type VaultSecretRow = Selectable<VaultSecretsTable>;

export async function findVaultSecret(db: Db, id: string): Promise<VaultSecretRow | undefined> {
  return db.selectFrom('vault_secrets').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The current version under a row lock, so a replacement seals with the next version exactly once. */
export async function lockVaultSecretVersion(trx: Transaction<Database>, id: string): Promise<number | undefined> {
  const r = await trx.selectFrom('vault_secrets').select('version').where('id', '=', id).forUpdate().executeTakeFirst();
  return r?.version;
}

export async function upsertVaultSecret(trx: Transaction<Database>, id: string, sealed: SealedSecret, now: Date): Promise<void> {
  await trx
    .insertInto('vault_secrets')
    .values({ id, version: sealed.version, kek_id: sealed.kekId, envelope: JSON.stringify(sealed), created_at: now, updated_at: now })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({ version: sealed.version, kek_id: sealed.kekId, envelope: JSON.stringify(sealed), updated_at: now }),
    )
    .execute();
}

export async function deleteVaultSecret(trx: Db, id: string): Promise<boolean> {
  const r = await trx.deleteFrom('vault_secrets').where('id', '=', id).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/** Moves one record's data key from `expected` to `next` only if nobody re-sealed it meanwhile. */
export async function compareAndSetWrappedKey(
  db: Db,
  id: string,
  expected: { kekId: string; wrapped: string },
  next: { kekId: string; wrapped: string },
): Promise<boolean> {
  const r = await db
    .updateTable('vault_secrets')
    .set({
      kek_id: next.kekId,
      envelope: sql`jsonb_set(jsonb_set(envelope, '{kekId}', to_jsonb(${next.kekId}::text)), '{wrappedKey}', to_jsonb(${next.wrapped}::text))`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .where('kek_id', '=', expected.kekId)
    .where(sql<boolean>`envelope->>'wrappedKey' = ${expected.wrapped}`)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function listVaultSecretPage(db: Db, afterId: string | null, limit: number): Promise<VaultSecretRow[]> {
  let q = db.selectFrom('vault_secrets').selectAll().orderBy('id').limit(limit);
  if (afterId !== null) q = q.where('id', '>', afterId);
  return q.execute();
}

export async function countVaultSecretsByKek(db: Db): Promise<Array<{ kek_id: string; n: number }>> {
  const rows = await db.selectFrom('vault_secrets').select(['kek_id', sql<string>`count(*)::text`.as('n')]).groupBy('kek_id').execute();
  return rows.map((r) => ({ kek_id: r.kek_id, n: Number(r.n) }));
}
