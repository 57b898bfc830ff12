import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import { auditHead, listAuditEntries, verifyAuditChain } from '../../services/admin/audit-read.ts';
import { scopeOf } from '../plugins/operator-auth.ts';
import { actorOf } from './admin-merchants.ts';

/**
 * The audit log in the console: list with filters (scope-limited), verify the hash chain, export the
 * head for anchoring. Reading needs `audit.read`; verifying and exporting the head `audit.verify`.
 */
export function registerAdminAuditRoutes(scope: FastifyInstance, ctx: ServiceContext): void {
  scope.get('/admin/api/audit', { config: { permission: 'audit.read' } }, async (req) => listAuditEntries(ctx, scopeOf(req), req.query ?? {}));

  scope.post('/admin/api/audit/verify', { config: { permission: 'audit.verify' } }, async (req) => verifyAuditChain(ctx, actorOf(req), req.body ?? {}));

  scope.get('/admin/api/audit/head', { config: { permission: 'audit.verify' } }, async (req) => auditHead(ctx, actorOf(req)));
}
