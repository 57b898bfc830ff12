import { z } from 'zod';
import type { Logger } from '../../lib/logger.ts';
import { withRetry } from '../../db/retryable.ts';
import {
  claimNotification,
  insertReceivedNotification,
  isNotificationIdConflict,
  markNotification,
  notificationIdTaken,
  recordNotificationError,
} from '../../db/wechat-notifications.ts';
import { WechatPayDecryptError, WechatPayNotificationError, WechatPayVerificationError } from '../../wechatpay/errors.ts';
import type { HeaderBag } from '../../wechatpay/validator.ts';
import type { NotificationEvent, NotificationParser } from '../../wechatpay/notification.ts';
import type { ServiceContext } from '../context.ts';
import type { EffectOutcome, NotificationEffects } from './effects.ts';
import { requestActiveQuery, requestPaymentQuery } from './active-query.ts';

/**
 * The notification inbox use-case (issue §5): store raw → verify → claim the WeChat id and apply the
 * effect in one transaction → acknowledge. Every outcome is a value; the route maps it to WeChat's
 * `{code, message}` answer. Only `applied`, `duplicate` and `acknowledged` may be answered with 200,
 * and only after their transaction committed.
 */
export type IngestResult =
  | { outcome: 'applied' | 'duplicate' | 'acknowledged'; inboxId: number }
  | { outcome: 'rejected'; inboxId: number; reason: string }
  | { outcome: 'deferred'; inboxId: number; reason: string }
  | { outcome: 'unknown_merchant' };

