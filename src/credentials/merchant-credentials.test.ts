import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/helpers/fixtures.ts';
import { importApiV3Key } from './apiv3-key.ts';
import { importMerchantCredentials, parseMerchantPrivateKey } from './merchant-credentials.ts';
import { importPlatformCertificates } from './platform-certificates.ts';
import { importWechatPayPublicKey } from './wechatpay-public-key.ts';

const CERT = readFixture('official/java-merchant_certificate.pem');
const KEY = readFixture('official/java-merchant_private_key.pem');
const OTHER_KEY = readFixture('official/go-test_private_key.pem');
const WECHAT_CERT = readFixture('official/java-wechat_pay_certificate.pem');
const GO_CERT = readFixture('official/go-wechatpay_certificate.pem');
const WECHAT_PUB = readFixture('official/java-wechat_pay_public_key.pem');
/** Inside both fixture certificates' validity (2022-05-10 .. 2025-05-09). */
const DURING = Date.parse('2024-01-01T00:00:00Z');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('merchant certificate and key import', () => {
  it('accepts a matching pair and extracts the serial and validity', () => {
    const c = importMerchantCredentials({ certificatePem: CERT, privateKeyPem: KEY, nowMs: DURING });
    expect(c.serial).toBe('5F1C72E2A8931B72A2E13AF8DEE92471EB397115');
    expect(c.notAfter.toISOString()).toBe('2025-05-09T01:57:10.000Z');
    expect(c.privateKey.type).toBe('private');
  });

  it('refuses a key that does not belong to the certificate', () => {
    expect(codeOf(() => importMerchantCredentials({ certificatePem: CERT, privateKeyPem: OTHER_KEY, nowMs: DURING }))).toBe('credential_key_pair_mismatch');
  });

  it('refuses an expired or not-yet-valid certificate', () => {
    expect(codeOf(() => importMerchantCredentials({ certificatePem: CERT, privateKeyPem: KEY, nowMs: Date.parse('2025-05-10T00:00:00Z') }))).toBe('credential_certificate_expired');
    expect(codeOf(() => importMerchantCredentials({ certificatePem: CERT, privateKeyPem: KEY, nowMs: Date.parse('2022-01-01T00:00:00Z') }))).toBe('credential_certificate_expired');
  });

  it('names malformed PEMs, encrypted keys, and short or non-RSA keys', () => {
    expect(codeOf(() => importMerchantCredentials({ certificatePem: 'garbage', privateKeyPem: KEY, nowMs: DURING }))).toBe('credential_malformed_pem');
    expect(codeOf(() => importMerchantCredentials({ certificatePem: CERT, privateKeyPem: KEY.slice(0, 200), nowMs: DURING }))).toBe('credential_malformed_pem');
    expect(codeOf(() => importMerchantCredentials({ certificatePem: CERT.replace(/[A-Za-z]{4}/, 'AAAA'), privateKeyPem: KEY, nowMs: DURING }))).toBe('credential_malformed_pem');
    const enc = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' });
    expect(codeOf(() => parseMerchantPrivateKey(enc))).toBe('credential_key_encrypted');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(codeOf(() => parseMerchantPrivateKey(ec))).toBe('credential_key_unsupported');
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(codeOf(() => parseMerchantPrivateKey(short))).toBe('credential_key_unsupported');
  });

  it('checks the certificate CN against the merchant id when one is given', () => {
    expect(codeOf(() => importMerchantCredentials({ certificatePem: CERT, privateKeyPem: KEY, nowMs: DURING, mchid: '1900000109' }))).toBe('credential_mchid_mismatch');
    expect(importMerchantCredentials({ certificatePem: CERT, privateKeyPem: KEY, nowMs: DURING, mchid: 'test' }).serial).toMatch(/^5F1C/);
  });

  it('never puts key material into an error', () => {
    try {
      importMerchantCredentials({ certificatePem: CERT, privateKeyPem: OTHER_KEY, nowMs: DURING });
    } catch (e) {
      const text = `${String(e)} ${JSON.stringify(e)} ${JSON.stringify((e as { details?: unknown }).details ?? null)}`;
      expect(text).not.toContain('MIIE');
    }
  });
});

