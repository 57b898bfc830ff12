import { createHash } from 'node:crypto';
import { newId } from '../../lib/ids.ts';
import { maskOpenid } from '../../privacy/mask.ts';
import type { NewDecision } from '../../db/risk-decisions.ts';
import type { PaymentRisk, StoredFiredRule } from '../../db/risk-tables.ts';
import type { FiredRule, RiskDecision, RiskFacts, RiskPhase } from '../../risk/index.ts';

/**
 * What is stored of a decision. The facts snapshot keeps what explains the decision and drops or
 * masks personal data: the IP keeps only its network (/24 or /48), the device id and the user agent
 * become short digests (still comparable across decisions), and the openid is masked as on screen.
 */
export function factsSnapshot(f: RiskFacts): Record<string, unknown> {
  const { ip, device_id, user_agent, payer_openid, ...rest } = f;
  void ip;
  return {
    ...rest,
    device_id: device_id ? `sha256:${digest(device_id)}` : '',
    user_agent: user_agent ? `sha256:${digest(user_agent)}` : '',
    payer_openid: payer_openid ? maskOpenid(payer_openid) : '',
  };
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

const stored = (r: FiredRule): StoredFiredRule => ({ rule_id: r.rule_id, action: r.action, score: r.score, reason: r.reason, mode: r.mode });

export function decisionRow(
  d: RiskDecision,
  facts: Record<string, unknown>,
  p: { paymentId: string; merchantId: string; outTradeNo: string; phase: RiskPhase; ruleSetId: string | null; now: Date },
): NewDecision {
  return {
    id: newId('rd'),
    payment_id: p.paymentId,
    merchant_id: p.merchantId,
    out_trade_no: p.outTradeNo,
    phase: p.phase,
    action: d.action,
    score: d.score,
    rule_set_id: p.ruleSetId,
    rule_set_version: d.rule_set_version,
    fired: d.fired.map(stored),
    shadow_fired: d.shadow_fired.map(stored),
    errors: d.errors,
    facts,
    created_at: p.now,
  };
}

/** The payment's risk column after a decision; rules from earlier phases are kept. */
export function paymentRiskAfter(prev: PaymentRisk | null, d: RiskDecision, status: PaymentRisk['status']): PaymentRisk {
  const rules = [...(prev?.rules ?? [])];
  for (const r of d.fired) {
    if (!rules.some((x) => x.rule_id === r.rule_id)) rules.push({ rule_id: r.rule_id, action: r.action, reason: r.reason });
  }
  return { status, score: Math.max(prev?.score ?? 0, d.score), rules };
}

/**
 * A decision taken without the velocity store (Redis down or past its timeout). Pre-order it flags
 * the order rather than refusing every customer; post-payment it holds the payment for a person.
 */
export function storeUnavailableDecision(version: number): RiskDecision {
  return {
    action: 'review',
    score: 0,
    rule_set_version: version,
    fired: [
      {
        rule_id: 'velocity-store-unavailable',
        action: 'review',
        score: 0,
        reason: { 'zh-CN': '风控计数服务不可用，需人工确认', en: 'Velocity store unavailable; needs a manual check' },
        mode: 'active',
      },
    ],
    shadow_fired: [],
    errors: [{ rule_id: 'velocity-store-unavailable', message: 'velocity store unavailable' }],
  };
}
