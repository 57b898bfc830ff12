import { api } from './client.ts';

/**
 * The Keys page's admin API: a merchant's WeChat credential status (serials, validity, grace windows —
 * never secret material) and the guided rotations (src/http/routes/admin-credentials.ts). Pasted keys
 * go straight into the request body; nothing here keeps them.
 */
const enc = encodeURIComponent;

export type ExpiryWarning = 'expired' | 'expires_in_1d' | 'expires_in_7d' | 'expires_in_30d';

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
  merchant_key: { active: CertificateStatus; staged: CertificateStatus | null; retired: { serial: string } | null };
  apiv3_key: { configured: boolean; previous_in_grace_until: string | null };
  wechatpay_public_key: { id: string | null; dual_verification_since: string | null };
  platform_certificates: CertificateStatus[];
  warnings: Array<{ kind: 'merchant_certificate' | 'staged_merchant_certificate' | 'platform_certificate'; serial: string; warning: ExpiryWarning; not_after: string }>;
}

const base = (m: string) => `/merchants/${enc(m)}/credentials`;

export const credentialPaths = {
  status: (m: string) => base(m),
};

export const credentialActions = {
  changeApiV3Key: (m: string, apiv3Key: string) => api<{ previous_key_expires_at: string }>('POST', `${base(m)}/apiv3-key`, { apiv3_key: apiv3Key }),
  stageMerchantKey: (m: string, certificatePem: string, privateKeyPem: string) =>
    api<{ staged_serial: string; not_after: string }>('POST', `${base(m)}/merchant-key/stage`, { certificate_pem: certificatePem, private_key_pem: privateKeyPem }),
  switchMerchantKey: (m: string) => api<{ active_serial: string; retired_serial: string }>('POST', `${base(m)}/merchant-key/switch`, {}),
  retireMerchantKey: (m: string) => api<{ retired_serial: string }>('POST', `${base(m)}/merchant-key/retire`, {}),
  importPlatformCertificates: (m: string, pems: string[]) => api<{ serials: string[] }>('POST', `${base(m)}/platform-certificates`, { pems }),
  addPublicKey: (m: string, publicKeyId: string, publicKeyPem: string) =>
    api<CredentialStatus>('POST', `${base(m)}/public-key`, { public_key_id: publicKeyId, public_key_pem: publicKeyPem }),
  cutOverToPublicKey: (m: string) => api<CredentialStatus>('POST', `${base(m)}/public-key/cut-over`, {}),
};

/** Badge class for an expiry warning: red when expired or within a day, amber within 7, blue within 30. */
export function warningClass(w: ExpiryWarning | null): string {
  switch (w) {
    case 'expired':
    case 'expires_in_1d':
      return 'badge badge-bad';
    case 'expires_in_7d':
      return 'badge badge-warn';
    case 'expires_in_30d':
      return 'badge badge-info';
    default:
      return 'badge badge-ok';
  }
}

export type ApiV3KeyProblem = 'length' | 'charset' | 'mismatch' | null;

/**
 * What is wrong with a new APIv3 key before it is sent (the server checks again): 32 bytes of printable
 * ASCII without spaces, typed identically twice. Counting UTF-8 bytes, as the server does.
 */
export function apiV3KeyProblem(key: string, again: string): ApiV3KeyProblem {
  if (new TextEncoder().encode(key).length !== 32) return 'length';
  if (!/^[\x21-\x7e]+$/.test(key)) return 'charset';
  if (key !== again) return 'mismatch';
  return null;
}

/** A pasted PEM looks like one block of the given kind (the server validates it properly). */
export function looksLikePem(text: string, kind: 'CERTIFICATE' | 'PRIVATE KEY' | 'PUBLIC KEY'): boolean {
  const t = text.trim();
  const label = kind === 'PRIVATE KEY' ? '(?:RSA |EC )?PRIVATE KEY' : kind === 'PUBLIC KEY' ? '(?:RSA )?PUBLIC KEY' : 'CERTIFICATE';
  return new RegExp(`^-----BEGIN ${label}-----[\\s\\S]+-----END ${label}-----$`).test(t);
}
