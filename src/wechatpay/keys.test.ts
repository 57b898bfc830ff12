import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/helpers/fixtures.ts';
import { isPublicKeyId, keysMatch, loadCertificate, loadPrivateKey, loadPublicKey, normaliseSerial } from './keys.ts';
import { WechatPayKeyError } from './errors.ts';
import { LocalSigner } from './signer.ts';
import { WechatPayKeyStore } from './verifier.ts';

describe('key loading', () => {
  it('reads the Go SDK "TESTING KEY" armour as a private key', () => {
    const pem = readFixture('official/go-test_private_key.pem');
    const key = loadPrivateKey(pem);
    expect(key.type).toBe('private');
    expect(keysMatch(key, loadCertificate(readFixture('official/go-wechatpay_certificate.pem')).publicKey)).toBe(true);
  });

  it('reads the Go platform certificate: serial, validity, subject', () => {
    const c = loadCertificate(readFixture('official/go-wechatpay_certificate.pem'));
    expect(c.serial).toBe('D7CE59D1F522D701');
    expect(c.notBefore.getUTCFullYear()).toBe(2021);
    expect(c.notAfter.getUTCFullYear()).toBe(2031);
  });

  it('refuses garbage, non-RSA and short RSA keys', () => {
    expect(() => loadPrivateKey('not a key')).toThrow(WechatPayKeyError);
    expect(() => loadPublicKey('not a key')).toThrow(WechatPayKeyError);
    expect(() => loadCertificate('not a cert')).toThrow(WechatPayKeyError);
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => loadPrivateKey(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }))).toThrow(/RSA/);
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => loadPublicKey(short.publicKey.export({ type: 'spki', format: 'pem' }))).toThrow(/too short/);
  });

  it('normalises serials: colons, case and leading zero bytes', () => {
    expect(normaliseSerial('00:d7:ce:59')).toBe('D7CE59');
    expect(normaliseSerial('0000AB')).toBe('AB');
    expect(normaliseSerial('00')).toBe('00');
  });

  it('tells public key IDs from certificate serials by prefix', () => {
    expect(isPublicKeyId('PUB_KEY_ID_0114232134912410000000000000')).toBe(true);
    expect(isPublicKeyId('5F1C72E2A8931B72A2E13AF8DEE92471EB397115')).toBe(false);
  });
});

describe('keys are parsed once', () => {
  const pem = readFixture('official/java-wechat_pay_public_key.pem');
  it('refuses PEM strings where a KeyObject belongs', () => {
    expect(() => new LocalSigner({ mchid: '1', serialNo: 'S', privateKey: readFixture('official/java-merchant_private_key.pem') as never })).toThrow(TypeError);
    expect(() => new LocalSigner({ mchid: '1', serialNo: 'S', privateKey: loadPublicKey(pem) as never })).toThrow(TypeError);
    expect(() => new WechatPayKeyStore().addPublicKey('PUB_KEY_ID_1', pem as never)).toThrow(TypeError);
    expect(() => new WechatPayKeyStore().addCertificate({ serial: 'A', publicKey: Buffer.from(pem) as never, notBefore: new Date(0), notAfter: new Date(1) })).toThrow(TypeError);
  });
});
