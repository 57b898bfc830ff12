import type { Transaction } from 'kysely';
import { appendAudit } from '../../audit/append.ts';
import { countActiveOwners, findOperatorById, listOperators, lockOperator, updateOperator, type OperatorPatch, type OperatorRow } from '../../db/operators.ts';
import { revokeOperatorSessions } from '../../db/operator-sessions.ts';
import type { Database } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { destroySecret, secretIds } from '../custody/secrets.ts';
import { assertMerchantsExist } from './create-operator.ts';
import { parseOrThrow, updateOperatorSchema } from './operator-input.ts';
import { operatorView, type OperatorView } from './operator-view.ts';
import { assertCanGrantScope, scopeCovers, type MerchantScope } from './permissions.ts';
import type { AuthenticatedSession } from './sessions.ts';

const notFound = () => new AppError('not_found', 'operator_not_found', 'No such operator.');

export async function listOperatorViews(ctx: Pick<ServiceContext, 'db'>, scope: MerchantScope = null): Promise<OperatorView[]> {
  return (await listOperators(ctx.db)).filter((o) => scopeCovers(scope, o.merchant_scope)).map(operatorView);
}

/** Operators outside the caller's scope answer like missing ones. */
export async function getOperatorView(ctx: Pick<ServiceContext, 'db'>, scope: MerchantScope, id: string): Promise<OperatorView> {
  const o = await findOperatorById(ctx.db, id);
  if (!o || !scopeCovers(scope, o.merchant_scope)) throw notFound();
  return operatorView(o);
}

/**
 * Guards shared by every change to another operator: only owners touch owners or make owners, and
 * the last active owner can be neither demoted nor disabled (the installation would have no owner).
 */
async function lockTarget(trx: Transaction<Database>, actor: AuthenticatedSession, id: string, opts: { newRole?: string | undefined; removesOwner: boolean }): Promise<OperatorRow> {
  const target = await lockOperator(trx, id);
  if (!target || !scopeCovers(actor.operator.merchant_scope, target.merchant_scope)) throw notFound();
  const actorIsOwner = actor.operator.role === 'owner';
  if ((target.role === 'owner' || opts.newRole === 'owner') && !actorIsOwner) {
    throw new AppError('forbidden', 'owner_required', 'Only an owner can change an owner or grant the owner role.');
  }
  if (target.role === 'owner' && opts.removesOwner && target.disabled_at === null && (await countActiveOwners(trx)) <= 1) {
    throw new AppError('conflict', 'last_owner', 'The last active owner cannot be demoted or disabled.');
  }
  return target;
}

async function apply(ctx: Pick<ServiceContext, 'clock'>, trx: Transaction<Database>, actor: AuthenticatedSession, ip: string, target: OperatorRow, patch: OperatorPatch, action: string, data: Record<string, unknown>): Promise<OperatorView> {
  const now = new Date(ctx.clock.now());
  const updated = (await updateOperator(trx, target.id, patch, now))!;
  // Any change of rights ends the target's sessions: new rights apply from the next sign-in.
  const revoked = await revokeOperatorSessions(trx, target.id, now);
  await appendAudit(ctx, trx, { actor: { type: 'operator', id: actor.operator.id }, action, target: { type: 'operator', id: target.id }, outcome: 'success', ip, data: { ...data, sessions_revoked: revoked } });
  return operatorView(updated);
}

/** `PATCH /admin/api/operators/:id {name?, role?, merchant_scope?}`. */
export async function updateOperatorAccess(ctx: Pick<ServiceContext, 'db' | 'clock'>, actor: AuthenticatedSession, id: string, input: unknown, ip: string): Promise<OperatorView> {
  const body = parseOrThrow(updateOperatorSchema, input);
  return ctx.db.transaction().execute(async (trx) => {
    const target = await lockTarget(trx, actor, id, { newRole: body.role, removesOwner: body.role !== undefined && body.role !== 'owner' });
    if (body.merchant_scope !== undefined) {
      assertCanGrantScope(actor.operator.merchant_scope, body.merchant_scope);
      await assertMerchantsExist(trx, body.merchant_scope);
    }
    const patch: OperatorPatch = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.role !== undefined) patch.role = body.role;
    if (body.merchant_scope !== undefined) patch.merchant_scope = body.merchant_scope;
    return apply(ctx, trx, actor, ip, target, patch, 'operator.access_changed', { from: { role: target.role, merchant_scope: target.merchant_scope }, to: body });
  });
}

/** `POST /admin/api/operators/:id/disable` and `/enable`. Nobody disables themselves. */
export async function setOperatorDisabled(ctx: Pick<ServiceContext, 'db' | 'clock'>, actor: AuthenticatedSession, id: string, disabled: boolean, ip: string): Promise<OperatorView> {
  if (disabled && id === actor.operator.id) throw new AppError('conflict', 'cannot_disable_self', 'You cannot disable your own account.');
  return ctx.db.transaction().execute(async (trx) => {
    const target = await lockTarget(trx, actor, id, { removesOwner: disabled });
    const patch: OperatorPatch = { disabled_at: disabled ? (target.disabled_at ?? new Date(ctx.clock.now())) : null };
    if (!disabled) Object.assign(patch, { failed_attempts: 0, locked_until: null });
    return apply(ctx, trx, actor, ip, target, patch, disabled ? 'operator.disabled' : 'operator.enabled', {});
  });
}

/**
 * `POST /admin/api/operators/:id/reset-2fa`: destroys the sealed seed and disables TOTP; the operator
 * enrols again at the next sign-in (roles that require TOTP get a setup-only session until then).
 */
export async function resetOperatorTotp(ctx: Pick<ServiceContext, 'db' | 'clock'>, actor: AuthenticatedSession, id: string, ip: string): Promise<OperatorView> {
  return ctx.db.transaction().execute(async (trx) => {
    const target = await lockTarget(trx, actor, id, { removesOwner: false });
    await destroySecret(trx, secretIds.operatorTotp(target.id));
    return apply(ctx, trx, actor, ip, target, { totp_enabled: false, totp_last_step: null }, 'operator.totp_reset', {});
  });
}
