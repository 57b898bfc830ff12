import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBase64Strict } from './verifier.ts';

describe('strict Base64', () => {
  it('decodes any canonical padded Base64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString('base64');
        expect(decodeBase64Strict(b64)?.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('rejects empty, unpadded, URL-safe, whitespace, junk and non-canonical forms', () => {
    for (const bad of ['', 'QQ', 'QQ=', 'Q===', '-_-_', 'QUJD\nREVG', 'QUJD REVG', 'QU*D', 'QR==', 'WECHATPAY/SIGNTEST/AAAA', '====']) {
      expect(decodeBase64Strict(bad)).toBeNull();
    }
  });
});
