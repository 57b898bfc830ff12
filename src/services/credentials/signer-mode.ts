import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { Secret } from '../../lib/secret.ts';
import { checkOutboundUrlSyntax } from '../../net/outbound-url.ts';
import type { ServiceContext } from '../context.ts';
import { destroySecret, sealSecret, secretIds } from '../custody/secrets.ts';
import { auditCredentialChange, type CredentialActor } from './credential-audit.ts';

type Ctx = Pick<ServiceContext, 'db' | 'clock' | 'vault' | 'wechat' | 'mode'>;

const remoteSignerInput = z
  .object({
    url: z.string().min(1).max(2048),
    // Sent as a bearer token: printable ASCII without spaces; the reference service wants ≥ 32 characters.
    token: z.union([z.string(), z.instanceof(Secret)]),
  })
  .strict();

/**
 * Switches a merchant to a remote signing service (the merchant key in an HSM/KMS): requests are then
 * signed by `POST <url>/v1/sign` with the bearer token, which is sealed in the vault. The URL must be
 * https (http on loopback in sandbox mode only). The sealed local private key is kept, so `useLocalSigner`
 * switches back. Audited; the merchant's WeChat client is rebuilt on its next use.
 */
export async function useRemoteSigner(ctx: Ctx, merchantId: string, input: unknown, by: CredentialActor): Promise<{ signer_mode: 'remote'; url: string }> {
  const parsed = remoteSignerInput.safeParse(input);
  if (!parsed.success) throw new AppError('invalid_input', 'remote_signer_config_invalid', 'the remote signer needs a url and a token');
  const url = checkOutboundUrlSyntax(parsed.data.url, { allowLoopback: ctx.mode === 'sandbox' }).toString();
  const token = parsed.data.token instanceof Secret ? parsed.data.token.reveal() : parsed.data.token;
  if (typeof token !== 'string' || token.length < 32 || token.length > 512 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new AppError('invalid_input', 'remote_signer_token_invalid', 'the signing service token must be 32–512 printable ASCII characters without spaces');
  }
  const now = new Date(ctx.clock.now());
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('merchant_credentials').select('merchant_id').where('merchant_id', '=', merchantId).forUpdate().executeTakeFirst();
    if (!row) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
    await sealSecret(ctx, trx, secretIds.remoteSignerToken(merchantId), token);
    await trx.updateTable('merchant_credentials').set({ signer_mode: 'remote', remote_signer_url: url, updated_at: now }).where('merchant_id', '=', merchantId).execute();
    // The URL is configuration, not a secret; the token never enters the audit entry.
    await auditCredentialChange(ctx, trx, by, merchantId, 'signer.remote_enabled', { url });
  });
  await ctx.wechat.invalidate(merchantId);
  return { signer_mode: 'remote', url };
}

/** Switches a merchant back to signing with its sealed local private key; the remote token is destroyed. */
export async function useLocalSigner(ctx: Ctx, merchantId: string, by: CredentialActor): Promise<{ signer_mode: 'local' }> {
  const now = new Date(ctx.clock.now());
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('merchant_credentials').select(['merchant_id', 'signer_mode']).where('merchant_id', '=', merchantId).forUpdate().executeTakeFirst();
    if (!row) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
    if (row.signer_mode === 'local') throw new AppError('conflict', 'signer_already_local', 'the merchant already signs with its local key');
    await trx.updateTable('merchant_credentials').set({ signer_mode: 'local', remote_signer_url: null, updated_at: now }).where('merchant_id', '=', merchantId).execute();
    await destroySecret(trx, secretIds.remoteSignerToken(merchantId));
    await auditCredentialChange(ctx, trx, by, merchantId, 'signer.local_enabled');
  });
  await ctx.wechat.invalidate(merchantId);
  return { signer_mode: 'local' };
}
