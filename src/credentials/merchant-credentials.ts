import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { AppError } from '../lib/errors.ts';
import { keysMatch, normaliseSerial } from '../wechatpay/keys.ts';

const MIN_RSA_BITS = 2048;

export interface MerchantCredentials {
  /** Upper-case hex serial of the merchant API certificate (the `serial_no` of every request). */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  subject: string;
  certificatePem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * Parses a private key once into a KeyObject with clear, stable errors. The Go SDK's `TESTING KEY`
 * armour is accepted so test keys keep secret scanners quiet.
 */
export function parseMerchantPrivateKey(pem: string | Buffer): KeyObject {
  const text = (typeof pem === 'string' ? pem : pem.toString('utf8')).replace(/-----(BEGIN|END) TESTING KEY-----/g, '-----$1 PRIVATE KEY-----');
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new AppError('invalid_input', 'credential_key_encrypted', 'the private key is passphrase-protected; export it unencrypted (apiclient_key.pem)');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new AppError('invalid_input', 'credential_malformed_pem', 'the merchant private key is not a readable PEM private key', { field: 'private_key' });
  }
  assertRsa(key, 'private_key');
  return key;
}

/** Parses an X.509 certificate PEM; a bad PEM or a non-RSA-2048+ key is refused. */
export function parseCertificate(pem: string | Buffer, field = 'certificate'): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new AppError('invalid_input', 'credential_malformed_pem', `the ${field.replace(/_/g, ' ')} is not a readable PEM certificate`, { field });
  }
  assertRsa(cert.publicKey, field);
  return cert;
}

export function assertRsa(key: KeyObject, field: string): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) {
    throw new AppError('invalid_input', 'credential_key_unsupported', `WeChat Pay needs an RSA key of at least ${MIN_RSA_BITS} bits`, {
      field,
      type: key.asymmetricKeyType,
      bits,
    });
  }
}

/** Refuses a certificate outside its validity period at `nowMs`. */
export function assertCertificateValid(cert: X509Certificate, nowMs: number, field = 'certificate'): void {
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  if (nowMs < notBefore || nowMs > notAfter) {
    throw new AppError(
      'invalid_input',
      'credential_certificate_expired',
      nowMs < notBefore ? `the ${field.replace(/_/g, ' ')} is not valid yet` : `the ${field.replace(/_/g, ' ')} has expired`,
      { field, reason: nowMs < notBefore ? 'not_yet_valid' : 'expired', notBefore: new Date(notBefore).toISOString(), notAfter: new Date(notAfter).toISOString() },
    );
  }
}

/**
 * Imports a merchant API certificate (apiclient_cert.pem) and its private key (apiclient_key.pem):
 * both parsed, the pair matched, the validity checked at `nowMs`, and — when `mchid` is given — the
 * certificate's CN compared with it (WeChat issues merchant certificates with CN = mchid).
 */
export function importMerchantCredentials(input: {
  certificatePem: string | Buffer;
  privateKeyPem: string | Buffer;
  nowMs: number;
  mchid?: string;
}): MerchantCredentials {
  const cert = parseCertificate(input.certificatePem, 'certificate');
  const privateKey = parseMerchantPrivateKey(input.privateKeyPem);
  if (!keysMatch(privateKey, cert.publicKey)) {
    throw new AppError('invalid_input', 'credential_key_pair_mismatch', 'the private key does not belong to this certificate');
  }
  assertCertificateValid(cert, input.nowMs, 'certificate');
  if (input.mchid !== undefined) {
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
    if (cn !== input.mchid) {
      throw new AppError('invalid_input', 'credential_mchid_mismatch', 'the certificate was not issued to this merchant id', { mchid: input.mchid });
    }
  }
  return {
    serial: normaliseSerial(cert.serialNumber),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    subject: cert.subject,
    certificatePem: cert.toString(),
    privateKey,
    publicKey: cert.publicKey,
  };
}
