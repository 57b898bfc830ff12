import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServiceContext } from '../../services/context.ts';
import { auditAfter, listMerchantsInScope, merchantDeliveryLog, merchantDetail, merchantInScope, updateH5Domains } from '../../services/admin/admin-merchants.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../../services/merchants/api-keys.ts';
import { parseOrThrow } from '../../services/operators/operator-input.ts';
import { getEventDeliveries, redeliverEvent } from '../../services/webhooks/webhook-events.ts';
import { getWebhookEndpoint, rotateWebhookEndpointSecret, setWebhookEndpoint } from '../../services/webhooks/webhook-endpoint.ts';
import { operatorOf, scopeOf } from '../plugins/operator-auth.ts';

type Id = { Params: { id: string } };
type IdSub = { Params: { id: string; sub: string } };

const apiKeyInput = z.strictObject({ label: z.string().trim().min(1).max(64).optional() });

function actorOf(req: FastifyRequest) {
  const o = operatorOf(req).operator;
  return { type: 'operator' as const, id: o.id, role: o.role, ip: req.ip };
}

/** The operator as an audit actor, for services that audit inside their own transaction. */
function auditActorOf(req: FastifyRequest) {
  return { type: 'operator' as const, id: operatorOf(req).operator.id };
}

/**
 * Merchants in the console: every route first resolves the merchant within the operator's scope
 * (404 `merchant_not_found` otherwise), then calls the same services as the merchant API.
 */
export function registerAdminMerchantRoutes(scope: FastifyInstance, ctx: ServiceContext): void {
  scope.get('/admin/api/merchants', { config: { permission: 'merchants.read' } }, async (req) => ({ object: 'list', data: await listMerchantsInScope(ctx, scopeOf(req)) }));

  scope.get<Id>('/admin/api/merchants/:id', { config: { permission: 'merchants.read' } }, async (req) => merchantDetail(ctx, scopeOf(req), req.params.id));

  scope.put<Id>('/admin/api/merchants/:id/h5-domains', { config: { permission: 'merchants.manage' } }, async (req) => updateH5Domains(ctx, actorOf(req), scopeOf(req), req.params.id, req.body));

  scope.get<Id>('/admin/api/merchants/:id/api-keys', { config: { permission: 'merchants.read' } }, async (req) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    return { object: 'list', data: await listApiKeys(ctx, m.id) };
  });

  scope.post<Id>('/admin/api/merchants/:id/api-keys', { config: { permission: 'api_keys.manage' } }, async (req, reply) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    const body = parseOrThrow(apiKeyInput, req.body);
    // Audited by the service in the key's own transaction, with the operator as actor.
    const r = await createApiKey(ctx, m.id, body.label, auditActorOf(req));
    // Shown once: the gateway keeps only its SHA-256.
    return reply.status(201).send({ ...r.key, token: r.token });
  });

  scope.delete<IdSub>('/admin/api/merchants/:id/api-keys/:sub', { config: { permission: 'api_keys.manage' } }, async (req, reply) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    await revokeApiKey(ctx, m.id, req.params.sub, auditActorOf(req));
    return reply.status(204).send();
  });

  scope.get<Id>('/admin/api/merchants/:id/webhook-endpoint', { config: { permission: 'merchants.read' } }, async (req) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    return getWebhookEndpoint(ctx, m.id);
  });

  scope.put<Id>('/admin/api/merchants/:id/webhook-endpoint', { config: { permission: 'webhooks.manage' } }, async (req) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    return setWebhookEndpoint(ctx, m.id, req.body ?? {}, undefined, { actor: auditActorOf(req), ip: req.ip });
  });

  scope.post<Id>('/admin/api/merchants/:id/webhook-endpoint/rotate-secret', { config: { permission: 'webhooks.manage' } }, async (req) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    return rotateWebhookEndpointSecret(ctx, m.id, { actor: auditActorOf(req), ip: req.ip });
  });

  scope.get<Id>('/admin/api/merchants/:id/events', { config: { permission: 'merchants.read' } }, async (req) => ({
    object: 'list',
    data: await merchantDeliveryLog(ctx, scopeOf(req), req.params.id, req.query ?? {}),
  }));

  scope.get<IdSub>('/admin/api/merchants/:id/events/:sub/deliveries', { config: { permission: 'merchants.read' } }, async (req) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    return { object: 'list', data: await getEventDeliveries(ctx, m.id, req.params.sub) };
  });

  scope.post<IdSub>('/admin/api/merchants/:id/events/:sub/redeliver', { config: { permission: 'webhooks.manage' } }, async (req, reply) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    const r = await redeliverEvent(ctx, m.id, req.params.sub);
    await auditAfter(ctx, actorOf(req), 'webhook_event.redelivered', m.id, { type: 'event', id: req.params.sub });
    return reply.status(202).send(r);
  });
}

export { actorOf };
