import { sql, type Selectable } from 'kysely';
import type { WebhookDeliveriesTable, WebhookDeliveryStatus } from './schema.ts';
import type { Db } from './merchants.ts';

/**
 * The delivery log: one row per attempt to POST an outbox event to the merchant. `(event_id, attempt)`
 * is UNIQUE, so two workers racing on the same event cannot both record attempt n.
 */
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;

export async function nextAttemptNumber(db: Db, eventId: string): Promise<number> {
  const r = await db
    .selectFrom('webhook_deliveries')
    .select(sql<number>`coalesce(max(attempt), 0)::int`.as('n'))
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  return Number(r.n) + 1;
}

/** Records one attempt. Returns false when that attempt number was already recorded (a racing worker). */
export async function insertDeliveryAttempt(
  db: Db,
  a: {
    eventId: string;
    attempt: number;
    status: WebhookDeliveryStatus;
    responseStatus: number | null;
    error: string | null;
    nextAttemptAt: Date | null;
    deliveredAt: Date | null;
    createdAt: Date;
  },
): Promise<boolean> {
  const r = await db
    .insertInto('webhook_deliveries')
    .values({
      event_id: a.eventId,
      attempt: a.attempt,
      status: a.status,
      response_status: a.responseStatus,
      error: a.error,
      next_attempt_at: a.nextAttemptAt,
      delivered_at: a.deliveredAt,
      created_at: a.createdAt,
    })
    .onConflict((oc) => oc.columns(['event_id', 'attempt']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return r !== undefined;
}

export async function listDeliveries(db: Db, eventId: string): Promise<WebhookDeliveryRow[]> {
  return db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', eventId).orderBy('attempt').execute();
}

/** Whether the event has ever been delivered (a redelivery job after success would double-send). */
export async function hasSucceeded(db: Db, eventId: string): Promise<boolean> {
  const r = await db.selectFrom('webhook_deliveries').select('id').where('event_id', '=', eventId).where('status', '=', 'succeeded').executeTakeFirst();
  return r !== undefined;
}
