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
import type { Vault } from '../../vault/vault.ts';
import { appendAudit, type AuditInput } from '../../audit/append.ts';
import { openSecret, openSecretIfExists, sealSecret, secretIds } from '../custody/secrets.ts';

/** Use-cases for merchants: create (validated), read without secrets, and load credentials for a client. */
export interface MerchantDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** Seals and opens the merchant's secrets (private key, APIv3 key, webhook secrets). */
  vault: Vault;
}

/** Who a change is attributed to in the audit log when the caller does not say. */
export const SYSTEM_ACTOR: AuditInput['actor'] = { type: 'system', id: 'anfu' };

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

export async function createMerchant(deps: MerchantDeps, input: NewMerchantInput, actor: AuditInput['actor'] = SYSTEM_ACTOR): Promise<Merchant> {
  const parsed = newMerchantSchema.safeParse(input);
  if (!parsed.success) throw invalidInput('invalid_merchant', 'the merchant is not valid', parsed.error.issues);
  const m = parsed.data;
  const certs: PlatformCertificateRecord[] = m.platformCertificates.map((c) => ({ serial_no: c.serialNo.toUpperCase(), pem: c.pem }));
  try {
    const id = newId('mer');
    const createdAt = new Date(deps.clock.now());
    const row = await deps.db.transaction().execute(async (trx) => {
      const r = await repo.insertMerchant(
        trx,
        {
          id,
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
          created_at: createdAt,
        },
        {
          wechatpay_public_key_id: m.wechatpayPublicKeyId ?? null,
          wechatpay_public_key_pem: m.wechatpayPublicKeyPem ?? null,
          platform_certificates: certs,
        },
      );
      // Secrets go sealed into vault_secrets in the same transaction: a merchant never exists half-keyed.
      await sealSecret(deps, trx, secretIds.merchantPrivateKey(id), m.merchantPrivateKeyPem);
      await sealSecret(deps, trx, secretIds.apiv3Key(id), m.apiv3Key);
      await sealSecret(deps, trx, secretIds.webhookSecretCurrent(id), generateWebhookSecret());
      await appendAudit(deps, trx, {
        actor,
        action: 'merchant.created',
        target: { type: 'merchant', id },
        merchantId: id,
        outcome: 'success',
        data: { mchid: m.mchid, appid: m.appid, mode: m.mode, key_mode: m.keyMode, merchant_serial: m.merchantSerial.toUpperCase() },
      });
      return r;
    });
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
  /** During an APIv3 key change: the previous key, which still decrypts notifications until `expiresAt`. */
  apiv3KeyPrevious?: { key: Secret<string>; expiresAt: Date };
  /** Present when the merchant signs through a remote signing service (then the local key is not used to sign). */
  remoteSigner?: { url: string; token: Secret<string> };
  /** The active merchant certificate, when stored: a remote signer's signatures are checked against it. */
  merchantCertPem?: string;
}

export async function loadMerchantCredentials(deps: MerchantDeps, merchantId: string): Promise<MerchantCredentials> {
  const c = await repo.findMerchantCredentials(deps.db, merchantId);
  if (!c) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
  const now = deps.clock.now();
  const secrets = [await openSecret(deps, secretIds.webhookSecretCurrent(merchantId))];
  const prevValid = c.webhook_secret_previous_expires_at !== null && c.webhook_secret_previous_expires_at.getTime() > now;
  const previous = prevValid ? await openSecretIfExists(deps, secretIds.webhookSecretPrevious(merchantId)) : undefined;
  if (previous) secrets.push(previous);
  const apiv3Grace = c.apiv3_key_previous_expires_at !== null && c.apiv3_key_previous_expires_at.getTime() > now;
  const apiv3Previous = apiv3Grace ? await openSecretIfExists(deps, secretIds.apiv3KeyPrevious(merchantId)) : undefined;
  return {
    merchantId,
    merchantPrivateKeyPem: await openSecret(deps, secretIds.merchantPrivateKey(merchantId)),
    apiv3Key: await openSecret(deps, secretIds.apiv3Key(merchantId)),
    ...(apiv3Previous && c.apiv3_key_previous_expires_at ? { apiv3KeyPrevious: { key: apiv3Previous, expiresAt: c.apiv3_key_previous_expires_at } } : {}),
    wechatpayPublicKeyId: c.wechatpay_public_key_id,
    wechatpayPublicKeyPem: c.wechatpay_public_key_pem,
    platformCertificates: c.platform_certificates.map((p) => ({ serialNo: p.serial_no, pem: p.pem })),
    webhookSecrets: secrets,
    ...(c.signer_mode === 'remote' && c.remote_signer_url ? { remoteSigner: { url: c.remote_signer_url, token: await openSecret(deps, secretIds.remoteSignerToken(merchantId)) } } : {}),
    ...(c.merchant_cert_pem ? { merchantCertPem: c.merchant_cert_pem } : {}),
  };
}
