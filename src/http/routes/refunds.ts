import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import { createRefund } from '../../services/refunds/create-refund.ts';
import { getRefund } from '../../services/refunds/get-refund.ts';
import { getPayment } from '../../services/payments/get-payment.ts';
import { refundView } from '../../services/payments/payment-view.ts';
import { apiKeyActorOf, merchantOf } from '../plugins/api-key-auth.ts';
import { runIdempotent } from '../plugins/idempotency.ts';

type IdParams = { Params: { id: string } };

export function registerRefundRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post<IdParams>('/v1/payments/:id/refunds', async (req, reply) => {
    const merchant = merchantOf(req);
    // 404 for another merchant's payment before the key is claimed, so a foreign id stores nothing.
    const payment = await getPayment(ctx, merchant.id, req.params.id);
    return runIdempotent(ctx, req, reply, merchant.id, `POST /v1/payments/${payment.id}/refunds`, async (run) => {
      const r = await createRefund(ctx, merchant, payment.id, req.body, {
        idempotency: run.ref,
        resumeRefundId: run.resumeId,
        outRefundNoSeed: `${merchant.id}:${payment.id}:${run.ref.key}:${run.fingerprint}`,
        ...apiKeyActorOf(req),
      });
      return { status: 201, body: refundView(r) };
    });
  });

  app.get<IdParams>('/v1/refunds/:id', async (req) => refundView(await getRefund(ctx, merchantOf(req).id, req.params.id)));
}
