import type { KeyObject } from 'node:crypto';
import type { SandboxMerchant } from './sandbox-merchant.ts';

export type KeyMode = 'public-key' | 'certificate' | 'both';

export interface SigningKey {
  key: KeyObject;
  serial: string;
}

/**
 * Which WeChat-side key signs an answer. Public-key mode: the WeChat Pay public key (the mode of
 * merchants registered since late 2024). Certificate mode: the platform certificate. `both` is the
 * migration period: the key named by the request's `Wechatpay-Serial` when it is one of ours,
 * otherwise the public key (spec §1.4, §2.4).
 */
export function signingKeyFor(merchant: SandboxMerchant, mode: KeyMode, requestedSerial?: string): SigningKey {
  const publicKey = { key: merchant.wechatpayPrivateKey, serial: merchant.json.wechatpay_public_key_id };
  const platform = { key: merchant.platformPrivateKey, serial: merchant.platformCertificate.serial };
  if (mode === 'public-key') return publicKey;
  if (mode === 'certificate') return platform;
  if (requestedSerial && requestedSerial.toUpperCase() === platform.serial) return platform;
  return publicKey;
}

/** Notifications have no request to read a preference from: `both` signs them with the public key. */
export function notificationKeyFor(merchant: SandboxMerchant, mode: KeyMode): SigningKey {
  return signingKeyFor(merchant, mode === 'certificate' ? 'certificate' : 'public-key');
}
