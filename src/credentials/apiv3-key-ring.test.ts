import { describe, expect, it } from 'vitest';
import { ApiV3Key, sealResource } from '../wechatpay/aead.ts';
import { APIV3_GRACE_MS, changeApiV3Key, decryptionKeys, expireGrace, openResourceWithRing, singleKeyRing } from './apiv3-key-ring.ts';

const oldKey = ApiV3Key.from(ApiV3Key.generateString());
const newKey = ApiV3Key.from(ApiV3Key.generateString());
const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('APIv3 key change with a grace window', () => {
  const ring = changeApiV3Key(singleKeyRing(oldKey), newKey, T0);
  const byOld = sealResource(oldKey, '{"n":1}', { associatedData: 'transaction' });
  const byNew = sealResource(newKey, '{"n":2}', { associatedData: 'transaction' });

  it('decrypts with the new key, and with the old one during the window', () => {
    expect(openResourceWithRing(ring, byNew, T0 + 1).plaintext.toString()).toBe('{"n":2}');
    expect(openResourceWithRing(ring, byNew, T0 + 1).usedPrevious).toBe(false);
    expect(openResourceWithRing(ring, byOld, T0 + APIV3_GRACE_MS - 1)).toMatchObject({ usedPrevious: true });
  });

  it('stops accepting the old key when the window ends', () => {
    expect(decryptionKeys(ring, T0 + APIV3_GRACE_MS)).toHaveLength(1);
    expect(() => openResourceWithRing(ring, byOld, T0 + APIV3_GRACE_MS)).toThrow(expect.objectContaining({ reason: 'auth_failed' }));
    expect(expireGrace(ring, T0 + APIV3_GRACE_MS)).toEqual(singleKeyRing(newKey));
    expect(expireGrace(ring, T0)).toBe(ring);
  });

  it('does not fall back to the old key for errors other than authentication', () => {
    expect(() => openResourceWithRing(ring, { ...byOld, nonce: 'short' }, T0)).toThrow(expect.objectContaining({ reason: 'bad_nonce' }));
  });

  it('refuses a change to the same key', () => {
    expect(() => changeApiV3Key(ring, newKey, T0)).toThrow(expect.objectContaining({ code: 'credential_apiv3_key_unchanged' }));
  });
});
