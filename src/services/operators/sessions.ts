import { appendAudit } from '../../audit/append.ts';
import { findOperatorById, type OperatorRow } from '../../db/operators.ts';
import { findSession, revokeOperatorSessions, revokeSession, touchSession, type OperatorSessionRow } from '../../db/operator-sessions.ts';
import { AppError } from '../../lib/errors.ts';
import { assertSessionActive, hashPresentedToken, sessionExpiresAtMs, type SessionTimes } from '../../operators/session.ts';
import type { ServiceContext } from '../context.ts';

export interface AuthenticatedSession {
  operator: OperatorRow;
  session: OperatorSessionRow;
  tokenHash: string;
}

function timesOf(s: OperatorSessionRow): SessionTimes {
  return { createdAtMs: s.created_at.getTime(), lastSeenAtMs: s.last_seen_at.getTime(), revokedAtMs: s.revoked_at ? s.revoked_at.getTime() : null };
}

const noSession = () => new AppError('unauthenticated', 'unauthenticated', 'Sign in to continue.');

/**
 * Resolves the cookie's token to an active session and its operator, and records the activity
 * (sliding the idle limit, never the absolute one). Unknown tokens → `unauthenticated`; idle or
 * absolute expiry → `session_expired`; signed out → `session_revoked`; a disabled operator's
 * sessions stop at once.
 */
export async function authenticateSession(ctx: Pick<ServiceContext, 'db' | 'clock'>, token: string | undefined): Promise<AuthenticatedSession> {
  const tokenHash = token ? hashPresentedToken(token) : null;
  if (!tokenHash) throw noSession();
  const session = await findSession(ctx.db, tokenHash);
  if (!session) throw noSession();
  const nowMs = ctx.clock.now();
  const times = timesOf(session);
  assertSessionActive(times, nowMs);
  const operator = await findOperatorById(ctx.db, session.operator_id);
  if (!operator || operator.disabled_at !== null) throw new AppError('unauthenticated', 'session_revoked', 'this session was signed out');
  await touchSession(ctx.db, tokenHash, new Date(nowMs), new Date(sessionExpiresAtMs({ ...times, lastSeenAtMs: Math.max(times.lastSeenAtMs, nowMs) })));
  return { operator, session, tokenHash };
}

/** `DELETE /admin/api/session`. */
export async function logout(ctx: Pick<ServiceContext, 'db' | 'clock'>, auth: AuthenticatedSession, ip: string): Promise<void> {
  const now = new Date(ctx.clock.now());
  await ctx.db.transaction().execute(async (trx) => {
    await revokeSession(trx, auth.tokenHash, now);
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: auth.operator.id }, action: 'operator.logout', target: { type: 'operator', id: auth.operator.id }, outcome: 'success', ip });
  });
}

/** `POST /admin/api/sessions/revoke-all`: every session of this operator, this one included. */
export async function revokeAllSessions(ctx: Pick<ServiceContext, 'db' | 'clock'>, auth: AuthenticatedSession, ip: string): Promise<{ revoked: number }> {
  const now = new Date(ctx.clock.now());
  return ctx.db.transaction().execute(async (trx) => {
    const revoked = await revokeOperatorSessions(trx, auth.operator.id, now);
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: auth.operator.id }, action: 'operator.sessions_revoked', target: { type: 'operator', id: auth.operator.id }, outcome: 'success', ip, data: { revoked } });
    return { revoked };
  });
}
