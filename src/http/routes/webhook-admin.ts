import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import { getEvent, getEventDeliveries, redeliverEvent } from '../../services/webhooks/webhook-events.ts';
import { getWebhookEndpoint, rotateWebhookEndpointSecret, setWebhookEndpoint } from '../../services/webhooks/webhook-endpoint.ts';
import type { Resolver } from '../../net/outbound-url.ts';
import { addApiKeyAuth, apiKeyActorOf, merchantOf } from '../plugins/api-key-auth.ts';

/**
 * The merchant's view of its webhooks (Bearer API key): events and their delivery log, manual
 * redelivery, the endpoint URL, and secret rotation (the new secret is shown once; the previous one
 * keeps signing for 24 h). Every id is scoped to the authenticated merchant.
 */
type IdParams = { Params: { id: string } };

export function registerWebhookAdminRoutes(server: FastifyInstance, ctx: ServiceContext, opts: { resolve?: Resolver } = {}): void {
  void server.register(async (scope) => {
    addApiKeyAuth(scope, ctx);

    scope.get<IdParams>('/v1/events/:id', async (req) => getEvent(ctx, merchantOf(req).id, req.params.id));

    scope.get<IdParams>('/v1/events/:id/deliveries', async (req) => ({
      object: 'list',
      data: await getEventDeliveries(ctx, merchantOf(req).id, req.params.id),
    }));

    scope.post<IdParams>('/v1/events/:id/redeliver', async (req, reply) => reply.status(202).send(await redeliverEvent(ctx, merchantOf(req).id, req.params.id)));

    scope.get('/v1/webhook-endpoint', async (req) => getWebhookEndpoint(ctx, merchantOf(req).id));

    scope.put('/v1/webhook-endpoint', async (req) => setWebhookEndpoint(ctx, merchantOf(req).id, req.body ?? {}, opts.resolve, apiKeyActorOf(req)));

    scope.post('/v1/webhook-endpoint/rotate-secret', async (req, reply) => {
      // Shown once: never cache this answer anywhere.
      reply.header('Cache-Control', 'no-store');
      return rotateWebhookEndpointSecret(ctx, merchantOf(req).id, apiKeyActorOf(req));
    });
  });
}
