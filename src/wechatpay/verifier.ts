import { KeyObject, verify as rsaVerify } from 'node:crypto';
import { isPublicKeyId, type CertificateInfo } from './keys.ts';

/**
 * Chooses the key by `Wechatpay-Serial`: the WeChat Pay public key (`PUB_KEY_ID_…`) and platform
 * certificates (hex serials) live in one map, so a merchant migrating between the two modes
 * verifies both at once (spec §2.4).
 */
export interface Verifier {
  /** Looks a serial up; `expired` when it is a certificate outside its validity period at `atMs`. */
  lookup(serial: string, atMs: number): KeyObject | 'expired' | undefined;
  /** The serial to send as `Wechatpay-Serial` on requests: which key WeChat should sign answers with. */
  acceptSerial(): string | undefined;
}

interface CertEntry {
  key: KeyObject;
  notBefore: number;
  notAfter: number;
}

export class WechatPayKeyStore implements Verifier {
  readonly #publicKeys = new Map<string, KeyObject>();
  readonly #certificates = new Map<string, CertEntry>();
  #preferred: string | undefined;

  addPublicKey(keyId: string, key: KeyObject): this {
    if (!isPublicKeyId(keyId)) throw new Error('a WeChat Pay public key ID starts with PUB_KEY_ID_');
    assertPublicKeyObject(key);
    this.#publicKeys.set(keyId, key);
    this.#preferred = keyId;
    return this;
  }

  addCertificate(cert: Pick<CertificateInfo, 'serial' | 'publicKey' | 'notBefore' | 'notAfter'>): this {
    assertPublicKeyObject(cert.publicKey);
    this.#certificates.set(cert.serial, {
      key: cert.publicKey,
      notBefore: cert.notBefore.getTime(),
      notAfter: cert.notAfter.getTime(),
    });
    if (this.#preferred === undefined || !isPublicKeyId(this.#preferred)) this.#preferred = this.#newestCertificate();
    return this;
  }

  remove(serial: string): void {
    this.#publicKeys.delete(serial);
    this.#certificates.delete(serial);
    if (this.#preferred === serial) {
      this.#preferred = this.#publicKeys.keys().next().value ?? this.#newestCertificate();
    }
  }

  /** Serial numbers held, for diagnostics and refresh decisions. */
  serials(): string[] {
    return [...this.#publicKeys.keys(), ...this.#certificates.keys()];
  }

  certificateSerials(): string[] {
    return [...this.#certificates.keys()];
  }

  lookup(serial: string, atMs: number): KeyObject | 'expired' | undefined {
    const pk = this.#publicKeys.get(serial);
    if (pk) return pk;
    const cert = this.#certificates.get(serial);
    if (!cert) return undefined;
    if (atMs < cert.notBefore || atMs > cert.notAfter) return 'expired';
    return cert.key;
  }

  acceptSerial(): string | undefined {
    return this.#preferred;
  }

  #newestCertificate(): string | undefined {
    let best: string | undefined;
    let bestAfter = -Infinity;
    for (const [serial, c] of this.#certificates) {
      if (c.notAfter > bestAfter) {
        best = serial;
        bestAfter = c.notAfter;
      }
    }
    return best;
  }
}

/** Keys are parsed once: a PEM handed to verify would be re-parsed on every notification. */
function assertPublicKeyObject(key: unknown): void {
  if (!(key instanceof KeyObject) || key.type !== 'public') throw new TypeError('expected a public KeyObject (use loadPublicKey or loadCertificate)');
}

/**
 * Decodes standard padded Base64 strictly; null for anything else. Node's decoder is lenient (it skips
 * junk, whitespace and URL-safe characters), so the bytes must re-encode to exactly the input: that
 * rejects every non-canonical form, and is several times cheaper than a full-string regex.
 */
export function decodeBase64Strict(s: string): Buffer | null {
  if (s.length === 0 || s.length % 4 !== 0) return null;
  const bytes = Buffer.from(s, 'base64');
  return bytes.toString('base64') === s ? bytes : null;
}

export function verifySha256WithRsa(key: KeyObject, message: Buffer, signature: Buffer): boolean {
  return rsaVerify('sha256', message, key, signature);
}
