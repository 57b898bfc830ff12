import type { Transaction } from 'kysely';
import { z } from 'zod';
import { appendAudit } from '../../audit/append.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Database } from '../../db/schema.ts';
import { findRuleSet, insertRuleSet, listRuleSets, publishRuleSet, updateDraftRules, type RuleSetRow } from '../../db/risk-rule-sets.ts';
import { compileRuleSet, RULE_MODES, type RuleSetError } from '../../risk/index.ts';
import type { ServiceContext } from '../context.ts';
import { inScope, type MerchantScope } from '../operators/permissions.ts';

/**
 * Rule set versions: create a draft, validate, publish (retiring the previous version, audited), and
 * switch one rule between active and shadow (which makes and publishes a new version, so every
 * change to what runs is a version with an audit entry). A draft whose expressions do not compile is
 * refused at save and at publish, with the compiler's position for each error.
 */
export interface RuleOperator {
  operatorId: string;
  scope: MerchantScope;
  ip?: string | null;
}

const scopeSchema = z.string().min(1).max(64).nullable().default(null);
export const createDraftSchema = z.strictObject({
  merchant_id: scopeSchema,
  rules: z.array(z.unknown()).max(500),
  note: z.string().max(500).optional(),
});

export function ruleSetView(r: RuleSetRow) {
  return {
    id: r.id,
    object: 'risk_rule_set' as const,
    merchant_id: r.merchant_id,
    version: r.version,
    status: r.status,
    rules: r.rules,
    note: r.note,
    created_by: r.created_by,
    created_at: r.created_at.toISOString(),
    published_by: r.published_by,
    published_at: r.published_at?.toISOString() ?? null,
  };
}

/** Compiles rules as they would run; returns the errors with positions (empty when valid). */
export function validateRules(rules: unknown): RuleSetError[] {
  const r = compileRuleSet({ version: 1, rules });
  return r.errors ?? [];
}

function refuse(errors: RuleSetError[]): AppError {
  return new AppError('invalid_input', 'risk_rule_set_invalid', `The rule set has ${errors.length} error(s).`, { errors });
}

/** Global rule sets (merchant_id null) are for operators of every merchant only. */
function assertScope(who: RuleOperator, merchantId: string | null): void {
  const ok = merchantId === null ? who.scope === null : inScope(who.scope, merchantId);
  if (!ok) throw new AppError('not_found', 'risk_rule_set_not_found', 'No such rule set.');
}

export async function getRuleSet(ctx: Pick<ServiceContext, 'db'>, who: RuleOperator, id: string): Promise<RuleSetRow> {
  const row = await findRuleSet(ctx.db, id);
  if (!row) throw new AppError('not_found', 'risk_rule_set_not_found', 'No such rule set.');
  assertScope(who, row.merchant_id);
  return row;
}

export async function listRuleSetVersions(ctx: Pick<ServiceContext, 'db'>, who: RuleOperator, merchantId: string | null): Promise<RuleSetRow[]> {
  assertScope(who, merchantId);
  return listRuleSets(ctx.db, merchantId);
}

export async function createDraft(ctx: ServiceContext, who: RuleOperator, raw: unknown): Promise<RuleSetRow> {
  const parsed = createDraftSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_input', 'invalid_request', 'The request is invalid.', { issues: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) });
  const { merchant_id: merchantId, rules, note } = parsed.data;
  assertScope(who, merchantId);
  const errors = validateRules(rules);
  if (errors.length) throw refuse(errors);
  return ctx.db.transaction().execute(async (trx) => {
    const row = await insertRuleSet(trx, { id: newId('rs'), merchantId, rules, note: note ?? null, createdBy: who.operatorId, createdAt: new Date(ctx.clock.now()) });
    await audit(ctx, trx, who, 'risk.rule_set.draft_created', row);
    return row;
  });
}

export async function updateDraft(ctx: ServiceContext, who: RuleOperator, id: string, rules: unknown[]): Promise<RuleSetRow> {
  await getRuleSet(ctx, who, id);
  const errors = validateRules(rules);
  if (errors.length) throw refuse(errors);
  const row = await updateDraftRules(ctx.db, id, rules);
  if (!row) throw new AppError('conflict', 'risk_rule_set_not_draft', 'Only a draft can be edited; create a new draft instead.');
  return row;
}

export async function publish(ctx: ServiceContext, who: RuleOperator, id: string): Promise<RuleSetRow> {
  const row = await getRuleSet(ctx, who, id);
  // Compiled again at publish: the engine may have changed since the draft was saved.
  const errors = validateRules(row.rules);
  if (errors.length) throw refuse(errors);
  const published = await ctx.db.transaction().execute(async (trx) => {
    const p = await publishRuleSet(trx, row, who.operatorId, new Date(ctx.clock.now()));
    if (!p) throw new AppError('conflict', 'risk_rule_set_not_publishable', 'This version is already published.');
    await audit(ctx, trx, who, 'risk.rule_set.published', p);
    return p;
  });
  ctx.risk?.invalidate();
  return published;
}

export const ruleModeSchema = z.strictObject({ mode: z.enum(RULE_MODES) });

/** Switches one rule of the scope's published set to active or shadow, as a new published version. */
export async function setRuleMode(ctx: ServiceContext, who: RuleOperator, id: string, ruleId: string, raw: unknown): Promise<RuleSetRow> {
  const { mode } = ruleModeSchema.parse(raw);
  const base = await getRuleSet(ctx, who, id);
  const rules = (base.rules as { id?: unknown }[]).map((r) => (r && r.id === ruleId ? { ...r, mode } : r));
  if (!(base.rules as { id?: unknown }[]).some((r) => r && r.id === ruleId)) throw new AppError('not_found', 'risk_rule_not_found', 'No such rule in this set.');
  const draft = await createDraft(ctx, who, { merchant_id: base.merchant_id, rules, note: `rule ${ruleId} → ${mode}` });
  return publish(ctx, who, draft.id);
}

async function audit(ctx: Pick<ServiceContext, 'clock'>, trx: Transaction<Database>, who: RuleOperator, action: string, r: RuleSetRow): Promise<void> {
  await appendAudit(ctx, trx, {
    actor: { type: 'operator', id: who.operatorId },
    action,
    target: { type: 'risk_rule_set', id: r.id },
    merchantId: r.merchant_id,
    outcome: 'success',
    ip: who.ip ?? null,
    data: { version: r.version, rules: (r.rules as unknown[]).length },
  });
}
