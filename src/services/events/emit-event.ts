import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { jobDbIn } from '../../db/jobs.ts';
import { insertOutboxEvent } from '../../db/outbox-events.ts';
import { newId } from '../../lib/ids.ts';
import { QUEUES } from '../../workers/queues.ts';
import type { ServiceContext } from '../context.ts';

/** Merchant-facing event types (Standard Webhooks `type`). Later capabilities add theirs here. */
export type EventType =
  | 'payment.succeeded'
  | 'payment.closed'
  | 'payment.failed'
  | 'refund.succeeded'
  | 'refund.failed'
  | 'payment.integrity_alert'
  | 'payment.review_opened'
  | 'payment.review_closed'
  | 'credential.expiring';

export interface EmittedEvent {
  id: string;
  type: EventType;
}

/**
 * Transactional outbox: records the event in the caller's transaction and stages its delivery job in
 * the same transaction, so the event exists (and will be delivered) if and only if the state change
 * commits. `dedupKey` names the business fact (`payment.succeeded:<payment id>`): observing the same
 * fact twice — a duplicate notification, a query racing a notification — emits one event.
 * Returns undefined for a duplicate.
 */
export async function emitEvent(
  ctx: Pick<ServiceContext, 'jobs' | 'clock'>,
  trx: Transaction<Database>,
  e: { merchantId: string; type: EventType; dedupKey: string; data: Record<string, unknown> },
): Promise<EmittedEvent | undefined> {
  const id = newId('evt');
  const createdAt = new Date(ctx.clock.now());
  const payload = { type: e.type, timestamp: createdAt.toISOString(), data: e.data };
  const row = await insertOutboxEvent(trx, { id, merchantId: e.merchantId, type: e.type, payload, dedupKey: e.dedupKey, createdAt });
  if (!row) return undefined;
  await ctx.jobs.send(QUEUES.webhookDeliver, { eventId: id }, { db: jobDbIn(trx), singletonKey: id, retryLimit: 0 });
  return { id, type: e.type };
}
