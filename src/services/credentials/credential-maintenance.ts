import { X509Certificate } from 'node:crypto';
import type { ServiceContext } from '../context.ts';
import { nextExpiryEvent, type ExpiryWarning } from '../../credentials/expiry.ts';
import { downloadCertificates } from '../../wechatpay/certificates.ts';
import { ApiV3Key } from '../../wechatpay/aead.ts';
import { normaliseSerial } from '../../wechatpay/keys.ts';
import { emitEvent } from '../events/emit-event.ts';
import { loadMerchantCredentials } from '../merchants/merchants.ts';
import { expireApiV3Grace } from './apiv3-key-change.ts';
import { auditCredentialChange } from './credential-audit.ts';
import type { PlatformCertificateRecord } from '../../db/schema.ts';

type Ctx = Pick<ServiceContext, 'db' | 'clock' | 'vault' | 'wechat' | 'jobs' | 'logger'>;

/** Certificate mode refreshes platform certificates this often (WeChat rotates them with overlap). */
export const CERTIFICATE_REFRESH_MS = 12 * 3600_000;

interface Tracked {
  key: string;
  kind: 'merchant_certificate' | 'platform_certificate';
  serial: string;
  notAfter: Date;
}

/**
 * The periodic credentials job: ends APIv3 grace windows, refreshes platform certificates every 12 h
 * in certificate mode (keeping every still-valid certificate), and emits `credential.expiring` once
 * per threshold (30, 7, 1 days, expired) for the merchant certificate and each platform certificate.
 */
export async function runCredentialMaintenance(ctx: Ctx): Promise<{ warnings: number; refreshed: number }> {
  let warnings = 0;
  let refreshed = 0;
  const rows = await ctx.db
    .selectFrom('merchant_credentials as c')
    .innerJoin('merchants as m', 'm.id', 'c.merchant_id')
    .select(['c.merchant_id', 'm.key_mode', 'c.merchant_cert_pem', 'c.merchant_cert_expires_at', 'c.platform_certificates', 'c.certificates_refreshed_at', 'c.expiry_warnings', 'c.apiv3_key_previous_expires_at'])
    .where('m.disabled_at', 'is', null)
    .execute();
  for (const r of rows) {
    try {
      if (r.apiv3_key_previous_expires_at && r.apiv3_key_previous_expires_at.getTime() <= ctx.clock.now()) await expireApiV3Grace(ctx, r.merchant_id);
      let certs = r.platform_certificates;
      const due = !r.certificates_refreshed_at || ctx.clock.now() - r.certificates_refreshed_at.getTime() >= CERTIFICATE_REFRESH_MS;
      if (r.key_mode === 'platform_certificate' && due) {
        certs = await refreshPlatformCertificates(ctx, r.merchant_id, certs);
        refreshed++;
      }
      const tracked: Tracked[] = [];
      if (r.merchant_cert_expires_at && r.merchant_cert_pem) {
        tracked.push({ key: 'merchant', kind: 'merchant_certificate', serial: normaliseSerial(new X509Certificate(r.merchant_cert_pem).serialNumber), notAfter: r.merchant_cert_expires_at });
      }
      for (const c of certs) {
        const notAfter = c.expires_at ? new Date(c.expires_at) : new Date(new X509Certificate(c.pem).validTo);
        tracked.push({ key: `platform:${c.serial_no}`, kind: 'platform_certificate', serial: c.serial_no, notAfter });
      }
      warnings += await warnExpiring(ctx, r.merchant_id, tracked, r.expiry_warnings);
    } catch (e) {
      ctx.logger.warn({ merchantId: r.merchant_id, code: (e as { code?: string }).code }, 'credential maintenance failed for a merchant; retried next run');
    }
  }
  return { warnings, refreshed };
}

async function warnExpiring(ctx: Ctx, merchantId: string, tracked: Tracked[], sent: Record<string, string>): Promise<number> {
  const now = ctx.clock.now();
  const next: Record<string, string> = { ...sent };
  const due: Array<Tracked & { warning: ExpiryWarning }> = [];
  for (const t of tracked) {
    const mark = `${t.key}:${t.serial}`;
    const w = nextExpiryEvent({ notAfter: t.notAfter }, now, (sent[mark] as ExpiryWarning | undefined) ?? null);
    if (w) {
      due.push({ ...t, warning: w });
      next[mark] = w;
    }
  }
  if (due.length === 0) return 0;
  await ctx.db.transaction().execute(async (trx) => {
    for (const d of due) {
      await emitEvent(ctx, trx, {
        merchantId,
        type: 'credential.expiring',
        dedupKey: `credential.expiring:${merchantId}:${d.kind}:${d.serial}:${d.warning}`,
        data: { kind: d.kind, serial_no: d.serial, expires_at: d.notAfter.toISOString(), warning: d.warning },
      });
    }
    await trx.updateTable('merchant_credentials').set({ expiry_warnings: JSON.stringify(next) }).where('merchant_id', '=', merchantId).execute();
  });
  return due.length;
}

/** Downloads the current platform certificates and stores the union with those still valid. */
async function refreshPlatformCertificates(ctx: Ctx, merchantId: string, known: PlatformCertificateRecord[]): Promise<PlatformCertificateRecord[]> {
  const w = await ctx.wechat.forMerchant(merchantId);
  const creds = await loadMerchantCredentials(ctx, merchantId);
  const r = await downloadCertificates(w.client, { apiV3Key: ApiV3Key.from(creds.apiv3Key.reveal()), store: w.keyStore, clock: ctx.clock });
  const now = ctx.clock.now();
  const bySerial = new Map<string, PlatformCertificateRecord>();
  for (const c of known) if (!c.expires_at || Date.parse(c.expires_at) > now) bySerial.set(c.serial_no, c);
  if (r.mode === 'certificate') {
    for (const c of r.certificates) {
      if (c.notAfter.getTime() > now) bySerial.set(c.serial, { serial_no: c.serial, pem: c.pem, expires_at: c.notAfter.toISOString() });
    }
  }
  const merged = [...bySerial.values()];
  const before = new Set(known.map((c) => c.serial_no));
  const added = merged.map((c) => c.serial_no).filter((serial) => !before.has(serial));
  const removed = [...before].filter((serial) => !bySerial.has(serial));
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('merchant_credentials')
      .set({ platform_certificates: JSON.stringify(merged), certificates_refreshed_at: new Date(now) })
      .where('merchant_id', '=', merchantId)
      .execute();
    // A key rotation on WeChat's side (new certificate) or an expiry: audited; an unchanged refresh is not.
    if (added.length || removed.length) {
      await auditCredentialChange(ctx, trx, { actor: { type: 'system', id: 'credentials-job' } }, merchantId, 'platform_certificates.refreshed', { added, removed });
    }
  });
  if (added.length || removed.length) await ctx.wechat.invalidate(merchantId);
  return merged;
}
