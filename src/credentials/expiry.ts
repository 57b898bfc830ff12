export type ExpiryWarning = 'expires_in_30d' | 'expires_in_7d' | 'expires_in_1d' | 'expired';

const DAY_MS = 86_400_000;

/**
 * Which expiry event a certificate is due at `nowMs`: the tightest threshold crossed, so a job that
 * runs daily emits each of 30/7/1 days once (it records the last warning sent per certificate).
 */
export function expiryWarnings(cert: { notAfter: Date }, nowMs: number): ExpiryWarning | null {
  const left = cert.notAfter.getTime() - nowMs;
  if (left <= 0) return 'expired';
  if (left <= DAY_MS) return 'expires_in_1d';
  if (left <= 7 * DAY_MS) return 'expires_in_7d';
  if (left <= 30 * DAY_MS) return 'expires_in_30d';
  return null;
}

const SEVERITY: Record<ExpiryWarning, number> = { expires_in_30d: 1, expires_in_7d: 2, expires_in_1d: 3, expired: 4 };

/**
 * The warning to emit now given the last one already emitted for this certificate, or null. A
 * renewed certificate has a new serial and so starts with no warning sent.
 */
export function nextExpiryEvent(cert: { notAfter: Date }, nowMs: number, lastSent: ExpiryWarning | null): ExpiryWarning | null {
  const due = expiryWarnings(cert, nowMs);
  if (due === null) return null;
  if (lastSent !== null && SEVERITY[lastSent] >= SEVERITY[due]) return null;
  return due;
}
