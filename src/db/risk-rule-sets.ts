import { sql, type Selectable } from 'kysely';
import type { Db } from './merchants.ts';
import type { RiskRuleSetsTable } from './risk-tables.ts';

/**
 * Versioned rule sets. A scope is one merchant or, with `merchantId === null`, the gateway-wide
 * default. Version numbers grow per scope; the unique indexes of migration 0004 make a duplicate
 * version or a second published set impossible whatever two operators do at once.
 */
export type RuleSetRow = Selectable<RiskRuleSetsTable>;

const scope = (merchantId: string | null) => sql<boolean>`coalesce(merchant_id, '') = ${merchantId ?? ''}`;

export async function insertRuleSet(
  db: Db,
  r: { id: string; merchantId: string | null; rules: unknown[]; note: string | null; createdBy: string; createdAt: Date },
): Promise<RuleSetRow> {
  // max+1 under the version unique index: a concurrent draft in the same scope fails rather than sharing a number.
  const next = await db
    .selectFrom('risk_rule_sets')
    .select(sql<number>`coalesce(max(version), 0) + 1`.as('v'))
    .where(scope(r.merchantId))
    .executeTakeFirstOrThrow();
  return db
    .insertInto('risk_rule_sets')
    .values({
      id: r.id,
      merchant_id: r.merchantId,
      version: Number(next.v),
      status: 'draft',
      rules: JSON.stringify(r.rules),
      note: r.note,
      created_by: r.createdBy,
      created_at: r.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findRuleSet(db: Db, id: string): Promise<RuleSetRow | undefined> {
  return db.selectFrom('risk_rule_sets').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPublishedRuleSet(db: Db, merchantId: string | null): Promise<RuleSetRow | undefined> {
  return db.selectFrom('risk_rule_sets').selectAll().where(scope(merchantId)).where('status', '=', 'published').executeTakeFirst();
}

/** The set in force for a merchant: its own published set, else the global default. */
export async function findEffectiveRuleSet(db: Db, merchantId: string): Promise<RuleSetRow | undefined> {
  return db
    .selectFrom('risk_rule_sets')
    .selectAll()
    .where('status', '=', 'published')
    .where((eb) => eb.or([eb('merchant_id', '=', merchantId), eb('merchant_id', 'is', null)]))
    .orderBy(sql`merchant_id IS NULL`)
    .limit(1)
    .executeTakeFirst();
}

export async function listRuleSets(db: Db, merchantId: string | null, limit = 100): Promise<RuleSetRow[]> {
  return db.selectFrom('risk_rule_sets').selectAll().where(scope(merchantId)).orderBy('version', 'desc').limit(limit).execute();
}

/** Retires the scope's published set and publishes `id`, in the caller's transaction. */
export async function publishRuleSet(db: Db, row: RuleSetRow, by: string, now: Date): Promise<RuleSetRow | undefined> {
  await db
    .updateTable('risk_rule_sets')
    .set({ status: 'retired' })
    .where(scope(row.merchant_id))
    .where('status', '=', 'published')
    .execute();
  return db
    .updateTable('risk_rule_sets')
    .set({ status: 'published', published_by: by, published_at: now })
    .where('id', '=', row.id)
    .where('status', 'in', ['draft', 'retired'])
    .returningAll()
    .executeTakeFirst();
}

/** Only a draft's rules may change; a published version is history. */
export async function updateDraftRules(db: Db, id: string, rules: unknown[]): Promise<RuleSetRow | undefined> {
  return db
    .updateTable('risk_rule_sets')
    .set({ rules: JSON.stringify(rules) })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .returningAll()
    .executeTakeFirst();
}

/** Seeds the global default once; a no-op when any global version exists (every start after the first). */
export async function seedGlobalRuleSet(db: Db, r: { id: string; rules: unknown[]; now: Date }): Promise<boolean> {
  const existing = await db.selectFrom('risk_rule_sets').select('id').where('merchant_id', 'is', null).limit(1).executeTakeFirst();
  if (existing) return false;
  const row = await db
    .insertInto('risk_rule_sets')
    .values({
      id: r.id,
      merchant_id: null,
      version: 1,
      status: 'published',
      rules: JSON.stringify(r.rules),
      note: 'default rule set (seeded)',
      created_by: 'system',
      created_at: r.now,
      published_by: 'system',
      published_at: r.now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
