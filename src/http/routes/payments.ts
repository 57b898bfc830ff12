import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import { createPayment } from '../../services/payments/create-payment.ts';
import { pickLang } from '../../lib/error-messages.ts';
import { getPayment } from '../../services/payments/get-payment.ts';
import { listPayments } from '../../services/payments/list-payments.ts';
import { refreshH5Url } from '../../services/payments/refresh-h5-url.ts';
import { closePayment } from '../../services/payments/close-payment.ts';
import { paymentView } from '../../services/payments/payment-view.ts';
import { addApiKeyAuth, apiKeyActorOf, merchantOf } from '../plugins/api-key-auth.ts';
import { runIdempotentSession } from '../plugins/idempotency.ts';
import { registerOpenApiRoute } from '../openapi.ts';
import { registerRefundRoutes } from './refunds.ts';

type IdParams = { Params: { id: string } };

const createdResponse = (p: Parameters<typeof paymentView>[0]) => ({ status: 201, body: paymentView(p) });

/**
 * The merchant API (`/v1`, API-key authenticated) and its OpenAPI document (public). Handlers only
 * translate HTTP to service calls: every rule lives in the services.
 */
export function registerMerchantApi(server: FastifyInstance, ctx: ServiceContext): void {
  registerOpenApiRoute(server);
  void server.register(async (scope) => {
    addApiKeyAuth(scope, ctx);
    registerPaymentRoutes(scope, ctx);
    registerRefundRoutes(scope, ctx);
  });
}

export function registerPaymentRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post('/v1/payments', async (req, reply) => {
    const merchant = merchantOf(req);
    // The key is claimed inside the reservation transaction and the response stored with the record
    // of WeChat's answer (runIdempotentSession): two commits per order.
    return runIdempotentSession(ctx, req, reply, merchant.id, 'POST /v1/payments', async (session) => {
      const p = await createPayment(ctx, merchant, req.body, {
        idempotency: session,
        responseFor: createdResponse,
        outTradeNoSeed: `${merchant.id}:${session.ref.key}:${session.fingerprint}`,
        lang: pickLang(req.headers['accept-language']),
      });
      return createdResponse(p);
    });
  });

  app.get('/v1/payments', async (req) => {
    const page = await listPayments(ctx, merchantOf(req).id, req.query ?? {});
    return { object: 'list', data: page.data.map(paymentView), has_more: page.has_more };
  });

  app.get<IdParams>('/v1/payments/:id', async (req) => paymentView(await getPayment(ctx, merchantOf(req).id, req.params.id)));

  app.post<IdParams>('/v1/payments/:id/h5-url', async (req) => paymentView(await refreshH5Url(ctx, merchantOf(req).id, req.params.id)));

  app.post<IdParams>('/v1/payments/:id/close', async (req) => paymentView(await closePayment(ctx, merchantOf(req).id, req.params.id, 'merchant', apiKeyActorOf(req))));
}
