import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Secret } from '../lib/secret.ts';
import { assertCsrfToken, csrfTokenFor } from './csrf.ts';
import {
  assertSessionActive,
  clearSessionCookie,
  hashPresentedToken,
  newSessionToken,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  sessionCookie,
  sessionExpiresAtMs,
  sessionStatus,
  startSession,
  touchSession,
  type SessionTimes,
} from './session.ts';

const fresh = (t: number): SessionTimes => ({ createdAtMs: t, lastSeenAtMs: t, revokedAtMs: null });

describe('session tokens', () => {
  it('are 128-bit Base64url, unique, and stored only as SHA-256', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const { token, tokenHash } = newSessionToken();
      expect(token.reveal()).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(token.reveal(), 'base64url')).toHaveLength(16);
      expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(tokenHash).not.toContain(token.reveal());
      expect(hashPresentedToken(token.reveal())).toBe(tokenHash);
      seen.add(token.reveal());
    }
    expect(seen.size).toBe(500);
    expect(JSON.stringify(newSessionToken())).toContain('[REDACTED]');
  });

  it('ignores presented tokens that are not shaped like ours', () => {
    for (const bad of ['', 'x', 'a'.repeat(23), `${'a'.repeat(21)}=`, "'; drop table"]) expect(hashPresentedToken(bad)).toBeNull();
  });

  it('rotate at login: a token carried before login is marked for revocation', () => {
    const before = newSessionToken();
    const s = startSession(1_000, before.token.reveal());
    expect(s.revokeTokenHash).toBe(before.tokenHash);
    expect(s.tokenHash).not.toBe(before.tokenHash);
    expect(startSession(1_000).revokeTokenHash).toBeNull();
  });
});

describe('session expiry', () => {
  it('expires after 15 idle minutes', () => {
    const s = fresh(0);
    expect(sessionStatus(s, SESSION_IDLE_MS - 1)).toBe('active');
    expect(sessionStatus(s, SESSION_IDLE_MS)).toBe('idle_expired');
    expect(() => assertSessionActive(s, SESSION_IDLE_MS)).toThrow(expect.objectContaining({ code: 'session_expired', kind: 'unauthenticated' }));
  });

  it('expires after 12 hours however active', () => {
    let s = fresh(0);
    for (let t = 60_000; t < SESSION_ABSOLUTE_MS; t += 10 * 60_000) s = touchSession(s, t);
    expect(sessionStatus(s, SESSION_ABSOLUTE_MS - 1)).toBe('active');
    expect(sessionStatus(s, SESSION_ABSOLUTE_MS)).toBe('absolute_expired');
    expect(() => touchSession(s, SESSION_ABSOLUTE_MS)).toThrow(expect.objectContaining({ code: 'session_expired' }));
  });

  it('a revoked session is refused with its own code', () => {
    expect(() => assertSessionActive({ ...fresh(0), revokedAtMs: 5 }, 10)).toThrow(expect.objectContaining({ code: 'session_revoked' }));
  });

  it('is active exactly until sessionExpiresAtMs, for any activity pattern', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: SESSION_IDLE_MS - 1 }), { maxLength: 100 }), fc.integer({ min: 0, max: 2 * SESSION_IDLE_MS }), (gaps, probe) => {
        let s = fresh(0);
        let t = 0;
        for (const g of gaps) {
          if (t + g >= SESSION_ABSOLUTE_MS) break;
          t += g;
          s = touchSession(s, t);
        }
        const at = t + probe;
        expect(sessionStatus(s, at) === 'active').toBe(at < sessionExpiresAtMs(s));
      }),
    );
  });
});

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Strict, Secure with the __Host- prefix over HTTPS', () => {
    const { token } = newSessionToken();
    const c = sessionCookie(token, { secure: true });
    expect(c).toMatch(/^__Host-anfu_session=[A-Za-z0-9_-]{22}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    expect(c).not.toContain('Domain');
    expect(sessionCookie(token, { secure: false })).not.toContain('Secure');
    expect(clearSessionCookie({ secure: true })).toContain('Max-Age=0');
  });
});

describe('CSRF tokens', () => {
  const key = new Secret(randomBytes(32));

  it('verify for their own session only', () => {
    const a = newSessionToken().tokenHash;
    const b = newSessionToken().tokenHash;
    const t = csrfTokenFor(key, a);
    expect(() => assertCsrfToken(key, a, t)).not.toThrow();
    expect(() => assertCsrfToken(key, b, t)).toThrow(expect.objectContaining({ code: 'csrf_token_invalid', kind: 'forbidden' }));
    expect(() => assertCsrfToken(key, a, undefined)).toThrow(expect.objectContaining({ code: 'csrf_token_invalid' }));
    expect(() => assertCsrfToken(key, a, '')).toThrow(expect.objectContaining({ code: 'csrf_token_invalid' }));
    expect(() => assertCsrfToken(new Secret(randomBytes(32)), a, t)).toThrow(expect.objectContaining({ code: 'csrf_token_invalid' }));
  });

  it('reject any altered token', () => {
    const h = newSessionToken().tokenHash;
    const t = csrfTokenFor(key, h);
    fc.assert(
      fc.property(fc.nat({ max: t.length - 1 }), fc.constantFrom(...'ABCabc012-_'), (i, c) => {
        fc.pre(t[i] !== c);
        const altered = t.slice(0, i) + c + t.slice(i + 1);
        expect(() => assertCsrfToken(key, h, altered)).toThrow();
      }),
    );
  });
});
