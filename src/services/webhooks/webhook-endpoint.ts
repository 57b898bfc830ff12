import { z } from 'zod';
import { findMerchantById } from '../../db/merchants.ts';
import { findWebhookSecretState, markWebhookSecretRotated, setWebhookUrl } from '../../db/webhook-endpoints.ts';
import { appendAudit, type AuditInput } from '../../audit/append.ts';
import { moveSecret, sealSecret, secretIds } from '../custody/secrets.ts';
import { AppError } from '../../lib/errors.ts';
import { systemResolver, vetOutboundUrl, type Resolver } from '../../net/outbound-url.ts';
import { generateWebhookSecret } from '../../webhooks/signing.ts';
import type { ServiceContext } from '../context.ts';
import { webhookPolicy } from './deliver-webhook.ts';

/**
 * A merchant's webhook endpoint: where events go and the secrets that sign them. The URL is vetted
 * when set (a clear 400 now beats a silent delivery failure later) and again before every delivery
 * (DNS can change). Rotation keeps the previous secret valid for 24 h, as OpenAI and others do, so
 * the merchant can deploy the new one without missing a verification.
 */
export const PREVIOUS_SECRET_VALIDITY_MS = 24 * 3600_000;

export const setEndpointInput = z.strictObject({ url: z.string().min(1).max(2048) });

export interface WebhookEndpointView {
  url: string | null;
  /** When the secret replaced by the last rotation stops signing (null when none is active). */
  previous_secret_expires_at: string | null;
}

type Ctx = Pick<ServiceContext, 'db' | 'clock' | 'mode' | 'wechat' | 'vault'>;

/** Merchant API calls are attributed to the API key; admin callers pass the operator. */
export type EndpointActor = { actor: AuditInput['actor']; ip?: string | null };

export async function getWebhookEndpoint(ctx: Ctx, merchantId: string): Promise<WebhookEndpointView> {
  const m = await findMerchantById(ctx.db, merchantId);
  if (!m) throw new AppError('not_found', 'merchant_not_found', 'No such merchant.');
  const s = await findWebhookSecretState(ctx.db, merchantId);
  const exp = s?.previous_expires_at && s.previous_expires_at.getTime() > ctx.clock.now() ? s.previous_expires_at.toISOString() : null;
  return { url: m.webhook_url, previous_secret_expires_at: exp };
}

export async function setWebhookEndpoint(ctx: Ctx, merchantId: string, input: unknown, resolve: Resolver = systemResolver, by: EndpointActor = { actor: { type: 'system', id: 'anfu' } }): Promise<WebhookEndpointView> {
  const { url } = setEndpointInput.parse(input);
  const m = await findMerchantById(ctx.db, merchantId);
  if (!m) throw new AppError('not_found', 'merchant_not_found', 'No such merchant.');
  const vetted = await vetOutboundUrl(url, webhookPolicy(ctx.mode, m.mode), resolve);
  await ctx.db.transaction().execute(async (trx) => {
    await setWebhookUrl(trx, merchantId, vetted.url.toString(), new Date(ctx.clock.now()));
    await appendAudit(ctx, trx, {
      actor: by.actor,
      action: 'webhook_endpoint.updated',
      target: { type: 'merchant', id: merchantId },
      merchantId,
      outcome: 'success',
      ip: by.ip ?? null,
      data: { url: vetted.url.toString(), previous_url: m.webhook_url },
    });
  });
  await ctx.wechat.invalidate(merchantId);
  return getWebhookEndpoint(ctx, merchantId);
}

/** Returns the new secret: shown once, never retrievable again. */
export async function rotateWebhookEndpointSecret(ctx: Ctx, merchantId: string, by: EndpointActor = { actor: { type: 'system', id: 'anfu' } }): Promise<{ secret: string; previous_secret_expires_at: string }> {
  const now = ctx.clock.now();
  const secret = generateWebhookSecret();
  const expiresAt = new Date(now + PREVIOUS_SECRET_VALIDITY_MS);
  await ctx.db.transaction().execute(async (trx) => {
    // The row update locks the merchant's credentials first, so two rotations run one after the other.
    if (!(await markWebhookSecretRotated(trx, merchantId, expiresAt, new Date(now)))) {
      throw new AppError('not_found', 'merchant_not_found', 'No such merchant.');
    }
    await moveSecret(ctx, trx, secretIds.webhookSecretCurrent(merchantId), secretIds.webhookSecretPrevious(merchantId));
    await sealSecret(ctx, trx, secretIds.webhookSecretCurrent(merchantId), secret);
    await appendAudit(ctx, trx, {
      actor: by.actor,
      action: 'webhook_secret.rotated',
      target: { type: 'merchant', id: merchantId },
      merchantId,
      outcome: 'success',
      ip: by.ip ?? null,
      data: { previous_secret_expires_at: expiresAt.toISOString() },
    });
  });
  // The cached per-merchant bundle holds the old secret list.
  await ctx.wechat.invalidate(merchantId);
  return { secret, previous_secret_expires_at: expiresAt.toISOString() };
}
