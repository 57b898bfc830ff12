import type { Selectable } from 'kysely';
import type { MerchantApiKeysTable, MerchantsTable } from './schema.ts';
import type { Db } from './merchants.ts';

/** Merchant API keys: only the SHA-256 of each token is stored; the lookup id finds the row. */
export type ApiKeyRow = Selectable<MerchantApiKeysTable>;

export interface NewApiKeyRow {
  id: string;
  merchant_id: string;
  mode: 'sandbox' | 'live';
  lookup_id: string;
  secret_sha256: string;
  last4: string;
  label: string | null;
  created_at: Date;
}

export async function insertApiKey(db: Db, k: NewApiKeyRow): Promise<ApiKeyRow> {
  return db.insertInto('merchant_api_keys').values(k).returningAll().executeTakeFirstOrThrow();
}

export async function listApiKeys(db: Db, merchantId: string): Promise<ApiKeyRow[]> {
  return db.selectFrom('merchant_api_keys').selectAll().where('merchant_id', '=', merchantId).orderBy('created_at').orderBy('id').execute();
}

/** The key and its merchant in one round trip (hot path: every authenticated request). */
export async function findActiveKeyByLookupId(
  db: Db,
  lookupId: string,
): Promise<{ key: ApiKeyRow; merchant: Selectable<MerchantsTable> } | undefined> {
  const row = await db
    .selectFrom('merchant_api_keys as k')
    .innerJoin('merchants as m', 'm.id', 'k.merchant_id')
    .selectAll('m')
    .select([
      'k.id as k_id',
      'k.merchant_id as k_merchant_id',
      'k.mode as k_mode',
      'k.lookup_id as k_lookup_id',
      'k.secret_sha256 as k_secret_sha256',
      'k.last4 as k_last4',
      'k.label as k_label',
      'k.created_at as k_created_at',
      'k.revoked_at as k_revoked_at',
      'k.last_used_at as k_last_used_at',
    ])
    .where('k.lookup_id', '=', lookupId)
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const { k_id, k_merchant_id, k_mode, k_lookup_id, k_secret_sha256, k_last4, k_label, k_created_at, k_revoked_at, k_last_used_at, ...merchant } = row;
  return {
    key: {
      id: k_id,
      merchant_id: k_merchant_id,
      mode: k_mode,
      lookup_id: k_lookup_id,
      secret_sha256: k_secret_sha256,
      last4: k_last4,
      label: k_label,
      created_at: k_created_at,
      revoked_at: k_revoked_at,
      last_used_at: k_last_used_at,
    },
    merchant,
  };
}

export async function touchApiKey(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable('merchant_api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
}

/** Revokes a key of this merchant; false if it does not exist or was already revoked. */
export async function revokeApiKey(db: Db, merchantId: string, id: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('merchant_api_keys')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
