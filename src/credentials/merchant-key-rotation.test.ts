import { describe, expect, it } from 'vitest';
import { discardStaged, initialKeyState, retirePreviousKey, stageMerchantKey, switchBack, switchMerchantKey } from './merchant-key-rotation.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const A = { serial: 'AAAA01', notAfter: new Date('2026-02-01T00:00:00Z') };
const B = { serial: 'BBBB02', notAfter: new Date('2031-01-01T00:00:00Z') };

describe('merchant key rotation', () => {
  it('stages beside the active key, switches, then retires the old one', () => {
    let s = stageMerchantKey(initialKeyState(A), B, NOW);
    expect(s.active).toBe(A);
    s = switchMerchantKey(s);
    expect(s).toEqual({ active: B, staged: null, previous: A });
    const r = retirePreviousKey(s);
    expect(r).toEqual({ state: { active: B, staged: null, previous: null }, retiredSerial: 'AAAA01' });
  });

  it('can switch back until the previous key is retired', () => {
    const switched = switchMerchantKey(stageMerchantKey(initialKeyState(A), B, NOW));
    expect(switchBack(switched).active).toBe(A);
    expect(() => switchBack(retirePreviousKey(switched).state)).toThrow(expect.objectContaining({ code: 'credential_no_previous_key' }));
  });

  it('refuses to stage the active or an expired certificate, or to switch with nothing staged', () => {
    expect(() => stageMerchantKey(initialKeyState(A), A, NOW)).toThrow(expect.objectContaining({ code: 'credential_key_already_known' }));
    expect(() => stageMerchantKey(initialKeyState(A), { serial: 'C', notAfter: new Date(NOW) }, NOW)).toThrow(expect.objectContaining({ code: 'credential_certificate_expired' }));
    expect(() => switchMerchantKey(initialKeyState(A))).toThrow(expect.objectContaining({ code: 'credential_nothing_staged' }));
    expect(discardStaged(stageMerchantKey(initialKeyState(A), B, NOW)).staged).toBeNull();
  });
});
