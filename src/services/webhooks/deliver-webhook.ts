import { request } from 'undici';
import { findMerchantById } from '../../db/merchants.ts';
import { findOutboxEvent, type OutboxEventRow } from '../../db/outbox-events.ts';
import { hasSucceeded, insertDeliveryAttempt, nextAttemptNumber } from '../../db/webhook-deliveries.ts';
import { isAppError } from '../../lib/errors.ts';
import { unixSeconds } from '../../lib/clock.ts';
import { pinnedDispatcher, systemResolver, vetOutboundUrl, type OutboundPolicy, type Resolver } from '../../net/outbound-url.ts';
import { signWebhook } from '../../webhooks/signing.ts';
import { loadMerchantCredentials } from '../merchants/merchants.ts';
import type { ServiceContext } from '../context.ts';
import { DEFAULT_WEBHOOK_RETRY_DELAYS_MS, retryDelayMs } from './backoff.ts';

/**
 * One delivery attempt of an outbox event to the merchant's webhook endpoint (issue §7): vet the URL
 * (SSRF: https, public addresses only, resolved once and pinned), POST `{id, type, created_at, data}`
 * signed per Standard Webhooks with every valid secret, record the attempt, and say when to retry.
 * Only a 2xx counts; a 3xx is a failure (redirects are never followed: they could point inward).
 */
export interface DeliveryOptions {
  retryDelaysMs?: readonly number[];
  timeoutMs?: number;
  resolve?: Resolver;
  random?: () => number;
}

export const DELIVERY_TIMEOUT_MS = 10_000;
/** We read (and discard) at most this much of a merchant's answer. */
const RESPONSE_BODY_CAP = 4 * 1024;

export type DeliveryResult =
  | { status: 'succeeded'; attempt: number }
  | { status: 'failed'; attempt: number; error: string; retryInMs: number }
  | { status: 'abandoned'; attempt: number; error: string }
  | { status: 'skipped'; reason: 'unknown_event' | 'already_delivered' | 'raced' };

/** Who may be called: loopback only when both the deployment and the merchant are sandboxes. */
export function webhookPolicy(appMode: 'sandbox' | 'live', merchantMode: 'sandbox' | 'live'): OutboundPolicy {
  return { allowLoopback: appMode === 'sandbox' && merchantMode === 'sandbox' };
}

/** The exact JSON body merchants receive (and whose bytes are signed). */
export function webhookBody(e: OutboxEventRow): string {
  const payload = e.payload as { data?: unknown };
  return JSON.stringify({ id: e.id, type: e.type, created_at: e.created_at.toISOString(), data: payload.data ?? {} });
}

export async function deliverEvent(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'logger' | 'mode' | 'vault'>,
  job: { eventId: string; try: number; manual?: boolean },
  opts: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const event = await findOutboxEvent(ctx.db, job.eventId);
  if (!event) return { status: 'skipped', reason: 'unknown_event' };
  // A re-run job (crash after the POST, before the job completed) must not send a delivered event again.
  if (!job.manual && (await hasSucceeded(ctx.db, event.id))) return { status: 'skipped', reason: 'already_delivered' };

  const attempt = await nextAttemptNumber(ctx.db, event.id);
  const outcome = await attemptDelivery(ctx, event, opts);
  const now = new Date(ctx.clock.now());
  if (outcome.ok) {
    const recorded = await insertDeliveryAttempt(ctx.db, {
      eventId: event.id, attempt, status: 'succeeded', responseStatus: outcome.responseStatus, error: null, nextAttemptAt: null, deliveredAt: now, createdAt: now,
    });
    return recorded ? { status: 'succeeded', attempt } : { status: 'skipped', reason: 'raced' };
  }
  const delay = retryDelayMs(job.try, opts.retryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS, opts.random);
  const recorded = await insertDeliveryAttempt(ctx.db, {
    eventId: event.id,
    attempt,
    status: delay === undefined ? 'abandoned' : 'failed',
    responseStatus: outcome.responseStatus,
    error: outcome.error,
    nextAttemptAt: delay === undefined ? null : new Date(now.getTime() + delay),
    deliveredAt: null,
    createdAt: now,
  });
  if (!recorded) return { status: 'skipped', reason: 'raced' };
  ctx.logger.info({ eventId: event.id, attempt, error: outcome.error, responseStatus: outcome.responseStatus }, 'webhook delivery failed');
  return delay === undefined ? { status: 'abandoned', attempt, error: outcome.error } : { status: 'failed', attempt, error: outcome.error, retryInMs: delay };
}

type AttemptOutcome = { ok: true; responseStatus: number } | { ok: false; responseStatus: number | null; error: string };

async function attemptDelivery(ctx: Pick<ServiceContext, 'db' | 'clock' | 'mode' | 'vault'>, event: OutboxEventRow, opts: DeliveryOptions): Promise<AttemptOutcome> {
  const merchant = await findMerchantById(ctx.db, event.merchant_id);
  if (!merchant?.webhook_url) return { ok: false, responseStatus: null, error: 'no_webhook_endpoint' };
  let vetted: { url: URL; addresses: string[] };
  try {
    vetted = await vetOutboundUrl(merchant.webhook_url, webhookPolicy(ctx.mode, merchant.mode), opts.resolve ?? systemResolver);
  } catch (e) {
    // The refusal code names the rule broken (url_host_not_public…), never the address it resolved to.
    return { ok: false, responseStatus: null, error: isAppError(e) ? e.code : 'url_refused' };
  }
  const creds = await loadMerchantCredentials(ctx, event.merchant_id);
  const body = webhookBody(event);
  const headers = signWebhook(creds.webhookSecrets.map((s) => s.reveal()), event.id, unixSeconds(ctx.clock), body);
  const dispatcher = pinnedDispatcher(vetted.addresses[0] as string);
  const timeoutMs = opts.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  try {
    const res = await request(vetted.url, {
      method: 'POST',
      dispatcher,
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Anfu-Webhooks/1' },
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump({ limit: RESPONSE_BODY_CAP }).catch(() => undefined);
    if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, responseStatus: res.statusCode };
    if (res.statusCode >= 300 && res.statusCode < 400) return { ok: false, responseStatus: res.statusCode, error: 'redirect_not_followed' };
    return { ok: false, responseStatus: res.statusCode, error: `http_${res.statusCode}` };
  } catch (e) {
    return { ok: false, responseStatus: null, error: transportError(e) };
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

function transportError(e: unknown): string {
  const err = e as { name?: string; code?: string };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || err?.code === 'UND_ERR_HEADERS_TIMEOUT' || err?.code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if (err?.code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect_timeout';
  if (typeof err?.code === 'string' && /^[A-Z_]{2,40}$/.test(err.code)) return `connection_error:${err.code}`;
  return 'connection_error';
}
