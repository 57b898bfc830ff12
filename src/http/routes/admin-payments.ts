import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import { consoleClosePayment, consolePaymentDetail, consoleQueryPayment, consoleRefund, searchConsolePayments } from '../../services/admin/admin-payments.ts';
import { dashboard } from '../../services/admin/dashboard.ts';
import { scopeOf } from '../plugins/operator-auth.ts';
import { actorOf } from './admin-merchants.ts';

type Id = { Params: { id: string } };

/** Payments and the dashboard in the console; every lookup is limited to the operator's merchants. */
export function registerAdminPaymentRoutes(scope: FastifyInstance, ctx: ServiceContext): void {
  scope.get('/admin/api/dashboard', { config: { permission: 'dashboard.read' } }, async (req) => dashboard(ctx, scopeOf(req), req.query ?? {}));

  scope.get('/admin/api/payments', { config: { permission: 'payments.read' } }, async (req) => searchConsolePayments(ctx, scopeOf(req), req.query ?? {}));

  scope.get<Id>('/admin/api/payments/:id', { config: { permission: 'payments.read' } }, async (req) => consolePaymentDetail(ctx, scopeOf(req), req.params.id));

  scope.post<Id>('/admin/api/payments/:id/query', { config: { permission: 'payments.act' } }, async (req) => consoleQueryPayment(ctx, actorOf(req), scopeOf(req), req.params.id));

  scope.post<Id>('/admin/api/payments/:id/close', { config: { permission: 'payments.act' } }, async (req) => consoleClosePayment(ctx, actorOf(req), scopeOf(req), req.params.id));

  scope.post<Id>('/admin/api/payments/:id/refunds', { config: { permission: 'refunds.create' } }, async (req, reply) => reply.status(201).send(await consoleRefund(ctx, actorOf(req), scopeOf(req), req.params.id, req.body ?? {})));
}
