import { sql, type Selectable } from 'kysely';
import type { NotificationStatus, WechatNotificationsTable } from './schema.ts';
import type { Db } from './merchants.ts';

/**
 * The WeChat notification inbox. A notification is written here, raw, before anything else happens to
 * it, so a crash or a slow database after the 200 can never lose one. `notification_id` is UNIQUE and
 * set only in the transaction that applies the effect: that constraint is the duplicate detector.
 */
export type WechatNotificationRow = Selectable<WechatNotificationsTable>;

/** Postgres names the UNIQUE constraint of `notification_id` this way (table_column_key). */
export const NOTIFICATION_ID_CONSTRAINT = 'wechat_notifications_notification_id_key';

export async function insertReceivedNotification(
  db: Db,
  n: { merchantId: string; rawHeaders: Record<string, string>; rawBody: string; receivedAt: Date },
): Promise<number> {
  const row = await db
    .insertInto('wechat_notifications')
    .values({ merchant_id: n.merchantId, raw_headers: JSON.stringify(n.rawHeaders), raw_body: n.rawBody, received_at: n.receivedAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function findNotification(db: Db, id: number): Promise<WechatNotificationRow | undefined> {
  return db.selectFrom('wechat_notifications').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether a notification with this WeChat id has already taken effect (a fast path; the constraint decides). */
export async function notificationIdTaken(db: Db, notificationId: string): Promise<boolean> {
  const r = await db.selectFrom('wechat_notifications').select('id').where('notification_id', '=', notificationId).executeTakeFirst();
  return r !== undefined;
}

/**
 * Claims the WeChat id for this inbox row and marks it with its final status. Inside the applying
 * transaction, a concurrent copy blocks here on the unique index until the first commits, then fails
 * with 23505 — so exactly one copy's effect ever commits.
 */
export async function claimNotification(
  db: Db,
  id: number,
  c: { notificationId: string; eventType: string; status: Extract<NotificationStatus, 'applied' | 'verified'>; error?: string | null; at: Date },
): Promise<void> {
  await db
    .updateTable('wechat_notifications')
    .set({ notification_id: c.notificationId, event_type: c.eventType, status: c.status, error: c.error ?? null, processed_at: c.at })
    .where('id', '=', id)
    .execute();
}

/** Final states for rows that took no effect: `rejected` (unverifiable) or `duplicate`. */
export async function markNotification(
  db: Db,
  id: number,
  m: { status: Extract<NotificationStatus, 'rejected' | 'duplicate'>; error: string | null; eventType?: string | null; at: Date },
): Promise<void> {
  await db
    .updateTable('wechat_notifications')
    .set({ status: m.status, error: m.error, processed_at: m.at, ...(m.eventType !== undefined ? { event_type: m.eventType } : {}) })
    .where('id', '=', id)
    .where('status', 'in', ['received', 'verified'])
    .execute();
}

/** Moves a claimed `verified` row (effect deferred) to `applied`. */
export async function markVerifiedApplied(db: Db, id: number, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('wechat_notifications')
    .set({ status: 'applied', error: null, processed_at: at })
    .where('id', '=', id)
    .where('status', '=', 'verified')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Rows still waiting for an effect, oldest first (`received` after a crash, `verified` when deferred). */
export async function listStuckNotifications(db: Db, receivedBefore: Date, limit: number): Promise<WechatNotificationRow[]> {
  return db
    .selectFrom('wechat_notifications')
    .selectAll()
    .where('status', 'in', ['received', 'verified'])
    .where('received_at', '<', receivedBefore)
    .orderBy('received_at')
    .limit(limit)
    .execute();
}

/** Whether a database error is the notification-id duplicate (and not some other constraint). */
export function isNotificationIdConflict(e: unknown): boolean {
  const err = e as { code?: string; constraint?: string; message?: string } | undefined;
  if (err?.code !== '23505') return false;
  return err.constraint === NOTIFICATION_ID_CONSTRAINT || (err.message ?? '').includes(NOTIFICATION_ID_CONSTRAINT);
}

/** Counts by status for one merchant (tests and the operator console). */
export async function countNotificationsByStatus(db: Db, merchantId: string): Promise<Partial<Record<NotificationStatus, number>>> {
  const rows = await db
    .selectFrom('wechat_notifications')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .where('merchant_id', '=', merchantId)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Notes why a row is still waiting (e.g. deferred until its payment is seen paid); status unchanged. */
export async function recordNotificationError(db: Db, id: number, error: string): Promise<void> {
  await db.updateTable('wechat_notifications').set({ error }).where('id', '=', id).where('status', 'in', ['received', 'verified']).execute();
}

/**
 * Rows to re-process, oldest first: still `received`/`verified`, last touched before `idleBefore`,
 * received after `since` (WeChat stops resending after ~24 h; older rows are for a human). Marks the
 * claimed rows as touched so the next sweep leaves them alone while their job runs.
 */
export async function claimStuckNotifications(db: Db, idleBefore: Date, since: Date, now: Date, limit: number): Promise<number[]> {
  const rows = await db
    .updateTable('wechat_notifications')
    .set({ processed_at: now })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('wechat_notifications')
        .select('id')
        .where('status', 'in', ['received', 'verified'])
        .where('received_at', '>=', since)
        .where(sql<boolean>`coalesce(processed_at, received_at) < ${idleBefore}`)
        .orderBy('received_at')
        .limit(limit),
    )
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id));
}
