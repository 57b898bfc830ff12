import { createHmac, hkdfSync } from 'node:crypto';
import { AppError } from '../lib/errors.ts';
import type { Secret } from '../lib/secret.ts';
import { normalise, PERSONAL_DATA_KINDS, type PersonalDataKind } from './normalise.ts';

/**
 * Blind indexes: HMAC-SHA256 of the normalised value under a key separate from the encryption keys,
 * so equality lookups work on encrypted columns without decrypting, and the index alone reveals
 * nothing without the index key. Each kind gets its own HKDF-derived subkey, so the same digits as a
 * phone number and as a bank account never share an index.
 */
export class BlindIndexer {
  readonly #keys: Map<PersonalDataKind, Buffer>;
  readonly #root: Buffer;

  constructor(indexKey: Secret<Buffer>) {
    const key = indexKey.reveal();
    if (key.length < 32) throw new AppError('invalid_input', 'blind_index_key_too_short', 'the blind-index key must be at least 32 bytes');
    this.#keys = new Map(
      PERSONAL_DATA_KINDS.map((kind) => [kind, Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `anfu-blind-index-v1:${kind}`, 32))]),
    );
    this.#root = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'anfu-pseudonym-v1', 32));
  }

  /**
   * A keyed pseudonym function for one purpose (its own HKDF subkey): the same value always maps to
   * the same 128-bit Base64url token, and without the index key the token reveals nothing — not even
   * for small spaces such as IPv4 addresses, which an unkeyed hash would give away by enumeration.
   */
  pseudonymiser(purpose: string): (value: string) => string {
    const key = Buffer.from(hkdfSync('sha256', this.#root, Buffer.alloc(0), purpose, 32));
    return (value) => createHmac('sha256', key).update(value, 'utf8').digest().subarray(0, 16).toString('base64url');
  }

  /** Index of a raw value (normalised first; invalid values throw `pii_<kind>_invalid`). */
  index(kind: PersonalDataKind, value: string): string {
    return this.indexNormalised(kind, normalise(kind, value));
  }

  indexNormalised(kind: PersonalDataKind, normalised: string): string {
    return createHmac('sha256', this.#keys.get(kind)!).update(normalised, 'utf8').digest('base64url');
  }

  toString(): string {
    return 'BlindIndexer([REDACTED])';
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
