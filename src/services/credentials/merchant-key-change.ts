import { AppError } from '../../lib/errors.ts';
import { assertCertificateValid, importMerchantCredentials, parseCertificate } from '../../credentials/merchant-credentials.ts';
import { normaliseSerial } from '../../wechatpay/keys.ts';
import { importWechatPayPublicKey } from '../../credentials/wechatpay-public-key.ts';
import { findMerchantById } from '../../db/merchants.ts';
import type { ServiceContext } from '../context.ts';
import { destroySecret, moveSecret, sealSecret, secretIds } from '../custody/secrets.ts';
import { auditCredentialChange, type CredentialActor } from './credential-audit.ts';

type Ctx = Pick<ServiceContext, 'db' | 'clock' | 'vault' | 'wechat'>;

/**
 * Guided merchant key rotation, no restart: stage the new certificate + key beside the active pair
 * (checked: pair match, serial, validity, CN = mchid) → switch (requests sign with the new key; the
 * old one is kept as "retired" so a switch can be undone) → retire (the old key is destroyed).
 */
export async function stageMerchantKey(ctx: Ctx, merchantId: string, input: { certificatePem: string; privateKeyPem: string }, by: CredentialActor): Promise<{ staged_serial: string; not_after: string }> {
  const m = await findMerchantById(ctx.db, merchantId);
  if (!m) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
  const c = importMerchantCredentials({ ...input, nowMs: ctx.clock.now(), mchid: m.mchid });
  if (c.serial === m.merchant_serial.toUpperCase()) throw new AppError('conflict', 'credential_serial_unchanged', 'this certificate is already the active one');
  await ctx.db.transaction().execute(async (trx) => {
    await sealSecret(ctx, trx, secretIds.merchantPrivateKeyStaged(merchantId), input.privateKeyPem);
    await trx
      .updateTable('merchant_credentials')
      .set({ staged_merchant_serial: c.serial, staged_merchant_cert_pem: c.certificatePem, staged_merchant_cert_expires_at: c.notAfter, updated_at: new Date(ctx.clock.now()) })
      .where('merchant_id', '=', merchantId)
      .execute();
    await auditCredentialChange(ctx, trx, by, merchantId, 'merchant_key.staged', { serial: c.serial, not_after: c.notAfter.toISOString() });
  });
  return { staged_serial: c.serial, not_after: c.notAfter.toISOString() };
}

export async function switchMerchantKey(ctx: Ctx, merchantId: string, by: CredentialActor): Promise<{ active_serial: string; retired_serial: string }> {
  const now = new Date(ctx.clock.now());
  const out = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('merchant_credentials as c')
      .innerJoin('merchants as m', 'm.id', 'c.merchant_id')
      .select(['m.merchant_serial', 'c.staged_merchant_serial', 'c.staged_merchant_cert_pem', 'c.staged_merchant_cert_expires_at', 'c.merchant_cert_pem', 'c.merchant_cert_expires_at'])
      .where('c.merchant_id', '=', merchantId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
    if (!row.staged_merchant_serial) throw new AppError('conflict', 'credential_nothing_staged', 'stage a new certificate and key first');
    await moveSecret(ctx, trx, secretIds.merchantPrivateKey(merchantId), secretIds.merchantPrivateKeyRetired(merchantId));
    await moveSecret(ctx, trx, secretIds.merchantPrivateKeyStaged(merchantId), secretIds.merchantPrivateKey(merchantId));
    await trx.updateTable('merchants').set({ merchant_serial: row.staged_merchant_serial, updated_at: now }).where('id', '=', merchantId).execute();
    await trx
      .updateTable('merchant_credentials')
      .set({
        merchant_cert_pem: row.staged_merchant_cert_pem,
        merchant_cert_expires_at: row.staged_merchant_cert_expires_at,
        retired_merchant_serial: row.merchant_serial,
        staged_merchant_serial: null,
        staged_merchant_cert_pem: null,
        staged_merchant_cert_expires_at: null,
        updated_at: now,
      })
      .where('merchant_id', '=', merchantId)
      .execute();
    await auditCredentialChange(ctx, trx, by, merchantId, 'merchant_key.switched', { active_serial: row.staged_merchant_serial, retired_serial: row.merchant_serial });
    return { active_serial: row.staged_merchant_serial, retired_serial: row.merchant_serial };
  });
  await ctx.wechat.invalidate(merchantId);
  return out;
}

