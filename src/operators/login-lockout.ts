/**
 * Account lockout (PCI DSS 8.3.4): after 10 consecutive failed logins the account is locked for
 * 30 minutes, even for the right password. Pure functions over a small state the caller stores on
 * the operator row; a success clears it. Per-IP rate limiting (rate-limiter.ts) sits in front, so
 * one address cannot lock out many accounts quickly either.
 */
export const LOCKOUT_THRESHOLD = 10;
export const LOCKOUT_MS = 30 * 60_000;

export interface LockoutState {
  /** Consecutive failures since the last success or the end of the last lock. */
  failures: number;
  lockedUntilMs: number | null;
}

export const UNLOCKED: LockoutState = Object.freeze({ failures: 0, lockedUntilMs: null });

export type LockoutStatus = { locked: false; remainingAttempts: number } | { locked: true; retryAfterMs: number };

export function lockoutStatus(state: LockoutState, nowMs: number): LockoutStatus {
  if (state.lockedUntilMs !== null && nowMs < state.lockedUntilMs) return { locked: true, retryAfterMs: state.lockedUntilMs - nowMs };
  const failures = state.lockedUntilMs !== null ? 0 : state.failures;
  return { locked: false, remainingAttempts: LOCKOUT_THRESHOLD - failures };
}

/** Counts one failure; the tenth locks the account. Failures while locked do not extend the lock. */
export function recordLoginFailure(state: LockoutState, nowMs: number): LockoutState {
  if (state.lockedUntilMs !== null && nowMs < state.lockedUntilMs) return state;
  const failures = (state.lockedUntilMs !== null ? 0 : state.failures) + 1;
  return failures >= LOCKOUT_THRESHOLD ? { failures, lockedUntilMs: nowMs + LOCKOUT_MS } : { failures, lockedUntilMs: null };
}

export function recordLoginSuccess(): LockoutState {
  return UNLOCKED;
}
