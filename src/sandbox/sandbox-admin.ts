import { appendAudit } from '../audit/append.ts';
import { revokeOperatorSessions } from '../db/operator-sessions.ts';
import { findOperatorByEmail, insertOperator, updateOperator } from '../db/operators.ts';
import { newId } from '../lib/ids.ts';
import { Secret } from '../lib/secret.ts';
import { generateOneTimePassword } from '../operators/one-time-password.ts';
import { hashPassword, verifyPassword } from '../operators/password-hash.ts';
import { newTotpSecret } from '../operators/totp.ts';
import type { ServiceContext } from '../services/context.ts';
import { openSecretIfExists, sealSecret, secretIds } from '../services/custody/secrets.ts';

/**
 * The sandbox's console owner, there from the first start so the console can be tried at once: a random
 * password (it passes the policy) and TOTP already enrolled, both written to sandbox.json (mode 0600,
 * sandbox only — live mode never calls this). Idempotent: a later start reuses the account when the
 * previous sandbox.json still opens it; if that file was lost, the sandbox resets the password and the
 * TOTP seed (audited) rather than leave an account nobody can sign in to.
 */
export const SANDBOX_ADMIN_EMAIL = 'admin@sandbox.anfu.local';

export interface SandboxAdmin {
  email: string;
  password: string;
  totpSecret: string;
  created: boolean;
}

export async function ensureSandboxAdmin(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'vault' | 'mode'>,
  previous: { admin_email?: string | undefined; admin_password?: string | undefined } | undefined,
): Promise<SandboxAdmin> {
  if (ctx.mode !== 'sandbox') throw new Error('the sandbox admin exists in sandbox mode only');
  const existing = await findOperatorByEmail(ctx.db, SANDBOX_ADMIN_EMAIL);
  if (existing && existing.disabled_at === null && existing.totp_enabled && previous?.admin_email === SANDBOX_ADMIN_EMAIL && previous.admin_password) {
    const seed = await openSecretIfExists(ctx, secretIds.operatorTotp(existing.id));
    if (seed && (await verifyPassword(existing.password_hash, new Secret(previous.admin_password)))) {
      return { email: SANDBOX_ADMIN_EMAIL, password: previous.admin_password, totpSecret: seed.reveal(), created: false };
    }
  }
  const password = generateOneTimePassword();
  const seed = newTotpSecret();
  const hash = await hashPassword(password);
  const now = new Date(ctx.clock.now());
  const actor = { type: 'system' as const, id: 'sandbox' };
  await ctx.db.transaction().execute(async (trx) => {
    let id: string;
    if (existing) {
      id = existing.id;
      await updateOperator(trx, id, { password_hash: hash, must_change_password: false, totp_enabled: true, totp_last_step: null, failed_attempts: 0, locked_until: null, disabled_at: null, role: 'owner', merchant_scope: null }, now);
      await revokeOperatorSessions(trx, id, now);
    } else {
      id = (await insertOperator(trx, { id: newId('op'), email: SANDBOX_ADMIN_EMAIL, name: 'Sandbox owner', password_hash: hash, role: 'owner', merchant_scope: null, must_change_password: false, created_at: now })).id;
      await updateOperator(trx, id, { totp_enabled: true }, now);
    }
    await sealSecret(ctx, trx, secretIds.operatorTotp(id), seed.reveal());
    await appendAudit(ctx, trx, { actor, action: existing ? 'operator.sandbox_admin_reset' : 'operator.created', target: { type: 'operator', id }, outcome: 'success', data: { email: SANDBOX_ADMIN_EMAIL, role: 'owner', sandbox: true } });
  });
  return { email: SANDBOX_ADMIN_EMAIL, password: password.reveal(), totpSecret: seed.reveal(), created: !existing };
}
