import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/helpers/fixtures.ts';
import { loadPrivateKey, loadPublicKey } from './keys.ts';
import { decryptSensitiveField, encryptSensitiveField, OAEP_MAX_PLAINTEXT_BYTES } from './rsa-oaep.ts';

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
