import { z } from 'zod';
import type { Logger } from '../../lib/logger.ts';
import { withRetry } from '../../db/retryable.ts';
import {
  claimNotification,
  deferNotification,
  insertReceivedNotification,
  insertRejectedNotification,
  insertVerifiedNotifications,
  isNotificationIdConflict,
  markNotification,
  noteClaimedNotification,
  notificationIdTaken,
  type NewVerifiedNotification,
} from '../../db/wechat-notifications.ts';
import { WechatPayDecryptError, WechatPayNotificationError, WechatPayVerificationError } from '../../wechatpay/errors.ts';
import type { HeaderBag } from '../../wechatpay/validator.ts';
import type { NotificationEvent, NotificationParser } from '../../wechatpay/notification.ts';
import type { ServiceContext } from '../context.ts';
import type { EffectOutcome, NotificationEffects } from './effects.ts';
import { requestActiveQuery, requestPaymentQuery } from './active-query.ts';
import { GroupCommit, GroupCommitFullError } from './group-commit.ts';
import { BackgroundApplier } from './applier.ts';

/**
 * The notification inbox (issue 3 §5), in two halves:
 *
 * 1. `ingest` — on the request: verify (signature, ±300 s, serial), decrypt and check the schema in
 *    process with the merchant's cached parser; store the raw body and headers durably — `verified`
 *    through a group commit (one multi-row INSERT for the requests arriving together), or `rejected`
 *    in one statement — and only then return. `accepted` is the only outcome answered with 200.
 * 2. `applyVerifiedNotification` — after the answer, in the background (`BackgroundApplier`), or from
 *    the re-process job: claim the WeChat id (UNIQUE) and apply the effect with its outbox row in ONE
 *    transaction, so one notification id ⇒ one transition ⇒ one webhook however many copies arrive.
 *
 * A row the background applier does not settle (crash, full queue, error, deferred effect) keeps
 * `next_attempt_at`; the follow-up sweep hands it to a `notification-process` job when it is due.
 */
export type IngestResult =
  | { outcome: 'accepted'; inboxId: number }
  | { outcome: 'rejected'; inboxId: number; reason: string }
  /** Verified but not made durable (the batch insert failed, or the queue is full): FAIL, WeChat resends. */
  | { outcome: 'not_stored' }
  | { outcome: 'unknown_merchant' };

/** What applying (or re-processing) one stored notification came to. */
export type ProcessResult =
  | { outcome: 'applied' | 'duplicate' | 'acknowledged'; inboxId: number }
  | { outcome: 'rejected'; inboxId: number; reason: string }
  | { outcome: 'deferred'; inboxId: number; reason: string; nextAttemptAt: Date | undefined }
  /** Another worker settled this very row first; nothing changed here. */
  | { outcome: 'settled'; inboxId: number };

export interface IngestInput {
  merchantId: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export interface InboxOptions {
  effects: NotificationEffects;
  /** Rows per INSERT at most (default 256). */
  maxBatch?: number;
  /** INSERTs in flight at once (default 4). */
  maxConcurrentBatches?: number;
  /** Verified notifications waiting for an INSERT at most; beyond that 503 FAIL at once (default 5,000). */
  maxWaiting?: number;
  /** Effects applied at once in the background (default 4)… */
  applyConcurrency?: number;
  /** …and while notifications are being received (answering WeChat first; default 1)… */
  applyConcurrencyWhileBusy?: number;
  /** …with this pause after each effect (default 25 ms): on PGlite the effects share the one thread and connection. */
  applyPauseWhileBusyMs?: number;
  /** Effects queued in memory at most (default 10,000); the rest wait for the sweep. */
  maxQueued?: number;
  /** How long a `verified` row is left to this process's applier before the sweep may take it (default 15 s). */
  verifiedGraceMs?: number;
}

/** Ingestion counts as active while a request is in the inbox and this long after the last one (the applier then runs at its busy concurrency). */
const INGEST_QUIET_MS = 250;

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

interface VerifiedItem {
  inboxId: number;
  merchantId: string;
  event: NotificationEvent;
}

export class NotificationInbox {
  readonly #ctx: ServiceContext;
  readonly #effects: NotificationEffects;
  readonly #graceMs: number;
  readonly #batches: GroupCommit<NewVerifiedNotification, number>;
  readonly #applier: BackgroundApplier<VerifiedItem>;

