import { AppError } from '../../lib/errors.ts';
import { safeEqual, type Secret } from '../../lib/secret.ts';
import { importApiV3Key } from '../../credentials/apiv3-key.ts';
import { APIV3_GRACE_MS } from '../../credentials/apiv3-key-ring.ts';
import type { ServiceContext } from '../context.ts';
import { destroySecret, moveSecret, openSecret, sealSecret, secretIds } from '../custody/secrets.ts';
import { auditCredentialChange, type CredentialActor } from './credential-audit.ts';

type Ctx = Pick<ServiceContext, 'db' | 'clock' | 'vault' | 'wechat'>;

/**
 * Changes a merchant's APIv3 key without a restart. WeChat switches to the new key the moment the
 * merchant saves it on the platform, but notifications it queued before (retried for about a day)
 * use the old one, so the old key stays sealed and keeps decrypting for `graceMs` (72 h default).
 */
export async function changeApiV3Key(ctx: Ctx, merchantId: string, newKey: string | Secret<string>, by: CredentialActor, graceMs = APIV3_GRACE_MS): Promise<{ previous_key_expires_at: string }> {
  const key = importApiV3Key(newKey); // credential_apiv3_key_length / _charset
  const now = ctx.clock.now();
  const until = new Date(now + graceMs);
  await ctx.db.transaction().execute(async (trx) => {
    // Locks the credentials row: two changes at once run one after the other.
    const row = await trx.selectFrom('merchant_credentials').select('merchant_id').where('merchant_id', '=', merchantId).forUpdate().executeTakeFirst();
    if (!row) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
    const current = await openSecret(ctx, secretIds.apiv3Key(merchantId), trx);
    if (safeEqual(current.reveal(), key.reveal())) {
      throw new AppError('conflict', 'credential_apiv3_key_unchanged', 'the new APIv3 key is the same as the current one');
    }
    await moveSecret(ctx, trx, secretIds.apiv3Key(merchantId), secretIds.apiv3KeyPrevious(merchantId));
    await sealSecret(ctx, trx, secretIds.apiv3Key(merchantId), key.reveal());
    await trx.updateTable('merchant_credentials').set({ apiv3_key_previous_expires_at: until, updated_at: new Date(now) }).where('merchant_id', '=', merchantId).execute();
    await auditCredentialChange(ctx, trx, by, merchantId, 'apiv3_key.changed', { previous_key_expires_at: until.toISOString() });
  });
  await ctx.wechat.invalidate(merchantId);
  return { previous_key_expires_at: until.toISOString() };
}

/** Destroys a previous APIv3 key whose grace window has passed (run by the credentials job). */
export async function expireApiV3Grace(ctx: Ctx, merchantId: string): Promise<boolean> {
  const now = new Date(ctx.clock.now());
  const done = await ctx.db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('merchant_credentials')
      .set({ apiv3_key_previous_expires_at: null, updated_at: now })
      .where('merchant_id', '=', merchantId)
      .where('apiv3_key_previous_expires_at', '<=', now)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await destroySecret(trx, secretIds.apiv3KeyPrevious(merchantId));
    await auditCredentialChange(ctx, trx, { actor: { type: 'system', id: 'credentials-job' } }, merchantId, 'apiv3_key.previous_destroyed');
    return true;
  });
  if (done) await ctx.wechat.invalidate(merchantId);
  return done;
}
