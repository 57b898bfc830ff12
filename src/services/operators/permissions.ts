import type { OperatorRole } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';

/**
 * The permission matrix: the one source of truth, rendered in docs/permissions.md (a test checks the
 * two agree). Every `/admin/api` route names one permission (or `public` / `self`); the operator-auth
 * plugin refuses any route that does not. Reading a permission here never widens merchant scope:
 * an operator limited to some merchants sees only those, whatever the role.
 */
export const ROLES = ['owner', 'admin', 'risk_reviewer', 'finance', 'developer', 'viewer'] as const satisfies readonly OperatorRole[];

export const PERMISSIONS = [
  'dashboard.read',
  'payments.read',
  'payments.act',
  'refunds.create',
  'merchants.read',
  'merchants.manage',
  'api_keys.manage',
  'webhooks.manage',
  'keys.manage',
  'reviews.read',
  'reviews.decide',
  'rules.read',
  'rules.manage',
  'alerts.read',
  'alerts.manage',
  'monitors.manage',
  'audit.read',
  'audit.verify',
  'operators.read',
  'operators.manage',
  'personal_data.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a route may declare: a permission, `self` (any signed-in operator, even mid-setup), or `public`. */
export type RoutePermission = Permission | 'self' | 'public';

const READ_ALL: Permission[] = ['dashboard.read', 'payments.read', 'merchants.read', 'reviews.read', 'rules.read', 'alerts.read'];

export const ROLE_PERMISSIONS: Record<OperatorRole, ReadonlySet<Permission>> = {
  owner: new Set(PERMISSIONS),
  // Everything an owner can do, but admins cannot create, promote or change owners (checked in the service).
  admin: new Set(PERMISSIONS),
  risk_reviewer: new Set<Permission>([...READ_ALL, 'reviews.decide', 'rules.manage', 'alerts.manage', 'monitors.manage', 'payments.act', 'personal_data.read']),
  finance: new Set<Permission>([...READ_ALL, 'payments.act', 'refunds.create', 'audit.read']),
  developer: new Set<Permission>([...READ_ALL, 'api_keys.manage', 'webhooks.manage', 'alerts.manage']),
  viewer: new Set<Permission>(READ_ALL),
};

/**
 * Roles that must use TOTP: those that manage people and keys (owner, admin) and the one that moves
 * money out (finance: refunds). Others may enrol voluntarily; once enrolled the code is always asked.
 */
export const MFA_REQUIRED_ROLES: ReadonlySet<OperatorRole> = new Set(['owner', 'admin', 'finance']);

export function roleHas(role: OperatorRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

export function mfaRequired(role: OperatorRole): boolean {
  return MFA_REQUIRED_ROLES.has(role);
}

export function assertPermission(role: OperatorRole, permission: Permission): void {
  if (!roleHas(role, permission)) {
    throw new AppError('forbidden', 'permission_denied', 'Your role does not allow this action.', { permission });
  }
}

export function isRoutePermission(v: unknown): v is RoutePermission {
  return v === 'self' || v === 'public' || (typeof v === 'string' && (PERMISSIONS as readonly string[]).includes(v));
}

/** Merchant scope: null = every merchant. */
export type MerchantScope = readonly string[] | null;

export function inScope(scope: MerchantScope, merchantId: string): boolean {
  return scope === null || scope.includes(merchantId);
}

/**
 * Whether an operator limited to `actor` may see or manage an operator limited to `target`: only when
 * every merchant the target reaches is one the actor reaches, so a scoped admin can neither widen its
 * own scope nor grant (or touch an account with) more than it has.
 */
export function scopeCovers(actor: MerchantScope, target: MerchantScope): boolean {
  if (actor === null) return true;
  return target !== null && target.every((m) => actor.includes(m));
}

/** A scoped operator granting all merchants is refused; naming an out-of-scope merchant reads as unknown. */
export function assertCanGrantScope(actor: MerchantScope, target: MerchantScope): void {
  if (actor === null) return;
  if (target === null) throw new AppError('forbidden', 'scope_exceeded', 'You can only grant access to merchants you can access yourself.');
  const outside = target.find((m) => !actor.includes(m));
  if (outside !== undefined) throw new AppError('invalid_input', 'merchant_scope_unknown', 'merchant_scope names a merchant that does not exist.', { merchant_id: outside });
}

/**
 * Out-of-scope merchants are answered exactly like missing ones (404), so an operator learns nothing
 * about merchants it may not see.
 */
export function assertInScope(scope: MerchantScope, merchantId: string, code = 'merchant_not_found'): void {
  if (!inScope(scope, merchantId)) throw new AppError('not_found', code, 'No such resource.');
}
