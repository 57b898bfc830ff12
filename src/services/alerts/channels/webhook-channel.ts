import { createHmac } from 'node:crypto';
import type { Secret } from '../../../lib/secret.ts';
import type { OutboundPolicy, Resolver } from '../../../net/outbound-url.ts';
import type { AlertPayload } from '../alert-message.ts';
import { ChannelError } from './channel-error.ts';
import { postJson } from './http-post.ts';

/**
 * The generic alert webhook: the alert as JSON, signed so the receiver can tell it came from us and
 * was not replayed later. `Anfu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
 * — the receiver recomputes it over the raw body and compares in constant time, and refuses a `t`
 * more than five minutes away from its own clock.
 */
export const SIGNATURE_HEADER = 'anfu-signature';

export function signAlertBody(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export async function sendAlertWebhook(
  cfg: { url: string },
  secret: Secret<string>,
  payload: AlertPayload,
  opts: { policy: OutboundPolicy; timeoutMs: number; nowSeconds: number; resolve?: Resolver | undefined },
): Promise<void> {
  const body = JSON.stringify({ type: 'alert', alert: payload });
  const headers = { [SIGNATURE_HEADER]: signAlertBody(secret.reveal(), opts.nowSeconds, body), 'anfu-alert-id': payload.id };
  const res = await postJson(cfg.url, body, headers, opts);
  if (res.status >= 200 && res.status < 300) return;
  if (res.status >= 300 && res.status < 400) throw new ChannelError('redirect_not_followed', false);
  throw new ChannelError(`http_${res.status}`, res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429);
}
