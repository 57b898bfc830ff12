import type { Db } from './merchants.ts';

/**
 * The webhook columns of a merchant: its endpoint URL and its signing secrets. Kept apart from the
 * merchant repository because rotation has its own rule: the previous secret stays valid for a
 * while, and both columns change in one statement so no reader sees a half-rotated pair.
 */
export async function setWebhookUrl(db: Db, merchantId: string, url: string | null, now: Date): Promise<boolean> {
  const r = await db.updateTable('merchants').set({ webhook_url: url, updated_at: now }).where('id', '=', merchantId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Locks the merchant's credentials row for a secret rotation (the secrets themselves are sealed in
 * vault_secrets; this row serialises concurrent rotations) and sets when the previous one expires.
 */
export async function markWebhookSecretRotated(db: Db, merchantId: string, previousExpiresAt: Date, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('merchant_credentials')
    .set({ webhook_secret_previous_expires_at: previousExpiresAt, updated_at: now })
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function findWebhookSecretState(db: Db, merchantId: string): Promise<{ previous_expires_at: Date | null } | undefined> {
  const r = await db
    .selectFrom('merchant_credentials')
    .select(['webhook_secret_previous_expires_at'])
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return r ? { previous_expires_at: r.webhook_secret_previous_expires_at } : undefined;
}
