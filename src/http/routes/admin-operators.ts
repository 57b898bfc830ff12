import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import { createOperator } from '../../services/operators/create-operator.ts';
import { getOperatorView, listOperatorViews, resetOperatorTotp, setOperatorDisabled, updateOperatorAccess } from '../../services/operators/manage-operators.ts';
import { operatorOf, scopeOf } from '../plugins/operator-auth.ts';

type IdParams = { Params: { id: string } };

/**
 * Users and roles: list, invite (one-time password shown once), change role/scope, disable, reset 2FA.
 * An operator limited to some merchants sees and manages only operators within its own scope.
 */
export function registerAdminOperatorRoutes(scope: FastifyInstance, ctx: ServiceContext): void {
  scope.get('/admin/api/operators', { config: { permission: 'operators.read' } }, async (req) => ({ object: 'list', data: await listOperatorViews(ctx, scopeOf(req)) }));

  scope.get<IdParams>('/admin/api/operators/:id', { config: { permission: 'operators.read' } }, async (req) => getOperatorView(ctx, scopeOf(req), req.params.id));

  scope.post('/admin/api/operators', { config: { permission: 'operators.manage' } }, async (req, reply) => {
    const auth = operatorOf(req);
    const r = await createOperator(ctx, { type: 'operator', id: auth.operator.id, role: auth.operator.role, merchantScope: auth.operator.merchant_scope, ip: req.ip }, req.body);
    reply.header('Cache-Control', 'no-store');
    return reply.status(201).send({ ...r.operator, one_time_password: r.oneTimePassword.reveal() });
  });

  scope.patch<IdParams>('/admin/api/operators/:id', { config: { permission: 'operators.manage' } }, async (req) => updateOperatorAccess(ctx, operatorOf(req), req.params.id, req.body, req.ip));

  scope.post<IdParams>('/admin/api/operators/:id/disable', { config: { permission: 'operators.manage' } }, async (req) => setOperatorDisabled(ctx, operatorOf(req), req.params.id, true, req.ip));

  scope.post<IdParams>('/admin/api/operators/:id/enable', { config: { permission: 'operators.manage' } }, async (req) => setOperatorDisabled(ctx, operatorOf(req), req.params.id, false, req.ip));

  scope.post<IdParams>('/admin/api/operators/:id/reset-2fa', { config: { permission: 'operators.manage' } }, async (req) => resetOperatorTotp(ctx, operatorOf(req), req.params.id, req.ip));
}