  constructor(ctx: ServiceContext, opts: InboxOptions) {
    this.#ctx = ctx;
    this.#effects = opts.effects;
    this.#graceMs = opts.verifiedGraceMs ?? 15_000;
    this.#batches = new GroupCommit({
      flush: (rows) => insertVerifiedNotifications(ctx.db, rows),
      maxBatch: opts.maxBatch ?? 256,
      maxConcurrent: opts.maxConcurrentBatches ?? 4,
      maxWaiting: opts.maxWaiting ?? 5_000,
    });
    const idleConcurrency = opts.applyConcurrency ?? 4;
    const busyConcurrency = Math.min(idleConcurrency, opts.applyConcurrencyWhileBusy ?? 1);
    const busyPauseMs = opts.applyPauseWhileBusyMs ?? 25;
    this.#applier = new BackgroundApplier<VerifiedItem>({
      apply: async (item) => {
        await applyVerifiedNotification(ctx, this.#effects, item);
        // Under load, leave the next turn to the requests (the slot stays taken meanwhile).
        if (busyPauseMs > 0 && this.#ingesting()) await new Promise((r) => setTimeout(r, busyPauseMs));
      },
      concurrency: () => (this.#ingesting() ? busyConcurrency : idleConcurrency),
      maxQueued: opts.maxQueued ?? 10_000,
      // The row stays `verified`; the sweep re-processes it when its next_attempt_at comes.
      onError: (err, item) => ctx.logger.error({ err, inboxId: item.inboxId }, 'applying a notification failed; the sweep will retry it'),
    });
  }

  async ingest(input: IngestInput): Promise<IngestResult> {
    this.#inProgress++;
    try {
      return await this.#ingest(input);
    } finally {
      this.#inProgress--;
      this.#lastEndedAt = performance.now();
      this.#wakeApplierWhenQuiet();
    }
  }

  async #ingest(input: IngestInput): Promise<IngestResult> {
    const ctx = this.#ctx;
    if (!merchantIdSchema.safeParse(input.merchantId).success) return { outcome: 'unknown_merchant' };
    let parser: NotificationParser;
    try {
      parser = (await ctx.wechat.forMerchant(input.merchantId)).notifications;
    } catch (e) {
      if ((e as { code?: string }).code === 'merchant_not_found') return { outcome: 'unknown_merchant' };
      throw e;
    }
    const receivedAt = new Date(ctx.clock.now());
    const raw = { merchantId: input.merchantId, rawHeaders: storableHeaders(input.headers), rawBody: input.rawBody.toString('utf8'), receivedAt };
    let event: NotificationEvent;
    try {
      event = await parser.parse(input.headers, input.rawBody);
    } catch (e) {
      const reason = rejectionReason(e);
      if (reason === undefined) {
        // Our own failure, not WeChat's: keep the bytes (`received`) for the re-process job, answer 500.
        await insertReceivedNotification(ctx.db, raw).catch((err: unknown) => ctx.logger.error({ err }, 'could not store an unverified notification'));
        throw e;
      }
      const inboxId = await insertRejectedNotification(ctx.db, { ...raw, error: reason });
      logRejection(ctx.logger, input.merchantId, inboxId, reason);
      // An unverifiable notification may hide a real payment (a key mix-up, a forged copy racing the
      // real one): ask WeChat directly instead of trusting or ignoring it.
      await requestActiveQuery(ctx, input.merchantId);
      return { outcome: 'rejected', inboxId, reason };
    }
    let inboxId: number;
    try {
      inboxId = await this.#batches.submit({ ...raw, eventType: event.event_type, nextAttemptAt: new Date(receivedAt.getTime() + this.#graceMs) });
    } catch (err) {
      // Shedding load is expected under a flood (WeChat resends): counted, logged at most every 10 s.
      if (err instanceof GroupCommitFullError) this.#noteShed();
      else ctx.logger.error({ err, merchantId: input.merchantId }, 'could not store a verified notification; answering FAIL');
      return { outcome: 'not_stored' };
    }
    if (!this.#applier.enqueue({ inboxId, merchantId: input.merchantId, event })) this.#noteLeftToSweep();
    return { outcome: 'accepted', inboxId };
  }

  #inProgress = 0;
  #lastEndedAt = Number.NEGATIVE_INFINITY;
  #wakeTimer: NodeJS.Timeout | undefined;

