import { describe, expect, it } from 'vitest';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { buildSelfSignedCertificate } from './x509.ts';
import { loadCertificate } from '../wechatpay/keys.ts';

describe('buildSelfSignedCertificate', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  it('produces a certificate node:crypto parses, with the chosen serial, names and validity, that verifies under its own key', () => {
    const notBefore = new Date('2024-01-02T03:04:05Z');
    const notAfter = new Date('2055-06-07T08:09:10Z');
    const pem = buildSelfSignedCertificate({
      serialHex: 'F1C72E2A8931B72A2E13AF8DEE92471EB3971150',
      subject: { country: 'CN', organisation: '微信商户系统', organisationalUnit: 'Tenpay.com CA Center', commonName: '1900000001' },
      notBefore,
      notAfter,
      publicKey,
      signingKey: privateKey,
    });
    const cert = new X509Certificate(pem);
    expect(cert.verify(publicKey)).toBe(true);
    expect(cert.subject).toContain('CN=1900000001');
    expect(cert.subject).toContain('O=微信商户系统');
    expect(new Date(cert.validFrom).getTime()).toBe(notBefore.getTime());
    expect(new Date(cert.validTo).getTime()).toBe(notAfter.getTime());
    const info = loadCertificate(pem);
    expect(info.serial).toBe('F1C72E2A8931B72A2E13AF8DEE92471EB3971150');
  });

  it('keeps a serial whose top bit is set positive', () => {
    const pem = buildSelfSignedCertificate({
      serialHex: 'FF00',
      subject: { commonName: 'x' },
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86400_000),
      publicKey,
      signingKey: privateKey,
    });
    expect(loadCertificate(pem).serial).toBe('FF00');
  });
});
