import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFixture, vector } from '../../test/helpers/fixtures.ts';
import { loadPrivateKey, loadPublicKey, loadCertificate, keysMatch } from './keys.ts';
import { requestMessage, canonicalUrl } from './message.ts';
import { LocalSigner, buildAuthorization, formatAuthorization, parseAuthorization, newNonce, signSha256WithRsa } from './signer.ts';
import { verifySha256WithRsa } from './verifier.ts';

interface SignVector {
  private_key: string;
  message: string;
  signature: string;
}
interface RequestVector {
  private_key: string;
  method: string;
  url: string;
  timestamp: string;
  nonce: string;
  body: string;
  signature: string;
  message_sha256?: string;
}

const goKey = loadPrivateKey(readFixture('official/go-test_private_key.pem'));

describe('SHA256withRSA signing', () => {
  it('reproduces the Go SDK signature of "source" byte for byte', () => {
    const v = vector<SignVector>('sha256withrsa-source');
    expect(signSha256WithRsa(loadPrivateKey(readFixture(v.private_key)), v.message)).toBe(v.signature);
  });

  it('reproduces the Java WeChat Pay key pair signature and verifies it with both the public key and the certificate', () => {
    const v = vector<SignVector & { public_key: string; certificate: string; certificate_serial: string }>('wechatpay-public-key-pair-java');
    const priv = loadPrivateKey(readFixture(v.private_key));
    expect(signSha256WithRsa(priv, v.message)).toBe(v.signature);
    const pub = loadPublicKey(readFixture(v.public_key));
    const cert = loadCertificate(readFixture(v.certificate));
    expect(cert.serial).toBe(v.certificate_serial);
    expect(keysMatch(priv, pub)).toBe(true);
    expect(keysMatch(priv, cert.publicKey)).toBe(true);
    const sig = Buffer.from(v.signature, 'base64');
    expect(verifySha256WithRsa(pub, Buffer.from(v.message), sig)).toBe(true);
    expect(verifySha256WithRsa(cert.publicKey, Buffer.from(v.message), sig)).toBe(true);
  });

  it('pairs the Java merchant key with its certificate serial', () => {
    const v = vector<{ private_key: string; certificate: string; certificate_serial: string }>('merchant-key-pair-java');
    const cert = loadCertificate(readFixture(v.certificate));
    expect(cert.serial).toBe(v.certificate_serial);
    expect(keysMatch(loadPrivateKey(readFixture(v.private_key)), cert.publicKey)).toBe(true);
    expect(keysMatch(goKey, cert.publicKey)).toBe(false);
  });
});

describe('request signatures', () => {
  for (const name of ['request-signature-h5-order', 'request-signature-query']) {
    it(`reproduces the ${name} vector byte for byte`, async () => {
      const v = vector<RequestVector>(name);
      const message = requestMessage(v.method, v.url, v.timestamp, v.nonce, v.body);
      if (v.message_sha256) expect(createHash('sha256').update(message, 'utf8').digest('hex')).toBe(v.message_sha256);
      const signer = new LocalSigner({ mchid: '1230000109', serialNo: 'ABC', privateKey: loadPrivateKey(readFixture(v.private_key)) });
      expect(await signer.sign(message)).toBe(v.signature);
      const header = await buildAuthorization(signer, { method: v.method, canonicalUrl: v.url, body: v.body, timestamp: Number(v.timestamp), nonce: v.nonce });
      expect(parseAuthorization(header)).toEqual({ mchid: '1230000109', nonce_str: v.nonce, timestamp: v.timestamp, serial_no: 'ABC', signature: v.signature });
    });
  }

  it('ends a GET message with an empty body line', () => {
    expect(requestMessage('get', '/v3/certificates', '1', 'n', '')).toBe('GET\n/v3/certificates\n1\nn\n\n');
  });

  it('takes path plus query, without host, as the canonical URL', () => {
    expect(canonicalUrl('https://api.mch.weixin.qq.com/v3/bill/tradebill?bill_date=2024-01-01&tar_type=GZIP')).toBe('/v3/bill/tradebill?bill_date=2024-01-01&tar_type=GZIP');
    expect(canonicalUrl('/v3/x?y=1')).toBe('/v3/x?y=1');
  });
});

describe('Authorization header', () => {
  it('accepts the five keys in any order and rejects duplicates, extras, gaps and other schemes', () => {
    const parts = { mchid: '1', nonce_str: 'n', timestamp: '2', serial_no: 's', signature: 'a==' };
    expect(parseAuthorization(formatAuthorization(parts))).toEqual(parts);
    expect(parseAuthorization('WECHATPAY2-SHA256-RSA2048 signature="a==",serial_no="s",timestamp="2",nonce_str="n",mchid="1"')).toEqual(parts);
    expect(parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="1",nonce_str="n",timestamp="2",serial_no="s",signature="a=="')).toBeNull();
    expect(parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="2",serial_no="s"')).toBeNull();
    expect(parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="2",serial_no="s",signature="a==",x="y"')).toBeNull();
    expect(parseAuthorization('WECHATPAY2-SM2-WITH-SM3 mchid="1",nonce_str="n",timestamp="2",serial_no="s",signature="a=="')).toBeNull();
    expect(parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1" junk')).toBeNull();
  });

  it('generates 32-character alphanumeric nonces that differ', () => {
    const a = newNonce();
    expect(a).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(newNonce()).not.toBe(a);
  });
});

describe('sign/verify round trip (property)', () => {
  const pub = loadCertificate(readFixture('official/go-wechatpay_certificate.pem')).publicKey;
  it('verifies the signature of any message and rejects it for any other message', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary', minLength: 1 }), (msg, suffix) => {
        const sig = Buffer.from(signSha256WithRsa(goKey, msg), 'base64');
        expect(verifySha256WithRsa(pub, Buffer.from(msg, 'utf8'), sig)).toBe(true);
        expect(verifySha256WithRsa(pub, Buffer.from(msg + suffix, 'utf8'), sig)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});
