import { createHmac } from 'node:crypto';
import { AppError } from '../lib/errors.ts';
import { safeEqual, type Secret } from '../lib/secret.ts';

/**
 * Synchronizer tokens bound to the session without server state: HMAC-SHA256 under a server key of
 * the session-token hash. The console reads it from a login response and echoes it in an
 * `X-CSRF-Token` header on every state-changing request. A token from another session (or from before
 * the rotation at login) does not verify, and an attacker's page cannot read ours (SameSite + CORS).
 */
export function csrfTokenFor(csrfKey: Secret<Buffer>, sessionTokenHash: string): string {
  return createHmac('sha256', csrfKey.reveal()).update(`anfu-csrf-v1\0${sessionTokenHash}`, 'utf8').digest('base64url');
}

/** Constant-time check; throws `forbidden` / `csrf_token_invalid` so the route never runs. */
export function assertCsrfToken(csrfKey: Secret<Buffer>, sessionTokenHash: string, presented: string | undefined): void {
  if (typeof presented !== 'string' || presented.length === 0 || !safeEqual(presented, csrfTokenFor(csrfKey, sessionTokenHash))) {
    throw new AppError('forbidden', 'csrf_token_invalid', 'missing or invalid CSRF token');
  }
}
