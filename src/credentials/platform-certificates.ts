import type { KeyObject } from 'node:crypto';
import { AppError } from '../lib/errors.ts';
import { normaliseSerial } from '../wechatpay/keys.ts';
import { parseCertificate } from './merchant-credentials.ts';

export interface PlatformCertificate {
  serial: string;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  pem: string;
}

/**
 * Imports WeChat Pay platform certificates (certificate mode). Every currently valid certificate is
 * kept, because WeChat signs with the new one while the old is still in use during its own rotation;
 * expired or not-yet-valid ones are dropped and reported. Duplicates (same serial) collapse.
 */
export function importPlatformCertificates(pems: ReadonlyArray<string | Buffer>, nowMs: number): { valid: PlatformCertificate[]; dropped: Array<{ serial: string; reason: 'expired' | 'not_yet_valid' }> } {
  if (pems.length === 0) throw new AppError('invalid_input', 'credential_platform_certificate_missing', 'at least one platform certificate is needed');
  const valid = new Map<string, PlatformCertificate>();
  const dropped: Array<{ serial: string; reason: 'expired' | 'not_yet_valid' }> = [];
  for (const pem of pems) {
    const cert = parseCertificate(pem, 'platform_certificate');
    const serial = normaliseSerial(cert.serialNumber);
    const notBefore = new Date(cert.validFrom);
    const notAfter = new Date(cert.validTo);
    if (nowMs < notBefore.getTime()) dropped.push({ serial, reason: 'not_yet_valid' });
    else if (nowMs > notAfter.getTime()) dropped.push({ serial, reason: 'expired' });
    else valid.set(serial, { serial, publicKey: cert.publicKey, notBefore, notAfter, pem: cert.toString() });
  }
  if (valid.size === 0) {
    throw new AppError('invalid_input', 'credential_certificate_expired', 'none of the platform certificates is valid now', { dropped });
  }
  return { valid: [...valid.values()].sort((a, b) => b.notAfter.getTime() - a.notAfter.getTime()), dropped };
}
