import { z } from 'zod';
import { appendAudit } from '../../audit/append.ts';
import { findMerchantById } from '../../db/merchants.ts';
import { DEFAULT_REVIEW_SLA_SECONDS, reviewSlaSeconds, setReviewSlaSeconds } from '../../db/risk-reviews.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { inScope } from '../operators/permissions.ts';
import { parseOrThrow } from '../operators/operator-input.ts';
import type { RuleOperator } from './rule-sets.ts';

/**
 * A merchant's risk settings in the admin API: the review SLA, i.e. how long after a payment is held
 * its review item falls due (`due_at`; the sweeper raises `review.sla_breached` past it). Applies to
 * items opened after the change. 1 minute to 7 days (the table's CHECK), default 30 minutes.
 */
type Ctx = Pick<ServiceContext, 'db' | 'clock'>;

export const riskSettingsBody = z.strictObject({
  review_sla_seconds: z.number().int().min(60).max(604_800),
});

async function merchantInScope(ctx: Ctx, who: RuleOperator, merchantId: string): Promise<string> {
  const m = inScope(who.scope, merchantId) ? await findMerchantById(ctx.db, merchantId) : undefined;
  if (!m) throw new AppError('not_found', 'merchant_not_found', 'No such resource.');
  return m.id;
}

function view(merchantId: string, seconds: number) {
  return { object: 'risk_settings' as const, merchant_id: merchantId, review_sla_seconds: seconds, default_review_sla_seconds: DEFAULT_REVIEW_SLA_SECONDS };
}

export async function getRiskSettings(ctx: Ctx, who: RuleOperator, merchantId: string) {
  const id = await merchantInScope(ctx, who, merchantId);
  return view(id, await reviewSlaSeconds(ctx.db, id));
}

/** Sets the review SLA, audited (`risk.settings.updated`, with the old and new value) in the same transaction. */
export async function updateRiskSettings(ctx: Ctx, who: RuleOperator, merchantId: string, body: unknown) {
  const id = await merchantInScope(ctx, who, merchantId);
  const b = parseOrThrow(riskSettingsBody, body);
  await ctx.db.transaction().execute(async (trx) => {
    const before = await reviewSlaSeconds(trx, id);
    await setReviewSlaSeconds(trx, id, b.review_sla_seconds, new Date(ctx.clock.now()));
    await appendAudit(ctx, trx, {
      actor: { type: 'operator', id: who.operatorId },
      action: 'risk.settings.updated',
      target: { type: 'merchant', id },
      merchantId: id,
      outcome: 'success',
      ip: who.ip ?? null,
      data: { review_sla_seconds: b.review_sla_seconds, previous_review_sla_seconds: before },
    });
  });
  return view(id, b.review_sla_seconds);
}