export interface IngestInput {
  merchantId: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

const merchantIdSchema = z.string().regex(/^mer_[A-Za-z0-9]{1,64}$/);

/** Headers worth keeping with the raw body: never cookies or credentials a proxy may have added. */
const DROPPED_HEADERS = new Set(['cookie', 'authorization', 'proxy-authorization']);

export function storableHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (v === undefined || DROPPED_HEADERS.has(name)) continue;
    // A repeated header is kept joined; the validator then fails closed on it, as on the live request.
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export async function ingestNotification(ctx: ServiceContext, effects: NotificationEffects, input: IngestInput): Promise<IngestResult> {
  if (!merchantIdSchema.safeParse(input.merchantId).success) return { outcome: 'unknown_merchant' };
  let parser: NotificationParser;
  try {
    parser = (await ctx.wechat.forMerchant(input.merchantId)).notifications;
  } catch (e) {
    if ((e as { code?: string }).code === 'merchant_not_found') return { outcome: 'unknown_merchant' };
    throw e;
  }
  // Durable first: whatever happens next, the exact bytes WeChat sent are on record.
  const inboxId = await insertReceivedNotification(ctx.db, {
    merchantId: input.merchantId,
    rawHeaders: storableHeaders(input.headers),
    rawBody: input.rawBody.toString('utf8'),
    receivedAt: new Date(ctx.clock.now()),
  });
  return processStoredNotification(ctx, effects, { inboxId, merchantId: input.merchantId, parser, headers: input.headers, rawBody: input.rawBody });
}

/** Verify + apply one stored inbox row (the live request, or the re-process job with a parser pinned to its receipt time). */
export async function processStoredNotification(
  ctx: ServiceContext,
  effects: NotificationEffects,
  n: { inboxId: number; merchantId: string; parser: NotificationParser; headers: HeaderBag; rawBody: Buffer },
): Promise<IngestResult> {
  const { inboxId } = n;
  let event: NotificationEvent;
  try {
    event = await n.parser.parse(n.headers, n.rawBody);
  } catch (e) {
    const reason = rejectionReason(e);
    if (reason === undefined) throw e;
    await markNotification(ctx.db, inboxId, { status: 'rejected', error: reason, at: new Date(ctx.clock.now()) });
    logRejection(ctx.logger, n.merchantId, inboxId, reason);
    // An unverifiable notification may hide a real payment (a key mix-up, a forged copy racing the
    // real one): ask WeChat directly instead of trusting or ignoring it.
    await requestActiveQuery(ctx, n.merchantId);
    return { outcome: 'rejected', inboxId, reason };
  }

  // Fast path for the common duplicate; the UNIQUE constraint below is what actually decides.
  if (await notificationIdTaken(ctx.db, event.id)) {
    await markNotification(ctx.db, inboxId, { status: 'duplicate', error: null, eventType: event.event_type, at: new Date(ctx.clock.now()) });
    return { outcome: 'duplicate', inboxId };
  }

  let outcome: EffectOutcome;
  try {
    outcome = await withRetry(() =>
      ctx.db.transaction().execute(async (trx) => {
        const at = new Date(ctx.clock.now());
        // Claim first: a concurrent copy waits here on the unique index, then conflicts.
        await claimNotification(trx, inboxId, { notificationId: event.id, eventType: event.event_type, status: 'applied', at });
        const o = await applyEvent(ctx, effects, trx, n.merchantId, event);
        if (o.kind === 'deferred') throw new Deferred(o);
        if (o.kind === 'ignored') {
          await claimNotification(trx, inboxId, { notificationId: event.id, eventType: event.event_type, status: 'applied', error: o.reason, at });
        }
        return o;
      }),
    );
  } catch (e) {
    if (isNotificationIdConflict(e)) {
      await markNotification(ctx.db, inboxId, { status: 'duplicate', error: null, eventType: event.event_type, at: new Date(ctx.clock.now()) });
      return { outcome: 'duplicate', inboxId };
    }
    if (e instanceof Deferred) {
      // Rolled back: the row stays `received` (the re-process job and WeChat's own retry both come back to it).
      await recordNotificationError(ctx.db, inboxId, `deferred: ${e.outcome.reason}`);
      if (e.outcome.queryPaymentId) await requestPaymentQuery(ctx, e.outcome.queryPaymentId);
      return { outcome: 'deferred', inboxId, reason: e.outcome.reason };
    }
    throw e;
  }
  return { outcome: outcome.kind === 'applied' && event.kind !== 'other' ? 'applied' : 'acknowledged', inboxId };
}

async function applyEvent(
  ctx: ServiceContext,
  effects: NotificationEffects,
  trx: Parameters<NotificationEffects['applyTransaction']>[1],
  merchantId: string,
  event: NotificationEvent,
): Promise<EffectOutcome> {
  switch (event.kind) {
    case 'transaction':
      return effects.applyTransaction(ctx, trx, merchantId, event.transaction);
    case 'refund':
      return effects.applyRefund(ctx, trx, merchantId, event.refund);
    default:
      // Stored and acknowledged: WeChat would otherwise resend an event type we do not act on for 24 h.
      return { kind: 'ignored', reason: `unhandled event type ${event.event_type}` };
  }
}

class Deferred extends Error {
  readonly outcome: Extract<EffectOutcome, { kind: 'deferred' }>;
  constructor(outcome: Extract<EffectOutcome, { kind: 'deferred' }>) {
    super('deferred');
    this.outcome = outcome;
  }
}

/** A stable reason for the inbox row; undefined for errors that are ours (they become a 500, not a 401). */
export function rejectionReason(e: unknown): string | undefined {
  if (e instanceof WechatPayVerificationError) return `verification:${e.reason}`;
  if (e instanceof WechatPayDecryptError) return `decrypt:${e.reason}`;
  if (e instanceof WechatPayNotificationError) return `notification:${e.reason}`;
  return undefined;
}

function logRejection(logger: Logger, merchantId: string, inboxId: number, reason: string): void {
  // Probes are routine (spec §2.6): info, not warn. Never the body or the headers.
  const level = reason === 'verification:signature_probe' ? 'info' : 'warn';
  logger[level]({ merchantId, inboxId, reason }, 'wechat notification rejected');
}
