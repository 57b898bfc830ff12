import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, MerchantsTable, MerchantCredentialsTable, PlatformCertificateRecord } from './schema.ts';

/** The merchants aggregate: the merchant row and its credentials row, written together. */
export type Db = Kysely<Database> | Transaction<Database>;
export type MerchantRow = Selectable<MerchantsTable>;
export type MerchantCredentialsRow = Selectable<MerchantCredentialsTable>;

export interface NewMerchantRow {
  id: string;
  name: string;
  mchid: string;
  appid: string;
  mode: 'sandbox' | 'live';
  h5_domains: string[];
  webhook_url: string | null;
  wechat_api_base_url: string;
  wechat_api_backup_url: string | null;
  key_mode: 'public_key' | 'platform_certificate';
  merchant_serial: string;
  created_at: Date;
}

/** The non-secret credential columns; secrets go to `vault_secrets` (services/custody/secrets.ts). */
export interface NewMerchantCredentials {
  wechatpay_public_key_id: string | null;
  wechatpay_public_key_pem: string | null;
  platform_certificates: PlatformCertificateRecord[];
  merchant_cert_pem?: string | null;
  merchant_cert_expires_at?: Date | null;
}

/** Inserts both rows in the caller's transaction; a duplicate (mchid, appid) raises 23505. */
export async function insertMerchant(trx: Transaction<Database>, m: NewMerchantRow, c: NewMerchantCredentials): Promise<MerchantRow> {
  const row = await trx
    .insertInto('merchants')
    .values({ ...m, updated_at: m.created_at })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('merchant_credentials')
    .values({
      merchant_id: m.id,
      ...c,
      platform_certificates: JSON.stringify(c.platform_certificates),
      updated_at: m.created_at,
    })
    .execute();
  return row;
}

export async function findMerchantById(db: Db, id: string): Promise<MerchantRow | undefined> {
  return db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findMerchantByMchid(db: Db, mchid: string, appid: string): Promise<MerchantRow | undefined> {
  return db.selectFrom('merchants').selectAll().where('mchid', '=', mchid).where('appid', '=', appid).executeTakeFirst();
}

export async function listMerchants(db: Db): Promise<MerchantRow[]> {
  return db.selectFrom('merchants').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function findMerchantCredentials(db: Db, merchantId: string): Promise<MerchantCredentialsRow | undefined> {
  return db.selectFrom('merchant_credentials').selectAll().where('merchant_id', '=', merchantId).executeTakeFirst();
}

export async function setMerchantDisabled(db: Db, id: string, disabled: boolean, now: Date): Promise<boolean> {
  const r = await db.updateTable('merchants').set({ disabled_at: disabled ? now : null, updated_at: now }).where('id', '=', id).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Re-points a merchant at another WeChat API base URL and webhook endpoint (the sandbox after a restart). */
export async function updateMerchantEndpoints(db: Db, id: string, e: { wechat_api_base_url: string; webhook_url: string | null }, now: Date): Promise<boolean> {
  const r = await db.updateTable('merchants').set({ ...e, updated_at: now }).where('id', '=', id).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
