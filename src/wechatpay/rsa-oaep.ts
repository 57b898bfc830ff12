import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { WechatPayKeyError } from './errors.ts';
import type { Verifier } from './verifier.ts';

/**
 * Sensitive-field encryption (spec §7): RSAES-OAEP with SHA-1 and MGF1-SHA-1, empty label, Base64.
 * Protocol-mandated; see docs/adr for the recorded exception to ASVS 11.2.3 / 11.3.1.
 * An RSA-2048 key takes at most 214 plaintext bytes.
 */
export const OAEP_MAX_PLAINTEXT_BYTES = 214;

export function encryptSensitiveField(publicKey: KeyObject, plaintext: string): string {
  const data = Buffer.from(plaintext, 'utf8');
  const modulusBytes = (publicKey.asymmetricKeyDetails?.modulusLength ?? 2048) / 8;
  if (data.length > modulusBytes - 42) throw new RangeError(`sensitive field longer than ${modulusBytes - 42} bytes`);
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, data).toString('base64');
}

export function decryptSensitiveField(privateKey: KeyObject, ciphertextB64: string): string {
  return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(ciphertextB64, 'base64')).toString('utf8');
}

export interface SensitiveFieldEncryptor {
  /** The `Wechatpay-Serial` naming the key the fields were encrypted with (spec §7). */
  serial: string;
  encrypt(plaintext: string): string;
}

/**
 * Encrypts with the key of the serial the client sends as `Wechatpay-Serial` (`verifier.acceptSerial()`),
 * so WeChat decrypts with the matching private key: the WeChat Pay public key when one is held, else the
 * newest platform certificate. Refuses when no key is held or the certificate is outside its validity.
 */
export function sensitiveFieldEncryptor(verifier: Verifier, atMs: number): SensitiveFieldEncryptor {
  const serial = verifier.acceptSerial();
  if (serial === undefined) throw new WechatPayKeyError('no WeChat Pay public key or platform certificate to encrypt sensitive fields with');
  const key = verifier.lookup(serial, atMs);
  if (key === undefined || key === 'expired') throw new WechatPayKeyError(`the key ${serial} cannot encrypt sensitive fields now (${key ?? 'unknown'})`);
  return { serial, encrypt: (plaintext) => encryptSensitiveField(key, plaintext) };
}
