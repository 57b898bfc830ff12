import type { Selectable } from 'kysely';
import type { OutboxEventsTable } from './schema.ts';
import type { Db } from './merchants.ts';

export type OutboxEventRow = Selectable<OutboxEventsTable>;

/**
 * Inserts an outbox event unless one with the same dedup key exists. Returns the new row, or
 * undefined when it was a duplicate (the fact was already recorded: nothing more to do).
 */
export async function insertOutboxEvent(
  db: Db,
  e: { id: string; merchantId: string; type: string; payload: Record<string, unknown>; dedupKey: string; createdAt: Date },
): Promise<OutboxEventRow | undefined> {
  return db
    .insertInto('outbox_events')
    .values({ id: e.id, merchant_id: e.merchantId, type: e.type, payload: JSON.stringify(e.payload), dedup_key: e.dedupKey, created_at: e.createdAt })
    .onConflict((oc) => oc.column('dedup_key').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findOutboxEvent(db: Db, id: string): Promise<OutboxEventRow | undefined> {
  return db.selectFrom('outbox_events').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findOutboxEventForMerchant(db: Db, merchantId: string, id: string): Promise<OutboxEventRow | undefined> {
  return db.selectFrom('outbox_events').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
}