/** Destroys the retired key once the new one is confirmed working (it cannot be switched back after). */
export async function retireMerchantKey(ctx: Ctx, merchantId: string, by: CredentialActor): Promise<{ retired_serial: string }> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('merchant_credentials').select('retired_merchant_serial').where('merchant_id', '=', merchantId).forUpdate().executeTakeFirst();
    if (!row) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
    if (!row.retired_merchant_serial) throw new AppError('conflict', 'credential_nothing_to_retire', 'there is no previous merchant key to retire');
    await destroySecret(trx, secretIds.merchantPrivateKeyRetired(merchantId));
    await trx.updateTable('merchant_credentials').set({ retired_merchant_serial: null, updated_at: new Date(ctx.clock.now()) }).where('merchant_id', '=', merchantId).execute();
    await auditCredentialChange(ctx, trx, by, merchantId, 'merchant_key.retired', { serial: row.retired_merchant_serial });
    return { retired_serial: row.retired_merchant_serial };
  });
}

/**
 * Platform certificates → WeChat Pay public key. Adding the key starts the dual-verification
 * window (the key store then accepts signatures by either); `cutOverToPublicKey` ends it.
 */
export async function addWechatPayPublicKey(ctx: Ctx, merchantId: string, input: { publicKeyId: string; publicKeyPem: string }, by: CredentialActor): Promise<void> {
  const k = importWechatPayPublicKey(input);
  const pem = k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const now = new Date(ctx.clock.now());
  await ctx.db.transaction().execute(async (trx) => {
    const m = await trx.selectFrom('merchants').select('key_mode').where('id', '=', merchantId).forUpdate().executeTakeFirst();
    if (!m) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
    await trx
      .updateTable('merchant_credentials')
      .set({ wechatpay_public_key_id: k.publicKeyId, wechatpay_public_key_pem: pem, dual_verification_since: m.key_mode === 'platform_certificate' ? now : null, updated_at: now })
      .where('merchant_id', '=', merchantId)
      .execute();
    await auditCredentialChange(ctx, trx, by, merchantId, 'wechatpay_public_key.added', { public_key_id: k.publicKeyId, dual_verification: m.key_mode === 'platform_certificate' });
  });
  await ctx.wechat.invalidate(merchantId);
}

export async function cutOverToPublicKey(ctx: Ctx, merchantId: string, by: CredentialActor): Promise<void> {
  const now = new Date(ctx.clock.now());
  await ctx.db.transaction().execute(async (trx) => {
    const c = await trx.selectFrom('merchant_credentials').select(['wechatpay_public_key_id']).where('merchant_id', '=', merchantId).forUpdate().executeTakeFirst();
    if (!c) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
    if (!c.wechatpay_public_key_id) throw new AppError('conflict', 'credential_public_key_missing', 'add the WeChat Pay public key before cutting over');
    await trx.updateTable('merchants').set({ key_mode: 'public_key', updated_at: now }).where('id', '=', merchantId).execute();
    await trx.updateTable('merchant_credentials').set({ platform_certificates: '[]', dual_verification_since: null, updated_at: now }).where('merchant_id', '=', merchantId).execute();
    await auditCredentialChange(ctx, trx, by, merchantId, 'wechatpay_public_key.cut_over', { public_key_id: c.wechatpay_public_key_id });
  });
  await ctx.wechat.invalidate(merchantId);
}

/**
 * Imports WeChat Pay platform certificates (certificate mode), each parsed and checked for validity;
 * they join those already held that are still valid, so a certificate WeChat still signs with is never dropped.
 */
export async function importPlatformCertificates(ctx: Ctx, merchantId: string, pems: readonly string[], by: CredentialActor): Promise<{ serials: string[] }> {
  if (pems.length === 0 || pems.length > 20) throw new AppError('invalid_input', 'credential_certificates_count', 'give 1 to 20 platform certificates');
  const now = ctx.clock.now();
  const parsed = pems.map((pem, i) => {
    const cert = parseCertificate(pem, `certificates.${i}`);
    assertCertificateValid(cert, now, `certificates.${i}`);
    return { serial_no: normaliseSerial(cert.serialNumber), pem: cert.toString(), expires_at: new Date(cert.validTo).toISOString() };
  });
  await ctx.db.transaction().execute(async (trx) => {
    const c = await trx.selectFrom('merchant_credentials').select('platform_certificates').where('merchant_id', '=', merchantId).forUpdate().executeTakeFirst();
    if (!c) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
    const bySerial = new Map(c.platform_certificates.filter((x) => !x.expires_at || Date.parse(x.expires_at) > now).map((x) => [x.serial_no, x]));
    for (const p of parsed) bySerial.set(p.serial_no, p);
    await trx.updateTable('merchant_credentials').set({ platform_certificates: JSON.stringify([...bySerial.values()]), updated_at: new Date(now) }).where('merchant_id', '=', merchantId).execute();
    await auditCredentialChange(ctx, trx, by, merchantId, 'platform_certificates.imported', { serials: parsed.map((p) => p.serial_no) });
  });
  await ctx.wechat.invalidate(merchantId);
  return { serials: parsed.map((p) => p.serial_no) };
}
