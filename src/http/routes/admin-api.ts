import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import { csrfKeys } from '../plugins/csrf.ts';
import { addOperatorAuth } from '../plugins/operator-auth.ts';
import { addIpRateLimit, DEFAULT_ADMIN_RATE_LIMITS, loginLimiter, type AdminRateLimits } from '../plugins/rate-limit.ts';
import { registerAdminAuditRoutes } from './admin-audit.ts';
import { registerAdminAlertRoutes } from './admin-alerts.ts';
import { registerAdminCredentialRoutes } from './admin-credentials.ts';
import { registerAdminMerchantRoutes } from './admin-merchants.ts';
import { registerAdminMonitorRoutes } from './admin-monitors.ts';
import { registerAdminOperatorRoutes } from './admin-operators.ts';
import { registerAdminPaymentRoutes } from './admin-payments.ts';
import { registerAdminRiskRoutes } from './admin-risk.ts';
import { registerAdminSessionRoutes } from './admin-session.ts';

export interface AdminApiOptions {
  rateLimits?: Partial<AdminRateLimits>;
}

/**
 * The admin API (`/admin/api`), used by the console: one encapsulated scope with the per-IP limit,
 * operator auth (session cookie, permission per route, CSRF) and every admin route module.
 */
export function registerAdminApi(server: FastifyInstance, ctx: ServiceContext, opts: AdminApiOptions = {}): void {
  const limits: AdminRateLimits = { ...DEFAULT_ADMIN_RATE_LIMITS, ...opts.rateLimits };
  const csrf = csrfKeys(ctx);
  void server.register(async (scope) => {
    addIpRateLimit(scope, ctx.clock, limits.api, 'admin');
    addOperatorAuth(scope, ctx, csrf);
    registerAdminSessionRoutes(scope, ctx, { csrf, loginLimiter: loginLimiter(limits) });
    registerAdminOperatorRoutes(scope, ctx);
    registerAdminMerchantRoutes(scope, ctx);
    registerAdminPaymentRoutes(scope, ctx);
    registerAdminRiskRoutes(scope, ctx);
    registerAdminAlertRoutes(scope, ctx);
    registerAdminMonitorRoutes(scope, ctx);
    registerAdminAuditRoutes(scope, ctx);
    registerAdminCredentialRoutes(scope, ctx);
  });
}
