import type { OperatorRow } from '../../db/operators.ts';
import type { OperatorRole } from '../../db/schema.ts';
import { mfaRequired, ROLE_PERMISSIONS, type Permission } from './permissions.ts';

/** What the admin API shows of an operator: never the password hash, the TOTP seed or its step. */
export interface OperatorView {
  id: string;
  email: string;
  name: string;
  role: OperatorRole;
  merchant_scope: string[] | null;
  totp_enabled: boolean;
  totp_required: boolean;
  must_change_password: boolean;
  locked_until: string | null;
  disabled: boolean;
  created_at: string;
}

export function operatorView(o: OperatorRow): OperatorView {
  return {
    id: o.id,
    email: o.email,
    name: o.name,
    role: o.role,
    merchant_scope: o.merchant_scope,
    totp_enabled: o.totp_enabled,
    totp_required: mfaRequired(o.role),
    must_change_password: o.must_change_password,
    locked_until: o.locked_until ? o.locked_until.toISOString() : null,
    disabled: o.disabled_at !== null,
    created_at: o.created_at.toISOString(),
  };
}

/** `GET /admin/api/me`: the operator plus what the console may show (the server still checks each call). */
export function meView(o: OperatorRow): OperatorView & { permissions: Permission[]; setup_required: SetupStep[] } {
  return { ...operatorView(o), permissions: [...ROLE_PERMISSIONS[o.role]].sort(), setup_required: setupSteps(o) };
}

export type SetupStep = 'change_password' | 'enrol_totp';

/** What must happen before a session may leave the `setup` stage. */
export function setupSteps(o: Pick<OperatorRow, 'must_change_password' | 'totp_enabled' | 'role'>): SetupStep[] {
  const steps: SetupStep[] = [];
  if (o.must_change_password) steps.push('change_password');
  if (mfaRequired(o.role) && !o.totp_enabled) steps.push('enrol_totp');
  return steps;
}
