import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { WechatPayKeyError } from './errors.ts';

/**
 * Keys are parsed once into KeyObjects: parsing a PEM on every call is several times slower
 * and repeats validation work on the hot path.
 */
export function loadPrivateKey(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    // The Go SDK armours test keys as "TESTING KEY" so secret scanners stay quiet.
    const text = typeof pem === 'string' ? pem : pem.toString('utf8');
    key = createPrivateKey(text.replace(/-----(BEGIN|END) TESTING KEY-----/g, '-----$1 PRIVATE KEY-----'));
  } catch {
    throw new WechatPayKeyError('not a readable PEM private key');
  }
  assertRsa2048(key);
  return key;
}

export function loadPublicKey(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new WechatPayKeyError('not a readable PEM public key');
  }
  assertRsa2048(key);
  return key;
}

function assertRsa2048(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'rsa') throw new WechatPayKeyError(`expected an RSA key, got ${key.asymmetricKeyType}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw new WechatPayKeyError(`RSA key too short (${bits} bits)`);
}

export interface CertificateInfo {
  /** Upper-case hex serial, as `openssl x509 -serial` prints and `Wechatpay-Serial` carries. */
  serial: string;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  subject: string;
  pem: string;
}

export function loadCertificate(pem: string | Buffer): CertificateInfo {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new WechatPayKeyError('not a readable PEM certificate');
  }
  const publicKey = cert.publicKey;
  assertRsa2048(publicKey);
  return {
    serial: normaliseSerial(cert.serialNumber),
    publicKey,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    subject: cert.subject,
    pem: cert.toString(),
  };
}

/** Strips leading zero bytes and upper-cases, so serials compare the same way everywhere. */
export function normaliseSerial(serial: string): string {
  return serial.replace(/:/g, '').toUpperCase().replace(/^(00)+(?=.)/, '');
}

/** True when a private key and a public key (or certificate key) form a pair. */
export function keysMatch(privateKey: KeyObject, publicKey: KeyObject): boolean {
  const a = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const b = publicKey.export({ type: 'spki', format: 'der' });
  return a.equals(b);
}

export const PUBLIC_KEY_ID_PREFIX = 'PUB_KEY_ID_';

export function isPublicKeyId(serial: string): boolean {
  return serial.startsWith(PUBLIC_KEY_ID_PREFIX);
}
