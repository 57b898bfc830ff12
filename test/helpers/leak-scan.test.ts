import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findLeaks, needles } from './leak-scan.ts';

describe('leak scanner', () => {
  it('finds a secret raw, in hex and in Base64 at any offset inside a larger blob', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 64 }), fc.uint8Array({ maxLength: 10 }), fc.uint8Array({ maxLength: 10 }), (secret, before, after) => {
        const s = Buffer.from(secret);
        const blob = Buffer.concat([Buffer.from(before), s, Buffer.from(after)]);
        const logs = [blob.toString('base64'), blob.toString('base64url'), blob.toString('hex'), blob.toString('hex').toUpperCase()];
        for (const log of logs) expect(findLeaks(`{"msg":"x","v":"${log}"}`, [{ label: 'k', value: s }])).toEqual(['k']);
      }),
    );
  });

  it('finds text secrets as typed and stays quiet on clean output', () => {
    const token = randomBytes(16).toString('base64url');
    expect(findLeaks(`cookie: anfu_session=${token}`, [{ label: 'session', value: token }])).toEqual(['session']);
    expect(findLeaks('{"msg":"login ok","token":"[REDACTED]"}', [{ label: 'session', value: token }])).toEqual([]);
  });

  it('refuses secrets too short to search for', () => {
    expect(() => needles('abc')).toThrow(RangeError);
  });
});
