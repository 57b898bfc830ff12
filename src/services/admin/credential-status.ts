import { X509Certificate } from 'node:crypto';
import { expiryWarnings, type ExpiryWarning } from '../../credentials/expiry.ts';
import { findVaultSecret } from '../../db/vault-secrets.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { secretIds } from '../custody/secrets.ts';
import { assertInScope, type MerchantScope } from '../operators/permissions.ts';

const DAY_MS = 86_400_000;

/** One certificate as the console shows it: serial, validity and the expiry warning due now. */
export interface CertificateStatus {
  serial: string;
  not_before: string | null;
  not_after: string | null;
  days_to_expiry: number | null;
  warning: ExpiryWarning | null;
}

export interface CredentialStatus {
  merchant_id: string;
  key_mode: string;
  merchant_key: {
    active: CertificateStatus;
    /** Staged beside the active pair, waiting for `switch`. */
    staged: CertificateStatus | null;
    /** The previous pair after a switch: can be switched back until it is retired. */
    retired: { serial: string } | null;
  };
  apiv3_key: { configured: boolean; previous_in_grace_until: string | null };
  /** Who signs requests to WeChat: the sealed local key, or a remote signing service (its URL; never its token). */
  signer: { mode: 'local' | 'remote'; url: string | null };
  wechatpay_public_key: { id: string | null; dual_verification_since: string | null };
  platform_certificates: CertificateStatus[];
  /** Every certificate within 30 days of expiry (or past it), tightest first. */
  warnings: Array<{ kind: 'merchant_certificate' | 'staged_merchant_certificate' | 'platform_certificate'; serial: string; warning: ExpiryWarning; not_after: string }>;
}

function certStatus(serial: string, pem: string | null, notAfter: Date | null, nowMs: number): CertificateStatus {
  let notBefore: Date | null = null;
  let end = notAfter;
  if (pem) {
    try {
      const c = new X509Certificate(pem);
      notBefore = new Date(c.validFrom);
      end ??= new Date(c.validTo);
    } catch {
      // A stored certificate that no longer parses: show what the columns hold.
    }
  }
  return {
    serial: serial.toUpperCase(),
    not_before: notBefore ? notBefore.toISOString() : null,
    not_after: end ? end.toISOString() : null,
    days_to_expiry: end ? Math.floor((end.getTime() - nowMs) / DAY_MS) : null,
    warning: end ? expiryWarnings({ notAfter: end }, nowMs) : null,
  };
}

const SEVERITY: Record<ExpiryWarning, number> = { expired: 0, expires_in_1d: 1, expires_in_7d: 2, expires_in_30d: 3 };

/**
 * The WeChat credentials of one merchant for the console's Keys page: lifecycle facts only (serials,
 * validity, which key is in grace) — never a private key, an APIv3 key or any other sealed secret.
 */
export async function credentialStatus(ctx: Pick<ServiceContext, 'db' | 'clock'>, scope: MerchantScope, merchantId: string): Promise<CredentialStatus> {
  assertInScope(scope, merchantId);
  const row = await ctx.db
    .selectFrom('merchants as m')
    .innerJoin('merchant_credentials as c', 'c.merchant_id', 'm.id')
    .select([
      'm.id', 'm.key_mode', 'm.merchant_serial', 'c.merchant_cert_pem', 'c.merchant_cert_expires_at', 'c.staged_merchant_serial',
      'c.staged_merchant_cert_pem', 'c.staged_merchant_cert_expires_at', 'c.retired_merchant_serial', 'c.apiv3_key_previous_expires_at',
      'c.wechatpay_public_key_id', 'c.dual_verification_since', 'c.platform_certificates', 'c.signer_mode', 'c.remote_signer_url',
    ])
    .where('m.id', '=', merchantId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'merchant_not_found', 'No such resource.');
  const now = ctx.clock.now();
  const active = certStatus(row.merchant_serial, row.merchant_cert_pem, row.merchant_cert_expires_at, now);
  const staged = row.staged_merchant_serial ? certStatus(row.staged_merchant_serial, row.staged_merchant_cert_pem, row.staged_merchant_cert_expires_at, now) : null;
  const platform = row.platform_certificates.map((c) => certStatus(c.serial_no, c.pem, c.expires_at ? new Date(c.expires_at) : null, now));
  const warnings: CredentialStatus['warnings'] = [];
  const note = (kind: CredentialStatus['warnings'][number]['kind'], c: CertificateStatus) => {
    if (c.warning && c.not_after) warnings.push({ kind, serial: c.serial, warning: c.warning, not_after: c.not_after });
  };
  note('merchant_certificate', active);
  if (staged) note('staged_merchant_certificate', staged);
  for (const p of platform) note('platform_certificate', p);
  warnings.sort((a, b) => SEVERITY[a.warning] - SEVERITY[b.warning]);
  const inGrace = row.apiv3_key_previous_expires_at && row.apiv3_key_previous_expires_at.getTime() > now ? row.apiv3_key_previous_expires_at : null;
  return {
    merchant_id: row.id,
    key_mode: row.key_mode,
    merchant_key: { active, staged, retired: row.retired_merchant_serial ? { serial: row.retired_merchant_serial } : null },
    apiv3_key: { configured: (await findVaultSecret(ctx.db, secretIds.apiv3Key(merchantId))) !== undefined, previous_in_grace_until: inGrace ? inGrace.toISOString() : null },
    signer: { mode: row.signer_mode, url: row.signer_mode === 'remote' ? row.remote_signer_url : null },
    wechatpay_public_key: { id: row.wechatpay_public_key_id, dual_verification_since: row.dual_verification_since?.toISOString() ?? null },
    platform_certificates: platform,
    warnings,
  };
}
