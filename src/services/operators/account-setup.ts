import { z } from 'zod';
import { appendAudit } from '../../audit/append.ts';
import { lockOperator, updateOperator } from '../../db/operators.ts';
import { revokeOperatorSessions, setSessionStage } from '../../db/operator-sessions.ts';
import { AppError } from '../../lib/errors.ts';
import { Secret } from '../../lib/secret.ts';
import { hashPassword, verifyPassword } from '../../operators/password-hash.ts';
import { assertPasswordAcceptable } from '../../operators/password-policy.ts';
import { newTotpSecret, totpUri, verifyTotp } from '../../operators/totp.ts';
import type { ServiceContext } from '../context.ts';
import { openSecretIfExists, sealSecret, secretIds } from '../custody/secrets.ts';
import { parseOrThrow } from './operator-input.ts';
import { meView, setupSteps } from './operator-view.ts';
import type { AuthenticatedSession } from './sessions.ts';

const changePasswordSchema = z.strictObject({ current_password: z.string().min(1).max(1024), new_password: z.string().min(1).max(1024) });
const confirmTotpSchema = z.strictObject({ code: z.string().trim().min(1).max(16) });

/** When nothing is left to set up, the `setup` session becomes a full one. */
async function promoteIfDone(trx: Parameters<typeof setSessionStage>[0], auth: AuthenticatedSession, op: Parameters<typeof setupSteps>[0]): Promise<void> {
  if (setupSteps(op).length === 0) await setSessionStage(trx, auth.tokenHash, 'full');
}

/**
 * `POST /admin/api/me/password`: the current password proves presence (a stolen session alone
 * cannot change it); the new one must pass the policy and differ. Other sessions are signed out.
 */
export async function changePassword(ctx: ServiceContext, auth: AuthenticatedSession, input: unknown, ip: string): Promise<ReturnType<typeof meView>> {
  const body = parseOrThrow(changePasswordSchema, input);
  if (!(await verifyPassword(auth.operator.password_hash, new Secret(body.current_password)))) {
    throw new AppError('invalid_input', 'current_password_wrong', 'The current password is wrong.');
  }
  assertPasswordAcceptable(body.new_password, { email: auth.operator.email, name: auth.operator.name });
  if (await verifyPassword(auth.operator.password_hash, new Secret(body.new_password))) {
    throw new AppError('invalid_input', 'password_unchanged', 'The new password must differ from the current one.');
  }
  const hash = await hashPassword(new Secret(body.new_password));
  const now = new Date(ctx.clock.now());
  const op = await ctx.db.transaction().execute(async (trx) => {
    const updated = (await updateOperator(trx, auth.operator.id, { password_hash: hash, must_change_password: false }, now))!;
    await revokeOperatorSessions(trx, auth.operator.id, now, auth.tokenHash);
    await promoteIfDone(trx, auth, updated);
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: auth.operator.id }, action: 'operator.password_changed', target: { type: 'operator', id: auth.operator.id }, outcome: 'success', ip });
    return updated;
  });
  return meView(op);
}

/**
 * `POST /admin/api/me/totp/enrol`: a fresh seed, sealed by the custody service under
 * `operator:<id>:totp`, returned once with its otpauth URI for the QR code. Only while TOTP is not
 * enabled (an enrolled operator asks an admin for a reset), so a stolen session cannot swap the factor.
 */
export async function enrolTotp(ctx: ServiceContext, auth: AuthenticatedSession, ip: string): Promise<{ secret: string; otpauth_uri: string }> {
  if (auth.operator.totp_enabled) throw new AppError('conflict', 'totp_already_enabled', 'Two-factor authentication is already enabled; ask an administrator to reset it.');
  const seed = newTotpSecret();
  await ctx.db.transaction().execute(async (trx) => {
    await sealSecret(ctx, trx, secretIds.operatorTotp(auth.operator.id), seed.reveal());
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: auth.operator.id }, action: 'operator.totp_enrolment_started', target: { type: 'operator', id: auth.operator.id }, outcome: 'success', ip });
  });
  return { secret: seed.reveal(), otpauth_uri: totpUri(seed, auth.operator.email) };
}

/** `POST /admin/api/me/totp/confirm {code}`: proves the app holds the seed, then enables TOTP. */
export async function confirmTotp(ctx: ServiceContext, auth: AuthenticatedSession, input: unknown, ip: string): Promise<ReturnType<typeof meView>> {
  const body = parseOrThrow(confirmTotpSchema, input);
  if (auth.operator.totp_enabled) throw new AppError('conflict', 'totp_already_enabled', 'Two-factor authentication is already enabled.');
  const seed = await openSecretIfExists(ctx, secretIds.operatorTotp(auth.operator.id));
  if (!seed) throw new AppError('conflict', 'totp_not_enrolled', 'Start the enrolment first.');
  const nowMs = ctx.clock.now();
  const check = await verifyTotp({ secret: seed, token: body.code, nowMs, lastUsedStep: auth.operator.totp_last_step });
  if (!check.ok) throw new AppError('invalid_input', check.reason === 'reused' ? 'totp_reused' : 'totp_invalid', 'The authenticator code is wrong.');
  const now = new Date(nowMs);
  const op = await ctx.db.transaction().execute(async (trx) => {
    const locked = (await lockOperator(trx, auth.operator.id))!;
    if (locked.totp_last_step !== null && locked.totp_last_step >= check.step) throw new AppError('invalid_input', 'totp_reused', 'This authenticator code was already used.');
    const updated = (await updateOperator(trx, auth.operator.id, { totp_enabled: true, totp_last_step: check.step }, now))!;
    await promoteIfDone(trx, auth, updated);
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: auth.operator.id }, action: 'operator.totp_enabled', target: { type: 'operator', id: auth.operator.id }, outcome: 'success', ip });
    return updated;
  });
  return meView(op);
}