  /** Notifications are being received (or were a moment ago: under load the next one is already on its way). */
  #ingesting(): boolean {
    return this.#inProgress > 0 || performance.now() - this.#lastEndedAt < INGEST_QUIET_MS;
  }

  /** Once ingestion goes quiet, let the applier run at full concurrency again. */
  #wakeApplierWhenQuiet(): void {
    if (this.#wakeTimer) return;
    this.#wakeTimer = setTimeout(() => {
      this.#wakeTimer = undefined;
      if (this.#ingesting()) this.#wakeApplierWhenQuiet();
      else this.#applier.wake();
    }, INGEST_QUIET_MS);
    this.#wakeTimer.unref?.();
  }

  #shed = 0;
  #lastShedLog = 0;
  #noteShed(): void {
    this.#shed++;
    const now = Date.now();
    if (now - this.#lastShedLog < 10_000) return;
    this.#lastShedLog = now;
    this.#ctx.logger.warn({ shed: this.#shed }, 'too many notifications waiting for their INSERT: answering FAIL (WeChat resends)');
  }

  #lastLeftLog = 0;
  #noteLeftToSweep(): void {
    const now = Date.now();
    if (now - this.#lastLeftLog < 10_000) return;
    this.#lastLeftLog = now;
    this.#ctx.logger.warn({ leftToSweep: this.#applier.stats.dropped }, 'background applier queue full: verified notifications left for the sweep');
  }

  /** Resolves once every stored notification queued here has been applied (tests, bench). */
  async idle(): Promise<void> {
    await this.#batches.settled();
    await this.#applier.idle();
  }

  get stats(): { waiting: number; inFlight: number; queued: number; applying: number; leftToSweep: number } {
    const b = this.#batches.stats;
    const a = this.#applier.stats;
    return { waiting: b.waiting, inFlight: b.inFlight, queued: a.queued, applying: a.active, leftToSweep: a.dropped };
  }

  /** Shutdown: pending INSERTs finish; effects being applied finish; queued ones are left to the sweep. */
  async close(): Promise<void> {
    clearTimeout(this.#wakeTimer);
    await this.#batches.settled();
    await this.#applier.stop();
  }
}

/** Verify + apply one stored inbox row (the re-process job, with a parser pinned to the row's receipt time). */
export async function processStoredNotification(
  ctx: ServiceContext,
  effects: NotificationEffects,
  n: { inboxId: number; merchantId: string; parser: NotificationParser; headers: HeaderBag; rawBody: Buffer },
): Promise<ProcessResult> {
  const { inboxId } = n;
  let event: NotificationEvent;
  try {
    event = await n.parser.parse(n.headers, n.rawBody);
  } catch (e) {
    const reason = rejectionReason(e);
    if (reason === undefined) throw e;
    await markNotification(ctx.db, inboxId, { status: 'rejected', error: reason, at: new Date(ctx.clock.now()) });
    logRejection(ctx.logger, n.merchantId, inboxId, reason);
    await requestActiveQuery(ctx, n.merchantId);
    return { outcome: 'rejected', inboxId, reason };
  }
  return applyVerifiedNotification(ctx, effects, { inboxId, merchantId: n.merchantId, event });
}

/**
 * Applies one verified, stored notification exactly once: claim its WeChat id on its own row (UNIQUE;
 * only while the row still waits) and apply the effect, in one transaction. A copy whose id another
 * row holds becomes `duplicate`; a deferred effect rolls back, stays waiting and gets a backoff.
 */
export async function applyVerifiedNotification(ctx: ServiceContext, effects: NotificationEffects, n: VerifiedItem): Promise<ProcessResult> {
  const { inboxId, event } = n;
  // Fast path for the common duplicate; the UNIQUE constraint below is what actually decides.
  if (await notificationIdTaken(ctx.db, event.id)) {
    await markNotification(ctx.db, inboxId, { status: 'duplicate', error: null, eventType: event.event_type, at: new Date(ctx.clock.now()) });
    return { outcome: 'duplicate', inboxId };
  }
  let outcome: EffectOutcome | 'settled';
  try {
    outcome = await withRetry(() =>
      ctx.db.transaction().execute(async (trx) => {
        const at = new Date(ctx.clock.now());
        // Claim first: a concurrent copy waits here on the unique index, then conflicts.
        if (!(await claimNotification(trx, inboxId, { notificationId: event.id, eventType: event.event_type, status: 'applied', at }))) return 'settled' as const;
        const o = await applyEvent(ctx, effects, trx, n.merchantId, event);
        if (o.kind === 'deferred') throw new Deferred(o);
        if (o.kind === 'ignored') await noteClaimedNotification(trx, inboxId, o.reason);
        return o;
      }),
    );
  } catch (e) {
    if (isNotificationIdConflict(e)) {
      await markNotification(ctx.db, inboxId, { status: 'duplicate', error: null, eventType: event.event_type, at: new Date(ctx.clock.now()) });
      return { outcome: 'duplicate', inboxId };
    }
    if (e instanceof Deferred) {
      // Rolled back: the row stays waiting, already answered 200 — so we retry it ourselves, with backoff.
      const nextAttemptAt = await deferNotification(ctx.db, inboxId, { error: `deferred: ${e.outcome.reason}`, at: new Date(ctx.clock.now()) });
      if (e.outcome.queryPaymentId) await requestPaymentQuery(ctx, e.outcome.queryPaymentId);
      ctx.logger.info({ merchantId: n.merchantId, inboxId, reason: e.outcome.reason, nextAttemptAt }, 'notification effect deferred');
      return { outcome: 'deferred', inboxId, reason: e.outcome.reason, nextAttemptAt };
    }
    throw e;
  }
  if (outcome === 'settled') return { outcome: 'settled', inboxId };
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
