import { CompiledQuery, sql, type Selectable } from 'kysely';
import type { IdempotencyKeysTable } from './schema.ts';
import type { Db } from './merchants.ts';

/**
 * Idempotency keys, one row per (merchant, endpoint, key). The primary key decides who runs first:
 * `INSERT … ON CONFLICT DO NOTHING` returns a row to exactly one of N concurrent callers. Every later
 * change is a compare-and-set on the row's state, so two recoveries of a stale lock cannot both win.
 */
export type IdempotencyRow = Selectable<IdempotencyKeysTable>;

export interface KeyRef {
  merchantId: string;
  endpoint: string;
  key: string;
}

const byRef = (r: KeyRef) => ({ merchant_id: r.merchantId, endpoint: r.endpoint, key: r.key });

/**
 * Claims a fresh key; false when the row already exists. A static SQL text (nothing to build or
 * compile per request: this statement runs once for every order), returning no row data to parse.
 */
const INSERT_IN_FLIGHT = `insert into idempotency_keys (merchant_id, endpoint, key, request_fingerprint, state, locked_at, created_at, expires_at)
values ($1, $2, $3, $4, 'in_flight', $5, $5, $6)
on conflict (merchant_id, endpoint, key) do nothing
returning 1 as claimed`;

export async function insertInFlight(db: Db, r: KeyRef, fingerprint: string, now: Date, expiresAt: Date): Promise<boolean> {
  const res = await db.executeQuery(CompiledQuery.raw(INSERT_IN_FLIGHT, [r.merchantId, r.endpoint, r.key, fingerprint, now, expiresAt]));
  return res.rows.length > 0;
}

/**
 * Claims a fresh key already answered (a request refused before it began any work, e.g. invalid input):
 * one statement instead of claim + complete. False when the row already exists.
 */
export async function insertCompleted(db: Db, r: KeyRef, fingerprint: string, status: number, body: unknown, now: Date, expiresAt: Date): Promise<boolean> {
  const row = await db
    .insertInto('idempotency_keys')
    .values({ ...byRef(r), request_fingerprint: fingerprint, state: 'completed', locked_at: null, response_status: status, response_body: JSON.stringify(body ?? null), created_at: now, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['merchant_id', 'endpoint', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  return row !== undefined;
}

/** Replaces the stored response of a completed key (a response stored with its record and found stale). */
export async function replaceResponse(db: Db, r: KeyRef, status: number, body: unknown): Promise<boolean> {
  const res = await db
    .updateTable('idempotency_keys')
    .set({ response_status: status, response_body: JSON.stringify(body ?? null) })
    .where('merchant_id', '=', r.merchantId)
    .where('endpoint', '=', r.endpoint)
    .where('key', '=', r.key)
    .where('state', '=', 'completed')
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

export async function findKey(db: Db, r: KeyRef): Promise<IdempotencyRow | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('merchant_id', '=', r.merchantId)
    .where('endpoint', '=', r.endpoint)
    .where('key', '=', r.key)
    .executeTakeFirst();
}

/** Re-claims an expired row as if new (a key reused after its retention period is a new request). */
export async function reclaimExpired(db: Db, r: KeyRef, fingerprint: string, now: Date, expiresAt: Date): Promise<IdempotencyRow | undefined> {
  return db
    .updateTable('idempotency_keys')
    .set({ request_fingerprint: fingerprint, state: 'in_flight', locked_at: now, response_status: null, response_body: null, resource_id: null, created_at: now, expires_at: expiresAt })
    .where('merchant_id', '=', r.merchantId)
    .where('endpoint', '=', r.endpoint)
    .where('key', '=', r.key)
    .where('expires_at', '<=', now)
    .returningAll()
    .executeTakeFirst();
}

/** Takes over an in-flight lock older than `staleBefore`; only the caller that saw `lockedAt` wins. */
export async function takeOverStaleLock(db: Db, r: KeyRef, lockedAt: Date, staleBefore: Date, now: Date): Promise<IdempotencyRow | undefined> {
  return db
    .updateTable('idempotency_keys')
    .set({ locked_at: now })
    .where('merchant_id', '=', r.merchantId)
    .where('endpoint', '=', r.endpoint)
    .where('key', '=', r.key)
    .where('state', '=', 'in_flight')
    .where('locked_at', '=', lockedAt)
    .where('locked_at', '<', staleBefore)
    .returningAll()
    .executeTakeFirst();
}

export async function setResource(db: Db, r: KeyRef, resourceId: string): Promise<boolean> {
  const res = await db
    .updateTable('idempotency_keys')
    .set({ resource_id: resourceId })
    .where('merchant_id', '=', r.merchantId)
    .where('endpoint', '=', r.endpoint)
    .where('key', '=', r.key)
    .where('state', '=', 'in_flight')
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

export async function markCompleted(db: Db, r: KeyRef, status: number, body: unknown): Promise<boolean> {
  const res = await db
    .updateTable('idempotency_keys')
    .set({ state: 'completed', locked_at: null, response_status: status, response_body: JSON.stringify(body ?? null) })
    .where('merchant_id', '=', r.merchantId)
    .where('endpoint', '=', r.endpoint)
    .where('key', '=', r.key)
    .where('state', '=', 'in_flight')
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

export async function deleteInFlight(db: Db, r: KeyRef): Promise<boolean> {
  const res = await db
    .deleteFrom('idempotency_keys')
    .where('merchant_id', '=', r.merchantId)
    .where('endpoint', '=', r.endpoint)
    .where('key', '=', r.key)
    .where('state', '=', 'in_flight')
    .executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** Deletes up to `limit` expired keys; small batches keep each statement's locks short. */
export async function deleteExpired(db: Db, now: Date, limit: number): Promise<number> {
  const res = await sql<{ n: number }>`
    with doomed as (
      select merchant_id, endpoint, key from idempotency_keys
      where expires_at <= ${now}
      limit ${limit}
      for update skip locked
    )
    delete from idempotency_keys k using doomed d
    where k.merchant_id = d.merchant_id and k.endpoint = d.endpoint and k.key = d.key`.execute(db);
  return Number(res.numAffectedRows ?? 0n);
}
