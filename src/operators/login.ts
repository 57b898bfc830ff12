import type { Secret } from '../lib/secret.ts';
import { lockoutStatus, recordLoginFailure, recordLoginSuccess, type LockoutState } from './login-lockout.ts';
import { needsRehash, verifyPasswordOrDummy } from './password-hash.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { verifyTotp } from './totp.ts';

/** What the login decision needs to know about the operator; null when no account has that e-mail. */
export interface LoginSubject {
  passwordHash: string;
  lockout: LockoutState;
  /** Present once TOTP is enrolled; required for admin roles (the caller decides `mfaRequired`). */
  totpSecret: Secret<string> | null;
  totpLastStep: number | null;
  mfaRequired: boolean;
}

export type LoginFailureCode = 'login_rate_limited' | 'login_locked' | 'login_failed' | 'totp_required' | 'totp_invalid' | 'totp_reused' | 'totp_enrolment_required';

/** What to persist: the new lockout state and TOTP step (when there is an account), and what to audit. */
export type LoginDecision =
  | { ok: true; lockout: LockoutState; totpLastStep: number | null; rehash: boolean }
  | { ok: false; code: LoginFailureCode; retryAfterMs?: number; lockout: LockoutState | null; totpLastStep: number | null };

/**
 * One login attempt, in the order that leaks least: the per-IP limit first (before any work), the
 * account lock next (even a right password is refused while locked), then argon2 (a dummy verify for
 * unknown accounts so timing and answer are the same as a wrong password: `login_failed` for both),
 * then TOTP. Every failed password or code counts toward the lockout. Pure apart from the limiter.
 */
export async function decideLogin(input: {
  subject: LoginSubject | null;
  password: Secret<string>;
  totpCode: string | undefined;
  ip: string;
  nowMs: number;
  limiter: RateLimiter;
}): Promise<LoginDecision> {
  const { subject, nowMs } = input;
  const rate = await input.limiter.hit(`login:${input.ip}`, nowMs);
  if (!rate.allowed) return { ok: false, code: 'login_rate_limited', retryAfterMs: rate.retryAfterMs, lockout: subject?.lockout ?? null, totpLastStep: subject?.totpLastStep ?? null };

  if (subject) {
    const lock = lockoutStatus(subject.lockout, nowMs);
    if (lock.locked) return { ok: false, code: 'login_locked', retryAfterMs: lock.retryAfterMs, lockout: subject.lockout, totpLastStep: subject.totpLastStep };
  }

  const passwordOk = await verifyPasswordOrDummy(subject?.passwordHash ?? null, input.password);
  if (!subject || !passwordOk) {
    return { ok: false, code: 'login_failed', lockout: subject ? recordLoginFailure(subject.lockout, nowMs) : null, totpLastStep: subject?.totpLastStep ?? null };
  }

  let totpLastStep = subject.totpLastStep;
  if (subject.totpSecret) {
    if (input.totpCode === undefined || input.totpCode === '') {
      // The password was right: ask for the code without counting a failure.
      return { ok: false, code: 'totp_required', lockout: subject.lockout, totpLastStep };
    }
    const check = await verifyTotp({ secret: subject.totpSecret, token: input.totpCode, nowMs, lastUsedStep: subject.totpLastStep });
    if (!check.ok) {
      return { ok: false, code: check.reason === 'reused' ? 'totp_reused' : 'totp_invalid', lockout: recordLoginFailure(subject.lockout, nowMs), totpLastStep };
    }
    totpLastStep = check.step;
  } else if (subject.mfaRequired) {
    // Password right but the role needs MFA and none is enrolled: only the enrolment flow may follow.
    return { ok: false, code: 'totp_enrolment_required', lockout: recordLoginSuccess(), totpLastStep };
  }
  return { ok: true, lockout: recordLoginSuccess(), totpLastStep, rehash: needsRehash(subject.passwordHash) };
}
