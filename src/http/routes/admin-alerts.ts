import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import { acknowledgeForOperator, alertDetail, listAlertsForOperator, resolveForOperator, type AdminActor } from '../../services/alerts/alert-admin.ts';
import { createChannelForOperator, deleteChannelForOperator, listChannelsForOperator, setChannelEnabledForOperator, testChannelForOperator } from '../../services/alerts/channel-admin.ts';
import { operatorOf } from '../plugins/operator-auth.ts';

/**
 * Alerts and alert channels in the admin API: list (filters, cursor), one alert with its history,
 * acknowledge and resolve (`alerts.read` / `alerts.manage`); channels without their secrets, create
 * (the secret accepted once, sealed), enable/disable, delete and a test notification. Routes only
 * translate HTTP; scope checks and audit entries live in services/alerts.
 */
type Id = { Params: { id: string } };

export function adminActor(req: FastifyRequest): AdminActor {
  const o = operatorOf(req).operator;
  return { operatorId: o.id, scope: o.merchant_scope, ip: req.ip };
}

export function registerAdminAlertRoutes(scope: FastifyInstance, ctx: ServiceContext): void {
  scope.get('/admin/api/alerts', { config: { permission: 'alerts.read' } }, async (req) => listAlertsForOperator(ctx, adminActor(req), req.query));
  scope.get<Id>('/admin/api/alerts/:id', { config: { permission: 'alerts.read' } }, async (req) => alertDetail(ctx, adminActor(req), req.params.id));
  scope.post<Id>('/admin/api/alerts/:id/acknowledge', { config: { permission: 'alerts.manage' } }, async (req) => acknowledgeForOperator(ctx, adminActor(req), req.params.id, req.body));
  scope.post<Id>('/admin/api/alerts/:id/resolve', { config: { permission: 'alerts.manage' } }, async (req) => resolveForOperator(ctx, adminActor(req), req.params.id, req.body));

  scope.get('/admin/api/alert-channels', { config: { permission: 'alerts.read' } }, async (req) => listChannelsForOperator(ctx, adminActor(req)));
  scope.post('/admin/api/alert-channels', { config: { permission: 'alerts.manage' } }, async (req, reply) => reply.status(201).send(await createChannelForOperator(ctx, adminActor(req), req.body)));
  scope.patch<Id>('/admin/api/alert-channels/:id', { config: { permission: 'alerts.manage' } }, async (req) => setChannelEnabledForOperator(ctx, adminActor(req), req.params.id, req.body));
  scope.delete<Id>('/admin/api/alert-channels/:id', { config: { permission: 'alerts.manage' } }, async (req, reply) => {
    await deleteChannelForOperator(ctx, adminActor(req), req.params.id);
    return reply.status(204).send();
  });
  scope.post<Id>('/admin/api/alert-channels/:id/test', { config: { permission: 'alerts.manage' } }, async (req) => testChannelForOperator(ctx, adminActor(req), req.params.id));
}
