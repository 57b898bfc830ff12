import { sql, type Selectable } from 'kysely';
import type { Db } from './merchants.ts';
import type { RiskListEntriesTable, RiskListName } from './risk-tables.ts';

/** Allow and block list entries, per merchant or (merchant_id NULL) for every merchant. */
export type ListEntryRow = Selectable<RiskListEntriesTable>;

export async function insertListEntry(
  db: Db,
  e: { id: string; merchantId: string | null; list: RiskListName; value: string; note: string | null; createdBy: string; createdAt: Date },
): Promise<ListEntryRow | undefined> {
  return db
    .insertInto('risk_list_entries')
    .values({ id: e.id, merchant_id: e.merchantId, list: e.list, value: e.value, note: e.note, created_by: e.createdBy, created_at: e.createdAt })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function deleteListEntry(db: Db, id: string): Promise<ListEntryRow | undefined> {
  return db.deleteFrom('risk_list_entries').where('id', '=', id).returningAll().executeTakeFirst();
}

export async function findListEntry(db: Db, id: string): Promise<ListEntryRow | undefined> {
  return db.selectFrom('risk_list_entries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A scope's own entries (`merchantId` null: the global ones). */
export async function listEntries(db: Db, merchantId: string | null, list?: RiskListName): Promise<ListEntryRow[]> {
  let q = db
    .selectFrom('risk_list_entries')
    .selectAll()
    .where(sql<boolean>`coalesce(merchant_id, '') = ${merchantId ?? ''}`);
  if (list) q = q.where('list', '=', list);
  return q.orderBy('created_at', 'desc').orderBy('id').limit(10_000).execute();
}

/** What applies to a merchant's payments: its own entries and the global ones. */
export async function effectiveEntries(db: Db, merchantId: string): Promise<Pick<ListEntryRow, 'list' | 'value'>[]> {
  return db
    .selectFrom('risk_list_entries')
    .select(['list', 'value'])
    .where((eb) => eb.or([eb('merchant_id', '=', merchantId), eb('merchant_id', 'is', null)]))
    .execute();
}
