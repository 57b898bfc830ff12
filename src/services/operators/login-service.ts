import { z } from 'zod';
import { appendAudit } from '../../audit/append.ts';
import { findOperatorByEmail, lockOperator, updateOperator, type OperatorRow } from '../../db/operators.ts';
import { insertSession, revokeSession } from '../../db/operator-sessions.ts';
import { AppError } from '../../lib/errors.ts';
import { Secret } from '../../lib/secret.ts';
import { recordLoginFailure, UNLOCKED, type LockoutState } from '../../operators/login-lockout.ts';
import { decideLogin, type LoginFailureCode } from '../../operators/login.ts';
import { hashPassword } from '../../operators/password-hash.ts';
import type { RateLimiter } from '../../operators/rate-limiter.ts';
import { sessionExpiresAtMs, startSession } from '../../operators/session.ts';
import type { ServiceContext } from '../context.ts';
import { openSecretIfExists, secretIds } from '../custody/secrets.ts';
import { parseOrThrow } from './operator-input.ts';
import { meView, setupSteps } from './operator-view.ts';
import { mfaRequired } from './permissions.ts';

export const loginSchema = z.strictObject({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
  totp: z.string().trim().max(16).optional(),
});

export interface LoginMeta {
  ip: string;
  userAgent: string | undefined;
  /** The session token the browser already carried, revoked at login (no session fixation). */
  presentedToken: string | undefined;
}

export interface LoginResult {
  token: Secret<string>;
  tokenHash: string;
  me: ReturnType<typeof meView>;
}

const FAILURES: Record<LoginFailureCode, { kind: 'unauthenticated' | 'rate_limited'; message: string }> = {
  login_failed: { kind: 'unauthenticated', message: 'Wrong e-mail or password.' },
  login_rate_limited: { kind: 'rate_limited', message: 'Too many sign-in attempts from this address; try again later.' },
  login_locked: { kind: 'rate_limited', message: 'This account is locked after too many failed attempts; try again later.' },
  totp_required: { kind: 'unauthenticated', message: 'Enter the code from your authenticator app.' },
  totp_invalid: { kind: 'unauthenticated', message: 'The authenticator code is wrong.' },
  totp_reused: { kind: 'unauthenticated', message: 'This authenticator code was already used; wait for the next one.' },
  totp_enrolment_required: { kind: 'unauthenticated', message: 'Two-factor enrolment is required.' },
};

function lockoutOf(o: OperatorRow): LockoutState {
  return { failures: o.failed_attempts, lockedUntilMs: o.locked_until ? o.locked_until.getTime() : null };
}

/**
 * `POST /admin/api/session`. Reads the operator and (when enrolled) opens its TOTP seed outside any
 * transaction, lets `decideLogin` decide, then persists the outcome in one transaction with its audit
 * entry: the lockout counter (recomputed on the locked row, so concurrent failures all count), the
 * TOTP step (a conditional update, so two logins racing with one code cannot both pass), the session.
 * A right password for a role that still needs a new password or TOTP enrolment opens a `setup`
 * session that can do nothing else. Disabled accounts answer like unknown ones.
 */
export async function loginOperator(ctx: ServiceContext, limiter: RateLimiter, input: unknown, meta: LoginMeta): Promise<LoginResult> {
  const body = parseOrThrow(loginSchema, input);
  const nowMs = ctx.clock.now();
  const now = new Date(nowMs);
  const found = await findOperatorByEmail(ctx.db, body.email);
  const row = found && found.disabled_at === null ? found : undefined;
  const totpSecret = row?.totp_enabled ? ((await openSecretIfExists(ctx, secretIds.operatorTotp(row.id))) ?? null) : null;
  const decision = await decideLogin({
    subject: row ? { passwordHash: row.password_hash, lockout: lockoutOf(row), totpSecret, totpLastStep: row.totp_last_step, mfaRequired: mfaRequired(row.role) } : null,
    password: new Secret(body.password),
    totpCode: body.totp,
    ip: meta.ip,
    nowMs,
    limiter,
  });
  const setup = !decision.ok && decision.code === 'totp_enrolment_required';
  const rehash = decision.ok && decision.rehash ? await hashPassword(new Secret(body.password)) : undefined;

  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const actor = { type: 'operator' as const, id: row?.id ?? 'unknown' };
    if (!row) {
      await appendAudit(ctx, trx, { actor, action: 'operator.login', outcome: 'failure', ip: meta.ip, data: { code: decision.ok ? 'login_failed' : decision.code, reason: found ? 'disabled' : 'unknown_email' } });
      return { ok: false as const, code: decision.ok ? ('login_failed' as const) : decision.code };
    }
    const locked = (await lockOperator(trx, row.id))!;
    if (!decision.ok && !setup) {
      // The codes decideLogin counts toward the lockout, re-applied to the locked row's current state.
      const counts = decision.code === 'login_failed' || decision.code === 'totp_invalid' || decision.code === 'totp_reused';
      const next = counts ? recordLoginFailure(lockoutOf(locked), nowMs) : lockoutOf(locked);
      await updateOperator(trx, row.id, { failed_attempts: next.failures, locked_until: next.lockedUntilMs === null ? null : new Date(next.lockedUntilMs) }, now);
      await appendAudit(ctx, trx, { actor, action: 'operator.login', target: { type: 'operator', id: row.id }, outcome: 'failure', ip: meta.ip, data: { code: decision.code, locked: next.lockedUntilMs !== null } });
      return { ok: false as const, code: decision.code };
    }
    const step = decision.totpLastStep;
    if (decision.ok && step !== null && step !== row.totp_last_step) {
      // Refuse a code another login consumed between our read and this transaction.
      if (locked.totp_last_step !== null && locked.totp_last_step >= step) {
        await appendAudit(ctx, trx, { actor, action: 'operator.login', target: { type: 'operator', id: row.id }, outcome: 'failure', ip: meta.ip, data: { code: 'totp_reused' } });
        return { ok: false as const, code: 'totp_reused' as const };
      }
    }
    const updated = (await updateOperator(trx, row.id, { failed_attempts: UNLOCKED.failures, locked_until: null, totp_last_step: step, ...(rehash ? { password_hash: rehash } : {}) }, now))!;
    const stage = setup || setupSteps(updated).length > 0 ? 'setup' : 'full';
    const started = startSession(nowMs, meta.presentedToken);
    if (started.revokeTokenHash) await revokeSession(trx, started.revokeTokenHash, now);
    await insertSession(trx, {
      token_sha256: started.tokenHash,
      operator_id: row.id,
      stage,
      created_at: now,
      expires_at: new Date(sessionExpiresAtMs(started.session)),
      ip: meta.ip.slice(0, 64),
      user_agent: meta.userAgent?.slice(0, 512) ?? null,
    });
    await appendAudit(ctx, trx, { actor, action: 'operator.login', target: { type: 'operator', id: row.id }, outcome: 'success', ip: meta.ip, data: { stage } });
    return { ok: true as const, token: started.token, tokenHash: started.tokenHash, operator: updated };
  });

  if (!outcome.ok) {
    const f = FAILURES[outcome.code];
    const retry = !decision.ok && decision.retryAfterMs !== undefined ? { retry_after_seconds: Math.ceil(decision.retryAfterMs / 1000) } : undefined;
    throw new AppError(f.kind, outcome.code, f.message, retry);
  }
  return { token: outcome.token, tokenHash: outcome.tokenHash, me: meView(outcome.operator) };
}
