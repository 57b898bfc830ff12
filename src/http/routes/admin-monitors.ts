import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import { deleteOverride, effectiveMonitors, globalMonitors, upsertGlobalMonitor, upsertOverride } from '../../services/monitors/monitor-overrides.ts';
import { adminActor } from './admin-alerts.ts';

/**
 * Monitors in the admin API: the global defaults (changed only by operators of every merchant), a
 * merchant's effective monitors (its overrides, else the global defaults), and upserting or deleting
 * the merchant's override of one kind (`monitors.manage`).
 */
type MerchantKind = { Params: { id: string; kind: string } };

export function registerAdminMonitorRoutes(scope: FastifyInstance, ctx: ServiceContext): void {
  scope.get('/admin/api/monitors', { config: { permission: 'alerts.read' } }, async () => globalMonitors(ctx));
  scope.put<{ Params: { kind: string } }>('/admin/api/monitors/:kind', { config: { permission: 'monitors.manage' } }, async (req) => upsertGlobalMonitor(ctx, adminActor(req), req.params.kind, req.body));
  scope.get<{ Params: { id: string } }>('/admin/api/merchants/:id/monitors', { config: { permission: 'alerts.read' } }, async (req) => effectiveMonitors(ctx, adminActor(req), req.params.id));
  scope.put<MerchantKind>('/admin/api/merchants/:id/monitors/:kind', { config: { permission: 'monitors.manage' } }, async (req) => upsertOverride(ctx, adminActor(req), req.params.id, req.params.kind, req.body));
  scope.delete<MerchantKind>('/admin/api/merchants/:id/monitors/:kind', { config: { permission: 'monitors.manage' } }, async (req, reply) => {
    await deleteOverride(ctx, adminActor(req), req.params.id, req.params.kind);
    return reply.status(204).send();
  });
}
