import { describe, expect, it } from 'vitest';
import { backtest, type PastPayment } from './backtest.ts';
import { compileRuleSet, type CompiledRuleSet } from './compile.ts';
import { DEFAULT_RULE_SET } from './default-rules.ts';
import type { RuleSetInput } from './rule.ts';

const T0 = Date.UTC(2026, 2, 1, 2, 0);
const MIN = 60_000;

function compile(set: RuleSetInput): CompiledRuleSet {
  const { ok, errors } = compileRuleSet(set);
  if (!ok) throw new Error(JSON.stringify(errors));
  return ok;
}

const past = (id: string, at: number, extra: Partial<PastPayment> = {}): PastPayment => ({
  payment_id: id,
  merchant_id: 'm_1',
  amount: 2_000,
  payer_client_ip: '203.0.113.7',
  device_id: `dev_${id}`,
  created_at: at,
  outcome: 'succeeded',
  finished_at: at + 30 * MIN,
  payer_openid: `o_${id}`,
  ...extra,
});

/** Eight attempts from one IP five seconds apart, two ordinary payments, one large, one failure. */
const history: PastPayment[] = [
  ...Array.from({ length: 8 }, (_, k) => past(`burst${k + 1}`, T0 + 5_000 * (k + 1))),
  past('n1', T0 + 15 * MIN, { payer_client_ip: '198.51.100.1' }),
  past('n2', T0 + 16 * MIN, { payer_client_ip: '198.51.100.2' }),
  past('big', T0 + 20 * MIN, { payer_client_ip: '198.51.100.3', amount: 600_000 }),
  past('fail', T0 + 21 * MIN, { payer_client_ip: '198.51.100.4', outcome: 'failed' }),
];

const active = compile(DEFAULT_RULE_SET);
const draft = compile({
  version: 2,
  rules: DEFAULT_RULE_SET.rules.map((r) =>
    r.id === 'ip-burst-block' ? { ...r, expression: '!lists.ip_allowed && velocity.ip.count_1m >= 3' } : r,
  ),
});

describe('backtest', () => {
  it('counts what the draft and the active set would each have done, phase by phase', async () => {
    const report = await backtest(draft, active, history);
    expect(report.payments).toBe(12);
    expect(report.active.rule_set_version).toBe(1);
    expect(report.draft.rule_set_version).toBe(2);
    expect(report.active.pre_order).toEqual({ allow: 8, review: 4, block: 0 });
    expect(report.draft.pre_order).toEqual({ allow: 6, review: 1, block: 5 });
    // Eleven payments succeeded; only the large one is held after payment under either set.
    expect(report.active.post_payment).toEqual({ allow: 10, review: 1, block: 0 });
    expect(report.draft.post_payment).toEqual({ allow: 10, review: 1, block: 0 });
  });

  it('reports per-rule hits, shadow hits and which decisions changed', async () => {
    const report = await backtest(draft, active, history);
    expect(report.active.rule_hits).toMatchObject({ 'ip-burst-review': 3, 'ip-burst-block': 0, 'large-amount': 2, 'new-device-large-amount': 1 });
    expect(report.draft.rule_hits).toMatchObject({ 'ip-burst-review': 3, 'ip-burst-block': 5 });
    // Three pre-order decisions saw six to eight devices behind the IP, and all eight successes
    // half an hour later saw the whole burst within the hour.
    expect(report.active.shadow_hits).toEqual({ 'ip-many-devices': 11 });
    expect(report.changed).toEqual({ pre_order: { 'allow->block': 2, 'review->block': 3 }, post_payment: {} });
  });

  it('gives the same answer whatever order the payments are listed in', async () => {
    const shuffled = [...history].reverse();
    expect(await backtest(draft, active, shuffled)).toEqual(await backtest(draft, active, history));
  });

  it('reports identical sides when the draft is the active set', async () => {
    const report = await backtest(active, active, history);
    expect(report.draft).toEqual(report.active);
    expect(report.changed).toEqual({ pre_order: {}, post_payment: {} });
  });

  it('refuses a past payment with a fractional amount', async () => {
    await expect(backtest(draft, active, [past('ok', T0), past('x', T0, { amount: 1.5 })])).rejects.toMatchObject({
      code: 'risk_backtest_input_invalid',
      message: expect.stringContaining('payment 1: amount'),
    });
  });
});
