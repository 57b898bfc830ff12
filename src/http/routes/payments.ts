import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import { createPayment } from '../../services/payments/create-payment.ts';
import { pickLang } from '../../lib/error-messages.ts';
import { getPayment } from '../../services/payments/get-payment.ts';
import { listPayments } from '../../services/payments/list-payments.ts';
import { refreshH5Url } from '../../services/payments/refresh-h5-url.ts';
import { closePayment } from '../../services/payments/close-payment.ts';
import { paymentView } from '../../services/payments/payment-view.ts';
import { addApiKeyAuth, merchantOf } from '../plugins/api-key-auth.ts';
import { runIdempotent } from '../plugins/idempotency.ts';
import { registerOpenApiRoute } from '../openapi.ts';
import { registerRefundRoutes } from './refunds.ts';

type IdParams = { Params: { id: string } };

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
    return runIdempotent(ctx, req, reply, merchant.id, 'POST /v1/payments', async (run) => {
      const p = await createPayment(ctx, merchant, req.body, {
        idempotency: run.ref,
        resumePaymentId: run.resumeId,
        outTradeNoSeed: `${merchant.id}:${run.ref.key}:${run.fingerprint}`,
        lang: pickLang(req.headers['accept-language']),
      });
      return { status: 201, body: paymentView(p) };
    });
  });

  app.get('/v1/payments', async (req) => {
    const page = await listPayments(ctx, merchantOf(req).id, req.query ?? {});
    return { object: 'list', data: page.data.map(paymentView), has_more: page.has_more };
  });

  app.get<IdParams>('/v1/payments/:id', async (req) => paymentView(await getPayment(ctx, merchantOf(req).id, req.params.id)));

  app.post<IdParams>('/v1/payments/:id/h5-url', async (req) => paymentView(await refreshH5Url(ctx, merchantOf(req).id, req.params.id)));

  app.post<IdParams>('/v1/payments/:id/close', async (req) => paymentView(await closePayment(ctx, merchantOf(req).id, req.params.id)));
}
