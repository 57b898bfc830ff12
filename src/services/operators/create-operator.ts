import type { Transaction } from 'kysely';
import { appendAudit } from '../../audit/append.ts';
import { findMerchantById } from '../../db/merchants.ts';
import { insertOperator } from '../../db/operators.ts';
import type { Database, OperatorRole } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Secret } from '../../lib/secret.ts';
import { generateOneTimePassword } from '../../operators/one-time-password.ts';
import { hashPassword } from '../../operators/password-hash.ts';
import type { ServiceContext } from '../context.ts';
import { newOperatorSchema, parseOrThrow } from './operator-input.ts';
import { assertCanGrantScope, type MerchantScope } from './permissions.ts';
import { operatorView, type OperatorView } from './operator-view.ts';

/** Who acts: an operator through the admin API, or someone at the server's shell (`anfu admin`). */
export interface Actor {
  type: 'operator' | 'cli' | 'system';
  id: string;
  ip?: string | undefined;
  role?: OperatorRole;
  /** The acting operator's own merchant scope (null = all): it bounds the scope it may grant. */
  merchantScope?: MerchantScope;
}

/**
 * Invite / `anfu admin create`: a new operator with a one-time password, shown once, that must be
 * changed at first login (and TOTP enrolled there when the role requires it). Only owners (or the
 * shell) may create owners. A taken e-mail is `operator_email_taken` (decided by the UNIQUE constraint).
 */
export async function createOperator(
  ctx: Pick<ServiceContext, 'db' | 'clock'>,
  actor: Actor,
  input: unknown,
): Promise<{ operator: OperatorView; oneTimePassword: Secret<string> }> {
  const o = parseOrThrow(newOperatorSchema, input);
  if (o.role === 'owner' && actor.type === 'operator' && actor.role !== 'owner') {
    throw new AppError('forbidden', 'owner_required', 'Only an owner can create another owner.');
  }
  if (actor.type === 'operator') assertCanGrantScope(actor.merchantScope ?? null, o.merchant_scope);
  const oneTimePassword = generateOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);
  const now = new Date(ctx.clock.now());
  let row;
  try {
    row = await ctx.db.transaction().execute(async (trx) => {
      await assertMerchantsExist(trx, o.merchant_scope);
      const r = await insertOperator(trx, { id: newId('op'), email: o.email, name: o.name, password_hash: passwordHash, role: o.role, merchant_scope: o.merchant_scope, must_change_password: true, created_at: now });
      await appendAudit(ctx, trx, { actor: { type: actor.type, id: actor.id }, action: 'operator.created', target: { type: 'operator', id: r.id }, outcome: 'success', ip: actor.ip, data: { email: r.email, role: r.role, merchant_scope: r.merchant_scope } });
      return r;
    });
  } catch (e) {
    // The UNIQUE constraint decides (two invites racing for one e-mail): the transaction rolled back.
    if ((e as { code?: string }).code === '23505') throw new AppError('conflict', 'operator_email_taken', 'An operator with this e-mail already exists.');
    throw e;
  }
  return { operator: operatorView(row), oneTimePassword };
}

/** A scope may only name merchants that exist: a typo would otherwise hide every merchant silently. */
export async function assertMerchantsExist(trx: Transaction<Database>, scope: readonly string[] | null): Promise<void> {
  for (const id of scope ?? []) {
    if (!(await findMerchantById(trx, id))) throw new AppError('invalid_input', 'merchant_scope_unknown', 'merchant_scope names a merchant that does not exist.', { merchant_id: id });
  }
}
