import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../../services/context.ts';
import { assertPermission, isRoutePermission, type MerchantScope, type RoutePermission } from '../../services/operators/permissions.ts';
import { authenticateSession, type AuthenticatedSession } from '../../services/operators/sessions.ts';
import { SAFE_METHODS, type CsrfKeys } from './csrf.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every `/admin/api` route: what the operator needs to call it. */
    permission?: RoutePermission;
  }
  interface FastifyRequest {
    /** The signed-in operator (admin API routes other than `public` ones). */
    operatorAuth?: AuthenticatedSession;
  }
}

export const ADMIN_API_PREFIX = '/admin/api';
export const LIVE_COOKIE = '__Host-anfu_session';
export const SANDBOX_COOKIE = 'anfu_session';

/** The session cookie's name: `__Host-` + Secure in live mode; plain in the sandbox (http://127.0.0.1). */
export function sessionCookieName(mode: 'sandbox' | 'live'): string {
  return mode === 'live' ? LIVE_COOKIE : SANDBOX_COOKIE;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/**
 * Authentication, authorisation and CSRF for the admin API, decided per route from its declared
 * `config.permission`. A route under `/admin/api` without one fails at start-up (fail closed), so no
 * route can be forgotten. Order: session (401) → setup stage (403 `setup_required` unless `self`) →
 * permission (403 `permission_denied`) → CSRF on state-changing methods (403 `csrf_token_invalid`).
 */
export function addOperatorAuth(scope: FastifyInstance, ctx: ServiceContext, csrf: CsrfKeys): void {
  scope.addHook('onRoute', (route) => {
    if (!route.url.startsWith(ADMIN_API_PREFIX)) return;
    const p = (route.config as { permission?: unknown } | undefined)?.permission;
    if (!isRoutePermission(p)) throw new Error(`admin route ${String(route.method)} ${route.url} declares no permission`);
  });
  const cookieName = sessionCookieName(ctx.mode);
  scope.addHook('onRequest', async (req) => {
    const permission = req.routeOptions.config.permission;
    if (permission === undefined) throw new AppError('forbidden', 'permission_denied', 'This route declares no permission.');
    if (permission === 'public') return;
    const auth = await authenticateSession(ctx, readCookie(req.headers.cookie, cookieName));
    if (auth.session.stage !== 'full' && permission !== 'self') {
      throw new AppError('forbidden', 'setup_required', 'Finish setting up your account (new password, two-factor enrolment) first.');
    }
    if (permission !== 'self') assertPermission(auth.operator.role, permission);
    if (!SAFE_METHODS.has(req.method)) await csrf.check(req, auth.tokenHash);
    req.operatorAuth = auth;
  });
}

export function operatorOf(req: FastifyRequest): AuthenticatedSession {
  if (!req.operatorAuth) throw new AppError('unauthenticated', 'unauthenticated', 'Sign in to continue.');
  return req.operatorAuth;
}

export function scopeOf(req: FastifyRequest): MerchantScope {
  return operatorOf(req).operator.merchant_scope;
}