describe('APIv3 key import', () => {
  it('accepts exactly 32 printable ASCII bytes and hides the value', () => {
    const k = importApiV3Key('0123456789abcdefABCDEF0123456789');
    expect(k.reveal()).toHaveLength(32);
    expect(JSON.stringify({ k })).not.toContain('0123');
  });

  it('refuses other lengths, counting bytes rather than characters', () => {
    expect(codeOf(() => importApiV3Key('x'.repeat(31)))).toBe('credential_apiv3_key_length');
    expect(codeOf(() => importApiV3Key('x'.repeat(33)))).toBe('credential_apiv3_key_length');
    // 32 characters, but 34 bytes: the key must be 32 *bytes* for AES-256.
    expect(codeOf(() => importApiV3Key('密' + 'x'.repeat(31)))).toBe('credential_apiv3_key_length');
    // 32 bytes made of multi-byte characters: right length, refused as not what the platform issues.
    expect(codeOf(() => importApiV3Key('密'.repeat(10) + 'xx'))).toBe('credential_apiv3_key_charset');
    expect(codeOf(() => importApiV3Key(`${'x'.repeat(31)} `))).toBe('credential_apiv3_key_charset');
  });
});

describe('WeChat Pay public key import', () => {
  it('accepts a PEM public key with a PUB_KEY_ID_ id', () => {
    const k = importWechatPayPublicKey({ publicKeyId: 'PUB_KEY_ID_0114232134912410000000000000', publicKeyPem: WECHAT_PUB });
    expect(k.publicKeyId).toBe('PUB_KEY_ID_0114232134912410000000000000');
    expect(k.publicKey.type).toBe('public');
  });

  it('names a malformed id, a malformed PEM and a private key uploaded by mistake', () => {
    expect(codeOf(() => importWechatPayPublicKey({ publicKeyId: '0114232134912410000000000000', publicKeyPem: WECHAT_PUB }))).toBe('credential_public_key_id_malformed');
    expect(codeOf(() => importWechatPayPublicKey({ publicKeyId: 'PUB_KEY_ID_01', publicKeyPem: 'nope' }))).toBe('credential_malformed_pem');
    expect(codeOf(() => importWechatPayPublicKey({ publicKeyId: 'PUB_KEY_ID_01', publicKeyPem: KEY }))).toBe('credential_private_key_supplied');
  });
});

describe('platform certificates import', () => {
  it('keeps every valid certificate, newest expiry first, and drops expired ones', () => {
    const r = importPlatformCertificates([WECHAT_CERT, GO_CERT, WECHAT_CERT], DURING);
    expect(r.valid.map((c) => c.serial)).toEqual(['D7CE59D1F522D701', '440024045C4A427599D09BB4E3DE0279F2E813FD']);
    const later = importPlatformCertificates([WECHAT_CERT, GO_CERT], Date.parse('2026-01-01T00:00:00Z'));
    expect(later.valid.map((c) => c.serial)).toEqual(['D7CE59D1F522D701']);
    expect(later.dropped).toEqual([{ serial: '440024045C4A427599D09BB4E3DE0279F2E813FD', reason: 'expired' }]);
  });

  it('refuses an empty list or a list with nothing valid', () => {
    expect(codeOf(() => importPlatformCertificates([], DURING))).toBe('credential_platform_certificate_missing');
    expect(codeOf(() => importPlatformCertificates([WECHAT_CERT], Date.parse('2030-01-01T00:00:00Z')))).toBe('credential_certificate_expired');
    expect(codeOf(() => importPlatformCertificates(['junk'], DURING))).toBe('credential_malformed_pem');
  });
});
