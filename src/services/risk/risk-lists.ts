import { z } from 'zod';
import { appendAudit } from '../../audit/append.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { deleteListEntry, findListEntry, insertListEntry, listEntries, type ListEntryRow } from '../../db/risk-lists.ts';
import { RISK_LIST_NAMES } from '../../db/risk-tables.ts';
import { riskListsSchema } from '../../risk/index.ts';
import type { ServiceContext } from '../context.ts';
import { inScope } from '../operators/permissions.ts';
import type { RuleOperator } from './rule-sets.ts';

/**
 * Allow and block lists (IPs and CIDRs, device ids, openids), per merchant or global. Values are
 * checked with the engine's own list schema, so an entry that would never match is refused here.
 */
export const listEntrySchema = z.strictObject({
  merchant_id: z.string().min(1).max(64).nullable().default(null),
  list: z.enum(RISK_LIST_NAMES),
  value: z.string().trim().min(1).max(128),
  note: z.string().max(200).optional(),
});

export function listEntryView(e: ListEntryRow) {
  return { id: e.id, object: 'risk_list_entry' as const, merchant_id: e.merchant_id, list: e.list, value: e.value, note: e.note, created_by: e.created_by, created_at: e.created_at.toISOString() };
}

function assertScope(who: RuleOperator, merchantId: string | null): void {
  const ok = merchantId === null ? who.scope === null : inScope(who.scope, merchantId);
  if (!ok) throw new AppError('not_found', 'risk_list_entry_not_found', 'No such list entry.');
}

export async function addListEntry(ctx: ServiceContext, who: RuleOperator, raw: unknown): Promise<ListEntryRow> {
  const parsed = listEntrySchema.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_input', 'invalid_request', 'The request is invalid.', { issues: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) });
  const e = parsed.data;
  assertScope(who, e.merchant_id);
  const check = riskListsSchema.safeParse({ [e.list]: [e.value] });
  if (!check.success) throw new AppError('invalid_input', 'risk_list_value_invalid', 'The value does not fit this list (an IP address or CIDR range for IP lists).', { list: e.list });
  const row = await ctx.db.transaction().execute(async (trx) => {
    const r = await insertListEntry(trx, { id: newId('rl'), merchantId: e.merchant_id, list: e.list, value: e.value, note: e.note ?? null, createdBy: who.operatorId, createdAt: new Date(ctx.clock.now()) });
    if (!r) throw new AppError('conflict', 'risk_list_entry_exists', 'This value is already on the list.');
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: who.operatorId }, action: 'risk.list.entry_added', target: { type: 'risk_list_entry', id: r.id }, merchantId: r.merchant_id, outcome: 'success', ip: who.ip ?? null, data: { list: r.list } });
    return r;
  });
  ctx.risk?.invalidate();
  return row;
}

export async function removeListEntry(ctx: ServiceContext, who: RuleOperator, id: string): Promise<void> {
  const existing = await findListEntry(ctx.db, id);
  if (!existing) throw new AppError('not_found', 'risk_list_entry_not_found', 'No such list entry.');
  assertScope(who, existing.merchant_id);
  await ctx.db.transaction().execute(async (trx) => {
    const r = await deleteListEntry(trx, id);
    if (r) await appendAudit(ctx, trx, { actor: { type: 'operator', id: who.operatorId }, action: 'risk.list.entry_removed', target: { type: 'risk_list_entry', id }, merchantId: r.merchant_id, outcome: 'success', ip: who.ip ?? null, data: { list: r.list } });
  });
  ctx.risk?.invalidate();
}

export async function listListEntries(ctx: Pick<ServiceContext, 'db'>, who: RuleOperator, merchantId: string | null): Promise<ListEntryRow[]> {
  assertScope(who, merchantId);
  return listEntries(ctx.db, merchantId);
}
