import { sql, type ColumnType, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type AuditActorType = 'operator' | 'merchant_api_key' | 'system' | 'cli';
export type AuditOutcome = 'success' | 'failure';

/** One audit entry (migration 0002). Rows are never updated: a trigger refuses it. */
export interface AuditLogTable {
  /** From `audit_log_id_seq`, drawn while the head is locked, so id order is chain order. */
  id: ColumnType<number, number, never>;
  created_at: Timestamp;
  actor_type: AuditActorType;
  actor_id: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  merchant_id: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  data: ColumnType<Record<string, unknown>, string, never>;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  singleton: ColumnType<boolean, boolean | undefined, never>;
  head_hash: string;
  head_id: number | null;
  anchor_hash: string;
  anchor_id: number | null;
  purged_count: ColumnType<number, number | undefined, number>;
}

export type AuditLogRow = Selectable<AuditLogTable>;
export type AuditHeadRow = Selectable<AuditHeadTable>;

/** Locks the head row for the rest of the transaction: the one point that serialises appends. */
export async function lockAuditHead(trx: Transaction<Database>): Promise<AuditHeadRow> {
  return trx.selectFrom('audit_head').selectAll().where('singleton', '=', true).forUpdate().executeTakeFirstOrThrow();
}

export async function readAuditHead(db: Db): Promise<AuditHeadRow> {
  return db.selectFrom('audit_head').selectAll().where('singleton', '=', true).executeTakeFirstOrThrow();
}

/** bigint columns are read as JS numbers (type-parsers.ts); audit ids stay far below 2^53. */
export async function nextAuditId(trx: Transaction<Database>): Promise<number> {
  const r = await sql<{ id: string }>`SELECT nextval('audit_log_id_seq')::text AS id`.execute(trx);
  return Number(r.rows[0]!.id);
}

export async function insertAuditEntry(trx: Transaction<Database>, row: Omit<AuditLogRow, 'data'> & { data: string }): Promise<void> {
  await trx.insertInto('audit_log').values(row).execute();
  await trx.updateTable('audit_head').set({ head_hash: row.hash, head_id: row.id }).where('singleton', '=', true).execute();
}

/** A page of entries in chain order (id ascending) after `afterId`; streams the whole log in `audit verify`. */
export async function listAuditPage(db: Db, afterId: number | null, limit: number): Promise<AuditLogRow[]> {
  let q = db.selectFrom('audit_log').selectAll().orderBy('id').limit(limit);
  if (afterId !== null) q = q.where('id', '>', afterId);
  return q.execute();
}

export async function listAuditForMerchant(db: Db, merchantId: string, limit: number): Promise<AuditLogRow[]> {
  return db.selectFrom('audit_log').selectAll().where('merchant_id', '=', merchantId).orderBy('id', 'desc').limit(limit).execute();
}

/** Runs the retention function of migration 0002; returns how many entries it removed. */
export async function purgeAuditBefore(db: Db, cutoff: Date): Promise<number> {
  const r = await sql<{ n: string }>`SELECT audit_purge(${cutoff})::text AS n`.execute(db);
  return Number(r.rows[0]!.n);
}
