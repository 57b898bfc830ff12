import { describe, expect, it } from 'vitest';
import { Secret } from '../lib/secret.ts';
import { newTotpSecret, totpCode, totpStep, totpUri, verifyTotp } from './totp.ts';

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" in Base32.
const RFC_SECRET = new Secret('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');

describe('TOTP', () => {
  it('matches the RFC 6238 SHA-1 test vectors (last 6 digits)', async () => {
    const vectors: Array<[number, string]> = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
    ];
    for (const [t, code] of vectors) expect(await totpCode(RFC_SECRET, t * 1000)).toBe(code.slice(-6));
  });

  it('accepts the current step and one step either side, not two', async () => {
    const secret = newTotpSecret();
    const now = 1_800_000_000_000;
    for (const [offset, ok] of [[0, true], [-30_000, true], [30_000, true], [-60_000, false], [60_000, false]] as const) {
      const token = await totpCode(secret, now + offset);
      const r = await verifyTotp({ secret, token, nowMs: now, lastUsedStep: null });
      expect(r.ok, `offset ${offset}`).toBe(ok);
      if (r.ok) expect(r.step).toBe(totpStep(now + offset));
    }
  });

  it('refuses a code reused within its window, and any earlier step', async () => {
    const secret = newTotpSecret();
    const now = 1_800_000_000_000;
    const token = await totpCode(secret, now);
    const first = await verifyTotp({ secret, token, nowMs: now, lastUsedStep: null });
    expect(first.ok).toBe(true);
    const step = first.ok ? first.step : -1;
    expect(await verifyTotp({ secret, token, nowMs: now + 5_000, lastUsedStep: step })).toEqual({ ok: false, reason: 'reused' });
    const previous = await totpCode(secret, now - 30_000);
    expect(await verifyTotp({ secret, token: previous, nowMs: now, lastUsedStep: step })).toEqual({ ok: false, reason: 'reused' });
    const next = await totpCode(secret, now + 30_000);
    expect(await verifyTotp({ secret, token: next, nowMs: now + 30_000, lastUsedStep: step })).toMatchObject({ ok: true, step: step + 1 });
  });

  it('distinguishes malformed from wrong codes', async () => {
    const secret = newTotpSecret();
    expect(await verifyTotp({ secret, token: '12a456', nowMs: 0, lastUsedStep: null })).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifyTotp({ secret, token: '1234567', nowMs: 0, lastUsedStep: null })).toEqual({ ok: false, reason: 'malformed' });
    const good = await totpCode(secret, 1_800_000_000_000);
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, '0');
    expect(await verifyTotp({ secret, token: wrong, nowMs: 1_800_000_000_000, lastUsedStep: null })).toMatchObject({ ok: false });
    // Spaces as apps display them ("123 456") are fine.
    expect((await verifyTotp({ secret, token: `${good.slice(0, 3)} ${good.slice(3)}`, nowMs: 1_800_000_000_000, lastUsedStep: null })).ok).toBe(true);
  });

  it('makes 160-bit Base32 secrets and an otpauth URI, never printing the secret', () => {
    const s = newTotpSecret();
    expect(s.reveal()).toMatch(/^[A-Z2-7]{32}$/);
    expect(totpUri(s, 'ops@example.com')).toMatch(/^otpauth:\/\/totp\/Anfu:ops%40example\.com\?.*secret=[A-Z2-7]{32}/);
    expect(JSON.stringify({ s })).not.toContain(s.reveal());
  });
});
