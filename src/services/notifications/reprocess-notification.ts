import { findNotification } from '../../db/wechat-notifications.ts';
import { ApiV3Key } from '../../wechatpay/aead.ts';
import { NotificationParser } from '../../wechatpay/notification.ts';
import { ResponseValidator } from '../../wechatpay/validator.ts';
import { loadMerchantCredentials } from '../merchants/merchants.ts';
import type { ServiceContext } from '../context.ts';
import type { NotificationEffects } from './effects.ts';
import { processStoredNotification, type ProcessResult } from './ingest-notification.ts';

/**
 * Re-processes an inbox row still waiting for its effect: `verified` (the process that answered WeChat
 * crashed before applying it, its applier queue was full, or the effect was deferred) or `received`
 * (verification itself failed on our side). The signature is re-checked over the stored raw bytes with the replay window measured at
 * the row's receipt time — which we recorded ourselves — so a notification verified late is judged
 * exactly as it would have been on arrival, and a stored forgery is still rejected.
 */
export async function reprocessNotification(ctx: ServiceContext, effects: NotificationEffects, inboxId: number): Promise<ProcessResult | { outcome: 'settled' | 'missing' }> {
  const row = await findNotification(ctx.db, inboxId);
  if (!row) return { outcome: 'missing' };
  if (row.status !== 'received' && row.status !== 'verified') return { outcome: 'settled' };
  const { keyStore } = await ctx.wechat.forMerchant(row.merchant_id);
  const creds = await loadMerchantCredentials(ctx, row.merchant_id);
  const receivedAt = row.received_at.getTime();
  const parser = new NotificationParser({
    validator: new ResponseValidator({ verifier: keyStore, clock: { now: () => receivedAt } }),
    apiV3Key: ApiV3Key.from(creds.apiv3Key.reveal()),
  });
  return processStoredNotification(ctx, effects, {
    inboxId,
    merchantId: row.merchant_id,
    parser,
    headers: row.raw_headers,
    rawBody: Buffer.from(row.raw_body, 'utf8'),
  });
}
