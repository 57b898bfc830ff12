import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { effectiveEntries, listEntries } from '../../db/risk-lists.ts';
import { findEffectiveRuleSet, findPublishedRuleSet } from '../../db/risk-rule-sets.ts';
import type { RiskListName } from '../../db/risk-tables.ts';
import { backtest, compileRiskLists, compileRuleSet, DEFAULT_RULE_SET, type BacktestReport, type PastPayment } from '../../risk/index.ts';
import type { ServiceContext } from '../context.ts';
import { inScope } from '../operators/permissions.ts';
import { riskInputOf } from './payment-risk-input.ts';
import type { RuleOperator } from './rule-sets.ts';

/**
 * `POST /admin/api/risk/backtest`: replays the stored payments of the last `days` through the draft
 * and the set in force (src/risk/backtest.ts), with the scope's lists (a merchant's own and the
 * global ones; for a global backtest, the global ones). The openid is not replayed
 * (payments keep only its blind index), so openid lists and payer series read empty here.
 */
export const MAX_BACKTEST_PAYMENTS = 200_000;

export const backtestSchema = z.strictObject({
  merchant_id: z.string().min(1).max(64).nullable().default(null),
  draft_rule_set: z.strictObject({ rules: z.array(z.unknown()).max(500) }),
  days: z.number().int().min(1).max(90).default(7),
});

const OUTCOME: Record<string, PastPayment['outcome']> = {
  succeeded: 'succeeded',
  partially_refunded: 'succeeded',
  refunded: 'succeeded',
  failed: 'failed',
  closed: 'closed',
};

export async function backtestStored(ctx: ServiceContext, who: RuleOperator, raw: unknown): Promise<BacktestReport & { days: number }> {
  const parsed = backtestSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_input', 'invalid_request', 'The request is invalid.', { issues: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) });
  const { merchant_id: merchantId, draft_rule_set: draftInput, days } = parsed.data;
  if (merchantId === null ? who.scope !== null : !inScope(who.scope, merchantId)) throw new AppError('not_found', 'merchant_not_found', 'No such merchant.');

  const draft = compileRuleSet({ version: 1, rules: draftInput.rules });
  if (draft.errors) throw new AppError('invalid_input', 'risk_rule_set_invalid', `The rule set has ${draft.errors.length} error(s).`, { errors: draft.errors });
  const activeRow = merchantId ? await findEffectiveRuleSet(ctx.db, merchantId) : await findPublishedRuleSet(ctx.db, null);
  const active = (activeRow && compileRuleSet({ version: activeRow.version, rules: activeRow.rules }).ok) || compileRuleSet(DEFAULT_RULE_SET).ok!;

  const since = new Date(ctx.clock.now() - days * 86_400_000);
  let q = ctx.db
    .selectFrom('payments')
    .select(['id', 'merchant_id', 'amount', 'currency', 'payer_client_ip', 'device_id', 'h5_type', 'user_agent', 'description', 'status', 'created_at', 'paid_at', 'updated_at'])
    .where('created_at', '>=', since);
  if (merchantId) q = q.where('merchant_id', '=', merchantId);
  const rows = await q.orderBy('created_at').limit(MAX_BACKTEST_PAYMENTS + 1).execute();
  if (rows.length > MAX_BACKTEST_PAYMENTS) throw new AppError('unprocessable', 'risk_backtest_too_large', `At most ${MAX_BACKTEST_PAYMENTS} payments per backtest; choose fewer days.`);

  const past: PastPayment[] = rows.map((p) => {
    const outcome = OUTCOME[p.status] ?? 'pending';
    return {
      ...riskInputOf(p),
      created_at: p.created_at.getTime(),
      outcome,
      ...(outcome === 'succeeded' || outcome === 'failed' ? { finished_at: (p.paid_at ?? p.updated_at).getTime() } : {}),
    };
  });
  const lists: Record<RiskListName, string[]> = { ip_block: [], ip_allow: [], device_block: [], device_allow: [], openid_block: [], openid_allow: [] };
  // A merchant's backtest uses its own entries and the global ones; a global backtest the global ones.
  for (const e of merchantId ? await effectiveEntries(ctx.db, merchantId) : await listEntries(ctx.db, null)) lists[e.list].push(e.value);
  const report = await backtest(draft.ok, active, past, { lists: compileRiskLists(lists) });
  return { ...report, days };
}
