import type { Kysely } from 'kysely';
import { AppError } from '../../lib/errors.ts';
import { Secret } from '../../lib/secret.ts';
import { newId } from '../../lib/ids.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Merchant } from '../../domain/merchant.ts';
import type { Database, PlatformCertificateRecord } from '../../db/schema.ts';
import * as repo from '../../db/merchants.ts';
import { isUniqueViolation } from '../../db/retryable.ts';
import { generateWebhookSecret } from '../../webhooks/signing.ts';
import { newMerchantSchema, type NewMerchantInput } from './merchant-input.ts';

/** Use-cases for merchants: create (validated), read without secrets, and load credentials for a client. */
export interface MerchantDeps {
  db: Kysely<Database>;
  clock: Clock;
}

export function toMerchant(r: repo.MerchantRow): Merchant {
  return {
    id: r.id,
    name: r.name,
    mchid: r.mchid,
    appid: r.appid,
    mode: r.mode,
    h5Domains: r.h5_domains,
    webhookUrl: r.webhook_url,
    wechatApiBaseUrl: r.wechat_api_base_url,
    wechatApiBackupUrl: r.wechat_api_backup_url,
    keyMode: r.key_mode,
    merchantSerial: r.merchant_serial,
    disabledAt: r.disabled_at,
    createdAt: r.created_at,
  };
}

/** zod issues as `{path, message}` only: the offending values may be secrets and are never echoed. */
export function invalidInput(code: string, message: string, issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): AppError {
  return new AppError('invalid_input', code, message, {
    issues: issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  });
}

export async function createMerchant(deps: MerchantDeps, input: NewMerchantInput): Promise<Merchant> {
  const parsed = newMerchantSchema.safeParse(input);
  if (!parsed.success) throw invalidInput('invalid_merchant', 'the merchant is not valid', parsed.error.issues);
  const m = parsed.data;
  const certs: PlatformCertificateRecord[] = m.platformCertificates.map((c) => ({ serial_no: c.serialNo.toUpperCase(), pem: c.pem }));
  try {
    const row = await repo.insertMerchant(
      deps.db,
      {
        id: newId('mer'),
        name: m.name,
        mchid: m.mchid,
        appid: m.appid,
        mode: m.mode,
        h5_domains: m.h5Domains,
        webhook_url: m.webhookUrl ?? null,
        wechat_api_base_url: m.wechatApiBaseUrl,
        wechat_api_backup_url: m.wechatApiBackupUrl ?? null,
        key_mode: m.keyMode,
        merchant_serial: m.merchantSerial.toUpperCase(),
        created_at: new Date(deps.clock.now()),
      },
      {
        merchant_private_key_pem: m.merchantPrivateKeyPem,
        apiv3_key: m.apiv3Key,
        wechatpay_public_key_id: m.wechatpayPublicKeyId ?? null,
        wechatpay_public_key_pem: m.wechatpayPublicKeyPem ?? null,
        platform_certificates: certs,
        webhook_secret_current: generateWebhookSecret(),
      },
    );
    return toMerchant(row);
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new AppError('conflict', 'merchant_exists', `a merchant for mchid ${m.mchid} and appid ${m.appid} already exists`);
    }
    throw e;
  }
}

export async function getMerchant(deps: Pick<MerchantDeps, 'db'>, id: string): Promise<Merchant> {
  const row = await repo.findMerchantById(deps.db, id);
  if (!row) throw new AppError('not_found', 'merchant_not_found', `no merchant ${id}`);
  return toMerchant(row);
}

export async function listMerchants(deps: Pick<MerchantDeps, 'db'>): Promise<Merchant[]> {
  return (await repo.listMerchants(deps.db)).map(toMerchant);
}

/** Everything needed to build a WeChat Pay client and sign webhooks; secret values stay wrapped. */
export interface MerchantCredentials {
  merchantId: string;
  merchantPrivateKeyPem: Secret<string>;
  apiv3Key: Secret<string>;
  wechatpayPublicKeyId: string | null;
  wechatpayPublicKeyPem: string | null;
  platformCertificates: Array<{ serialNo: string; pem: string }>;
  /** Valid webhook signing secrets, current first (two during a rotation). */
  webhookSecrets: Array<Secret<string>>;
}

export async function loadMerchantCredentials(deps: MerchantDeps, merchantId: string): Promise<MerchantCredentials> {
  const c = await repo.findMerchantCredentials(deps.db, merchantId);
  if (!c) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
  const secrets = [new Secret(c.webhook_secret_current)];
  const prevValid = c.webhook_secret_previous_expires_at && c.webhook_secret_previous_expires_at.getTime() > deps.clock.now();
  if (c.webhook_secret_previous && prevValid) secrets.push(new Secret(c.webhook_secret_previous));
  return {
    merchantId,
    merchantPrivateKeyPem: new Secret(c.merchant_private_key_pem),
    apiv3Key: new Secret(c.apiv3_key),
    wechatpayPublicKeyId: c.wechatpay_public_key_id,
    wechatpayPublicKeyPem: c.wechatpay_public_key_pem,
    platformCertificates: c.platform_certificates.map((p) => ({ serialNo: p.serial_no, pem: p.pem })),
    webhookSecrets: secrets,
  };
}
