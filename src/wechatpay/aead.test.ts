import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { vector } from '../../test/helpers/fixtures.ts';
import { ApiV3Key, openResource, openResourceText, sealResource, type EncryptedResource } from './aead.ts';
import { WechatPayDecryptError, WechatPayKeyError } from './errors.ts';

interface AeadVector {
  key: string;
  nonce: string;
  associated_data: string;
  ciphertext: string;
  plaintext: string;
}

const KEY32 = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';

function resourceOf(v: AeadVector): EncryptedResource {
  return { algorithm: 'AEAD_AES_256_GCM', ciphertext: v.ciphertext, associated_data: v.associated_data, nonce: v.nonce };
}

function failure(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof WechatPayDecryptError) return e.reason;
    throw e;
  }
  return undefined;
}

describe('AEAD_AES_256_GCM vectors', () => {
  it('opens and re-seals the Java 32-byte-key vector byte for byte', () => {
    const v = vector<AeadVector>('aes-256-gcm-java');
    const key = ApiV3Key.from(v.key);
    expect(key.cipherName).toBe('aes-256-gcm');
    expect(openResourceText(key, resourceOf(v))).toBe(v.plaintext);
    expect(sealResource(key, v.plaintext, { associatedData: v.associated_data, nonce: v.nonce }).ciphertext).toBe(v.ciphertext);
  });

  it('opens the Go 16-byte-key vector only with the test-only switch', () => {
    const v = vector<AeadVector>('aes-gcm-go-16-byte-key');
    expect(() => ApiV3Key.from(v.key)).toThrow(WechatPayKeyError);
    const key = ApiV3Key.from(v.key, { allowInsecure16ByteKeyForTests: true });
    expect(key.cipherName).toBe('aes-128-gcm');
    expect(openResourceText(key, resourceOf(v))).toBe(v.plaintext);
    expect(sealResource(key, v.plaintext, { associatedData: v.associated_data, nonce: v.nonce }).ciphertext).toBe(v.ciphertext);
  });

  it('rejects keys of any length other than 32 bytes', () => {
    for (const k of ['', 'short', 'x'.repeat(31), 'x'.repeat(33), 'x'.repeat(24)]) expect(() => ApiV3Key.from(k)).toThrow(WechatPayKeyError);
  });

  it('never prints the key', () => {
    const key = ApiV3Key.from(KEY32);
    expect(String(key)).not.toContain(KEY32);
    expect(JSON.stringify({ key })).not.toContain(KEY32);
  });
});

describe('AEAD negatives', () => {
  const v = vector<AeadVector>('aes-256-gcm-java');
  const key = ApiV3Key.from(v.key);

  it('fails with a wrong key', () => {
    expect(failure(() => openResource(ApiV3Key.from('b'.repeat(32)), resourceOf(v)))).toBe('auth_failed');
  });

  it('fails with wrong associated data, including none', () => {
    expect(failure(() => openResource(key, { ...resourceOf(v), associated_data: 'associatedDatb' }))).toBe('auth_failed');
    expect(failure(() => openResource(key, { ...resourceOf(v), associated_data: undefined }))).toBe('auth_failed');
  });

  it('fails with a wrong nonce, and refuses nonces that are not 12 bytes', () => {
    expect(failure(() => openResource(key, { ...resourceOf(v), nonce: 'uluk4a9R25RX' }))).toBe('auth_failed');
    expect(failure(() => openResource(key, { ...resourceOf(v), nonce: 'short' }))).toBe('bad_nonce');
  });

  it('fails when the tag is truncated by one byte or the data is shorter than a tag', () => {
    const raw = Buffer.from(v.ciphertext, 'base64');
    expect(failure(() => openResource(key, { ...resourceOf(v), ciphertext: raw.subarray(0, raw.length - 1).toString('base64') }))).toBe('auth_failed');
    expect(failure(() => openResource(key, { ...resourceOf(v), ciphertext: raw.subarray(0, 15).toString('base64') }))).toBe('bad_ciphertext');
  });

  it('refuses any algorithm other than AEAD_AES_256_GCM', () => {
    expect(failure(() => openResource(key, { ...resourceOf(v), algorithm: 'AEAD_SM4_GCM' }))).toBe('unsupported_algorithm');
  });
});

describe('seal/open properties', () => {
  const key = ApiV3Key.from(KEY32);
  const nonceArb = fc.stringMatching(/^[A-Za-z0-9]{12}$/);

  it('opens whatever it sealed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.string({ maxLength: 40 }), nonceArb, (pt, aad, nonce) => {
        const r = sealResource(key, Buffer.from(pt), { associatedData: aad, nonce });
        expect(openResource(key, r).equals(Buffer.from(pt))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('fails on any single-bit flip of the ciphertext or the tag', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 128 }), nonceArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (pt, nonce, pos, bit) => {
        const r = sealResource(key, Buffer.from(pt), { associatedData: 'transaction', nonce });
        const raw = Buffer.from(r.ciphertext, 'base64');
        raw[pos % raw.length]! ^= 1 << bit;
        expect(failure(() => openResource(key, { ...r, ciphertext: raw.toString('base64') }))).toBe('auth_failed');
      }),
      { numRuns: 300 },
    );
  });

  it('fails on any single-bit flip of the associated data', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 32, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')) }), nonceArb, fc.nat(), fc.integer({ min: 0, max: 6 }), (aad, nonce, pos, bit) => {
        const r = sealResource(key, 'plaintext', { associatedData: aad, nonce });
        const bytes = Buffer.from(aad, 'utf8');
        bytes[pos % bytes.length]! ^= 1 << bit;
        expect(failure(() => openResource(key, { ...r, associated_data: bytes.toString('latin1') }))).toBe('auth_failed');
      }),
      { numRuns: 300 },
    );
  });
});
