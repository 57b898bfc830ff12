import { findOutboxEventForMerchant } from '../../db/outbox-events.ts';
import { listDeliveries, type WebhookDeliveryRow } from '../../db/webhook-deliveries.ts';
import { AppError } from '../../lib/errors.ts';
import { QUEUES } from '../../workers/queues.ts';
import type { ServiceContext } from '../context.ts';

/**
 * Merchant-facing views of events and their delivery log, and manual redelivery. Every lookup is
 * scoped by merchant: another merchant's event id answers 404, exactly like a made-up one.
 */
export interface EventView {
  id: string;
  object: 'event';
  type: string;
  created_at: string;
  data: unknown;
}

export interface DeliveryView {
  attempt: number;
  status: WebhookDeliveryRow['status'];
  response_status: number | null;
  error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export async function getEvent(ctx: Pick<ServiceContext, 'db'>, merchantId: string, eventId: string): Promise<EventView> {
  const e = await findOutboxEventForMerchant(ctx.db, merchantId, eventId);
  if (!e) throw new AppError('not_found', 'event_not_found', 'No such event.');
  return { id: e.id, object: 'event', type: e.type, created_at: e.created_at.toISOString(), data: (e.payload as { data?: unknown }).data ?? {} };
}

export async function getEventDeliveries(ctx: Pick<ServiceContext, 'db'>, merchantId: string, eventId: string): Promise<DeliveryView[]> {
  await getEvent(ctx, merchantId, eventId);
  return (await listDeliveries(ctx.db, eventId)).map((d) => ({
    attempt: d.attempt,
    status: d.status,
    response_status: d.response_status,
    error: d.error,
    next_attempt_at: iso(d.next_attempt_at),
    delivered_at: iso(d.delivered_at),
    created_at: d.created_at.toISOString(),
  }));
}

/** Queues one more delivery (and a fresh retry schedule behind it), even if the event was delivered. */
export async function redeliverEvent(ctx: Pick<ServiceContext, 'db' | 'jobs'>, merchantId: string, eventId: string): Promise<{ event_id: string; status: 'queued' }> {
  await getEvent(ctx, merchantId, eventId);
  await ctx.jobs.send(QUEUES.webhookDeliver, { eventId, try: 1, manual: true }, { retryLimit: 0 });
  return { event_id: eventId, status: 'queued' };
}
