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

/** A `received` row is due for a re-process job this long after it was stored (or last claimed). */
export const RECEIVED_RETRY_AFTER_MS = 60_000;

/** The columns every inbox row starts with: the exact bytes WeChat sent, and when. */
function rawColumns(n: { merchantId: string; rawHeaders: Record<string, string>; rawBody: string; receivedAt: Date }) {
  return { merchant_id: n.merchantId, raw_headers: JSON.stringify(n.rawHeaders), raw_body: n.rawBody, received_at: n.receivedAt };
}

/**
 * Stores a notification whose verification could not be completed (an error of ours, not WeChat's):
 * `received`, due for a re-process job a minute later. Also how tests stage a row a crash left behind.
 */
export async function insertReceivedNotification(
  db: Db,
  n: { merchantId: string; rawHeaders: Record<string, string>; rawBody: string; receivedAt: Date; nextAttemptAt?: Date },
): Promise<number> {
  const row = await db
    .insertInto('wechat_notifications')
    .values({
      ...rawColumns(n),
      next_attempt_at: n.nextAttemptAt ?? new Date(n.receivedAt.getTime() + RECEIVED_RETRY_AFTER_MS),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** An unverifiable notification, stored final in one statement: `rejected` with its reason. */
export async function insertRejectedNotification(
  db: Db,
  n: { merchantId: string; rawHeaders: Record<string, string>; rawBody: string; receivedAt: Date; error: string },
): Promise<number> {
  const row = await db
    .insertInto('wechat_notifications')
    .values({
      ...rawColumns(n),
      status: 'rejected',
      error: n.error,
      processed_at: n.receivedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export interface NewVerifiedNotification {
  merchantId: string;
  rawHeaders: Record<string, string>;
  rawBody: string;
  eventType: string;
  receivedAt: Date;
  /** When the sweep may take the row if this process has not applied it by then. */
  nextAttemptAt: Date;
}

/**
 * Stores verified notifications, `verified`, in ONE statement (the inbox's group commit), and returns
 * their ids in input order. The statement is atomic: on any error no row of the batch exists.
 *
 * Ids come from the identity sequence as the rows are inserted; the rows are inserted in ordinal order
 * (`ORDER BY ord` below the INSERT), and one session's `nextval` calls are strictly increasing, so the
 * k-th smallest returned id belongs to the k-th input — whatever order RETURNING lists them in.
 */
export async function insertVerifiedNotifications(db: Db, rows: readonly NewVerifiedNotification[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const r = await sql<{ id: number | string }>`
    INSERT INTO wechat_notifications (merchant_id, raw_headers, raw_body, event_type, received_at, next_attempt_at, status)
    SELECT m, h::jsonb, b, e, r, n, 'verified'
    FROM unnest(${rows.map((x) => x.merchantId)}::text[], ${rows.map((x) => JSON.stringify(x.rawHeaders))}::text[],
                ${rows.map((x) => x.rawBody)}::text[], ${rows.map((x) => x.eventType)}::text[],
                ${rows.map((x) => x.receivedAt.toISOString())}::timestamptz[], ${rows.map((x) => x.nextAttemptAt.toISOString())}::timestamptz[])
      WITH ORDINALITY AS t(m, h, b, e, r, n, ord)
    ORDER BY ord
    RETURNING id`.execute(db);
  if (r.rows.length !== rows.length) throw new Error(`inserted ${r.rows.length} inbox rows for ${rows.length} notifications`);
  return r.rows.map((x) => Number(x.id)).sort((a, b) => a - b);
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
 * with 23505 — so exactly one copy's effect ever commits. Only a row still waiting (`received` or
 * `verified`) can be claimed: false means another worker settled this very row first (the in-process
 * applier and a re-process job raced), and the caller must then change nothing.
 */
export async function claimNotification(
  db: Db,
  id: number,
  c: { notificationId: string; eventType: string; status: Extract<NotificationStatus, 'applied' | 'verified'>; error?: string | null; at: Date },
): Promise<boolean> {
  const r = await db
    .updateTable('wechat_notifications')
    .set({ notification_id: c.notificationId, event_type: c.eventType, status: c.status, error: c.error ?? null, processed_at: c.at, next_attempt_at: null })
    .where('id', '=', id)
    .where('status', 'in', ['received', 'verified'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Sets the reason on a row this transaction already claimed (e.g. an event type we do not act on). */
export async function noteClaimedNotification(db: Db, id: number, error: string): Promise<void> {
  await db.updateTable('wechat_notifications').set({ error }).where('id', '=', id).execute();
}

/** Final states for rows that took no effect: `rejected` (unverifiable) or `duplicate`. */
export async function markNotification(
  db: Db,
  id: number,
  m: { status: Extract<NotificationStatus, 'rejected' | 'duplicate'>; error: string | null; eventType?: string | null; at: Date },
): Promise<void> {
  await db
    .updateTable('wechat_notifications')
    .set({ status: m.status, error: m.error, processed_at: m.at, next_attempt_at: null, ...(m.eventType !== undefined ? { event_type: m.eventType } : {}) })
    .where('id', '=', id)
    .where('status', 'in', ['received', 'verified'])
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

/** Deferral backoff: 5 s after the first, doubling, at most an hour apart. */
export const DEFERRAL_BASE_MS = 5_000;
export const DEFERRAL_MAX_MS = 3600_000;

export function deferralDelayMs(deferrals: number): number {
  return Math.min(DEFERRAL_BASE_MS * 2 ** Math.min(deferrals, 20), DEFERRAL_MAX_MS);
}

/**
 * A deferred effect (rolled back; the row still `received`/`verified`, already answered 200): notes
 * why, counts the deferral and schedules the next attempt with backoff. Returns the next attempt time.
 */
export async function deferNotification(db: Db, id: number, d: { error: string; at: Date }): Promise<Date | undefined> {
  const row = await db
    .updateTable('wechat_notifications')
    .set((eb) => ({
      error: d.error,
      deferrals: eb('deferrals', '+', 1),
      next_attempt_at: sql<Date>`${d.at}::timestamptz + least(${DEFERRAL_BASE_MS}::float8 * power(2, least(deferrals, 20)), ${DEFERRAL_MAX_MS}::float8) * interval '1 millisecond'`,
    }))
    .where('id', '=', id)
    .where('status', 'in', ['received', 'verified'])
    .returning('next_attempt_at')
    .executeTakeFirst();
  return row?.next_attempt_at ?? undefined;
}

/**
 * Rows to re-process, oldest first: still `received`/`verified` with `next_attempt_at` due (a row of
 * before 0009 without one: a minute after it was last touched), received after `since` (WeChat stops
 * resending after ~24 h; older rows are for a human). The claimed rows get a lease (`next_attempt_at`
 * = now + lease) so the next sweep leaves them alone while their job runs; a crashed job's row comes
 * back when the lease ends. SKIP LOCKED: two gateway processes never claim the same row.
 */
export async function claimStuckNotifications(db: Db, now: Date, since: Date, leaseMs: number, limit: number): Promise<number[]> {
  const due = sql<boolean>`coalesce(next_attempt_at, coalesce(processed_at, received_at) + interval '60 seconds') <= ${now}`;
  const rows = await db
    .updateTable('wechat_notifications')
    .set({ next_attempt_at: new Date(now.getTime() + leaseMs) })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('wechat_notifications')
        .select('id')
        .where('status', 'in', ['received', 'verified'])
        .where('received_at', '>=', since)
        .where(due)
        .orderBy('received_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .where('status', 'in', ['received', 'verified'])
    .where(due)
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id));
}
