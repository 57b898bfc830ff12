import type { FastifyInstance } from 'fastify';
import { clearSessionCookie, sessionCookie } from '../../operators/session.ts';
import type { RateLimiter } from '../../operators/rate-limiter.ts';
import type { ServiceContext } from '../../services/context.ts';
import { changePassword, confirmTotp, enrolTotp } from '../../services/operators/account-setup.ts';
import { loginOperator } from '../../services/operators/login-service.ts';
import { meView } from '../../services/operators/operator-view.ts';
import { logout, revokeAllSessions } from '../../services/operators/sessions.ts';
import type { CsrfKeys } from '../plugins/csrf.ts';
import { operatorOf, readCookie, sessionCookieName } from '../plugins/operator-auth.ts';

/**
 * Sign-in, sign-out and the signed-in operator's own account: `public` for the login itself, `self`
 * for the rest (allowed in a `setup` session, so a new operator can change the one-time password and
 * enrol TOTP). Every answer here is `Cache-Control: no-store`.
 */
export function registerAdminSessionRoutes(scope: FastifyInstance, ctx: ServiceContext, deps: { csrf: CsrfKeys; loginLimiter: RateLimiter }): void {
  const secure = ctx.mode === 'live';
  const cookieName = sessionCookieName(ctx.mode);
  scope.addHook('onSend', async (_req, reply, payload) => {
    reply.header('Cache-Control', 'no-store');
    return payload;
  });

  scope.post('/admin/api/session', { config: { permission: 'public' } }, async (req, reply) => {
    const r = await loginOperator(ctx, deps.loginLimiter, req.body, {
      ip: req.ip,
      userAgent: req.headers['user-agent'],
      presentedToken: readCookie(req.headers.cookie, cookieName),
    });
    reply.header('Set-Cookie', sessionCookie(r.token, { secure }));
    return reply.status(201).send({ ...r.me, csrf_token: await deps.csrf.tokenFor(r.tokenHash) });
  });

  scope.delete('/admin/api/session', { config: { permission: 'self' } }, async (req, reply) => {
    await logout(ctx, operatorOf(req), req.ip);
    reply.header('Set-Cookie', clearSessionCookie({ secure }));
    return reply.status(204).send();
  });

  scope.post('/admin/api/sessions/revoke-all', { config: { permission: 'self' } }, async (req, reply) => {
    const r = await revokeAllSessions(ctx, operatorOf(req), req.ip);
    reply.header('Set-Cookie', clearSessionCookie({ secure }));
    return r;
  });

  // The console calls this after a reload: it re-derives the CSRF token, which is bound to the session.
  scope.get('/admin/api/me', { config: { permission: 'self' } }, async (req) => {
    const auth = operatorOf(req);
    return { ...meView(auth.operator), session_stage: auth.session.stage, csrf_token: await deps.csrf.tokenFor(auth.tokenHash) };
  });

  scope.post('/admin/api/me/password', { config: { permission: 'self' } }, async (req) => changePassword(ctx, operatorOf(req), req.body, req.ip));

  scope.post('/admin/api/me/totp/enrol', { config: { permission: 'self' } }, async (req) => enrolTotp(ctx, operatorOf(req), req.ip));

  scope.post('/admin/api/me/totp/confirm', { config: { permission: 'self' } }, async (req) => confirmTotp(ctx, operatorOf(req), req.body, req.ip));
}
