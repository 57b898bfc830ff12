import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../lib/errors.ts';
import { Secret } from '../lib/secret.ts';

/** ASVS 7.3.1/7.3.2: idle and absolute timeouts for console sessions. */
export const SESSION_IDLE_MS = 15 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3600_000;
const TOKEN_BYTES = 16;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/**
 * Opaque session tokens: 128 bits from the CSPRNG (ASVS 7.2.3), Base64url in the cookie, and only
 * their SHA-256 in the database, so a stolen table or backup cannot be replayed as sessions. A plain
 * hash suffices because the token has full entropy (no dictionary to attack).
 */
export function newSessionToken(): { token: Secret<string>; tokenHash: string } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token: new Secret(token), tokenHash: hashSessionToken(token) };
}

/** Hash of a presented token; null when it is not shaped like one of ours (never touch the DB then). */
export function hashPresentedToken(token: string): string | null {
  return TOKEN_PATTERN.test(token) ? hashSessionToken(token) : null;
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface SessionTimes {
  createdAtMs: number;
  lastSeenAtMs: number;
  revokedAtMs: number | null;
}

export type SessionStatus = 'active' | 'idle_expired' | 'absolute_expired' | 'revoked';

export function sessionStatus(s: SessionTimes, nowMs: number): SessionStatus {
  if (s.revokedAtMs !== null && s.revokedAtMs <= nowMs) return 'revoked';
  if (nowMs >= s.createdAtMs + SESSION_ABSOLUTE_MS) return 'absolute_expired';
  if (nowMs >= s.lastSeenAtMs + SESSION_IDLE_MS) return 'idle_expired';
  return 'active';
}

/** When the session ends if left alone: the earlier of the idle and absolute limits. */
export function sessionExpiresAtMs(s: SessionTimes): number {
  return Math.min(s.lastSeenAtMs + SESSION_IDLE_MS, s.createdAtMs + SESSION_ABSOLUTE_MS);
}

/** Throws `unauthenticated` with `session_expired` or `session_revoked` unless the session is active. */
export function assertSessionActive(s: SessionTimes, nowMs: number): void {
  const status = sessionStatus(s, nowMs);
  if (status === 'revoked') throw new AppError('unauthenticated', 'session_revoked', 'this session was signed out');
  if (status !== 'active') throw new AppError('unauthenticated', 'session_expired', 'this session has expired; sign in again', { reason: status });
}

/** Records activity; the absolute limit is never extended. */
export function touchSession(s: SessionTimes, nowMs: number): SessionTimes {
  assertSessionActive(s, nowMs);
  return { ...s, lastSeenAtMs: Math.max(s.lastSeenAtMs, nowMs) };
}

/**
 * Starts a session at login. A token the browser already carried (pre-login, or another account's)
 * is returned for revocation, so a fixated token never becomes authenticated (ASVS 7.2.4).
 */
export function startSession(nowMs: number, presentedToken?: string): {
  token: Secret<string>;
  tokenHash: string;
  session: SessionTimes;
  revokeTokenHash: string | null;
} {
  const { token, tokenHash } = newSessionToken();
  return {
    token,
    tokenHash,
    session: { createdAtMs: nowMs, lastSeenAtMs: nowMs, revokedAtMs: null },
    revokeTokenHash: presentedToken === undefined ? null : hashPresentedToken(presentedToken),
  };
}

/**
 * The Set-Cookie value: HttpOnly, SameSite=Strict, Path=/ and, over HTTPS, Secure with the
 * `__Host-` prefix (no Domain, so no sibling subdomain can set or read it). `secure: false` exists
 * only for the sandbox on plain http://localhost.
 */
export function sessionCookie(token: Secret<string>, opts: { secure: boolean }): string {
  const name = opts.secure ? '__Host-anfu_session' : 'anfu_session';
  const attrs = [`${name}=${token.reveal()}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${SESSION_ABSOLUTE_MS / 1000}`];
  if (opts.secure) attrs.push('Secure');
  return attrs.join('; ');
}

export function clearSessionCookie(opts: { secure: boolean }): string {
  const name = opts.secure ? '__Host-anfu_session' : 'anfu_session';
  return [`${name}=`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', ...(opts.secure ? ['Secure'] : [])].join('; ');
}
