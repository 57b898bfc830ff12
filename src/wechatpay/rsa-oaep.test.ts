import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/helpers/fixtures.ts';
import { WechatPayKeyError } from './errors.ts';
import { loadCertificate, loadPrivateKey, loadPublicKey } from './keys.ts';
import { decryptSensitiveField, encryptSensitiveField, OAEP_MAX_PLAINTEXT_BYTES, sensitiveFieldEncryptor } from './rsa-oaep.ts';
import { WechatPayKeyStore } from './verifier.ts';

const pub = loadPublicKey(readFixture('official/java-wechat_pay_public_key.pem'));
const priv = loadPrivateKey(readFixture('official/java-wechat_pay_private_key.pem'));
const other = loadPrivateKey(readFixture('official/go-test_private_key.pem'));

describe('sensitive-field encryption (RSA-OAEP SHA-1)', () => {
  it('round-trips a Chinese name and is randomised', () => {
    const a = encryptSensitiveField(pub, '张三');
    expect(a).not.toBe(encryptSensitiveField(pub, '张三'));
    expect(Buffer.from(a, 'base64')).toHaveLength(256);
    expect(decryptSensitiveField(priv, a)).toBe('张三');
  });

  it('takes at most 214 bytes and fails to decrypt with another key', () => {
    expect(decryptSensitiveField(priv, encryptSensitiveField(pub, 'x'.repeat(OAEP_MAX_PLAINTEXT_BYTES)))).toHaveLength(214);
    expect(() => encryptSensitiveField(pub, 'x'.repeat(OAEP_MAX_PLAINTEXT_BYTES + 1))).toThrow(RangeError);
    expect(() => decryptSensitiveField(other, encryptSensitiveField(pub, 'secret'))).toThrow();
  });
});

describe('sensitive fields and Wechatpay-Serial', () => {
  const goCert = loadCertificate(readFixture('official/go-wechatpay_certificate.pem'));
  const PUB_ID = 'PUB_KEY_ID_0112345678901234567890123456';

  it('encrypts with the key the client names in Wechatpay-Serial: the public key when held, else the certificate', () => {
    const both = new WechatPayKeyStore().addCertificate(goCert).addPublicKey(PUB_ID, pub);
    const e = sensitiveFieldEncryptor(both, Date.now());
    expect(e.serial).toBe(both.acceptSerial());
    expect(e.serial).toBe(PUB_ID);
    expect(decryptSensitiveField(priv, e.encrypt('张三'))).toBe('张三');

    const certOnly = sensitiveFieldEncryptor(new WechatPayKeyStore().addCertificate(goCert), Date.now());
    expect(certOnly.serial).toBe(goCert.serial);
    expect(decryptSensitiveField(other, certOnly.encrypt('13800000000'))).toBe('13800000000');
  });

  it('refuses without a key, or with a certificate outside its validity', () => {
    expect(() => sensitiveFieldEncryptor(new WechatPayKeyStore(), Date.now())).toThrow(WechatPayKeyError);
    expect(() => sensitiveFieldEncryptor(new WechatPayKeyStore().addCertificate(goCert), goCert.notAfter.getTime() + 1000)).toThrow(WechatPayKeyError);
  });
});
