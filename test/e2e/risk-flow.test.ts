import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { queryPaymentAtWechat } from '../../src/services/payments/query-payment.ts';
import { queryRefundAtWechat } from '../../src/services/refunds/query-refund.ts';
import { findReviewForPayment } from '../../src/db/risk-reviews.ts';
import { decisionsForPayment } from '../../src/db/risk-decisions.ts';
import { approveReview, assignReview, listReviewItems } from '../../src/services/risk/reviews.ts';
import { rejectReview, riskRefundNo } from '../../src/services/risk/reject-review.ts';
import { createDraft, publish } from '../../src/services/risk/rule-sets.ts';
import { addListEntry, removeListEntry } from '../../src/services/risk/risk-lists.ts';
import { findPublishedRuleSet } from '../../src/db/risk-rule-sets.ts';
import { backtestStored } from '../../src/services/risk/backtest-stored.ts';
import { sweepReviewSla } from '../../src/services/risk/review-sla.ts';
import { waitFor } from '../helpers/notify-fixtures.ts';

let n = 0;
const key = () => `risk-${n++}`;
const reviewer = { operatorId: 'op_reviewer1', scope: null };

describeEachDb('risk control end to end against the simulator', (t) => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, workers: false });
  });
  afterAll(async () => gw?.close());

  const create = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    gw.api('POST', '/v1/payments', { body: { description: 'Risk test', ...body }, idempotencyKey: key(), headers });
  const simOrders = async (): Promise<string[]> => ((await gw.sim2('GET', '/sim/orders')).body.data as { out_trade_no: string }[]).map((o) => o.out_trade_no);
  const outbox = (type: string, paymentId: string) =>
    t.db.selectFrom('outbox_events').select(['payload']).where('type', '=', type).where('dedup_key', '=', `${type}:${paymentId}`).execute();

  async function paidAndApplied(amount: number, ip: string): Promise<{ id: string; out_trade_no: string }> {
    const r = await create({ amount, payer_client_ip: ip });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await gw.simPay(r.body.out_trade_no)).status).toBe(200);
    await queryPaymentAtWechat(gw.app.ctx, gw.merchant.id, r.body.id);
    return r.body;
  }

  it('seeds the default rule set as the published global version 1', async () => {
    const row = await findPublishedRuleSet(t.db, null);
    expect(row).toMatchObject({ version: 1, status: 'published', created_by: 'system' });
    expect((row!.rules as unknown[]).length).toBeGreaterThanOrEqual(10);
  });

  it('a burst from one IP goes to review, then is blocked with no order at the simulator', async () => {
    const ip = '36.112.20.1';
    const statuses: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await create({ amount: 100 + i, payer_client_ip: ip });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      statuses.push(r.body.risk.status);
    }
    // Aggregates count earlier attempts: review from the 6th (5 in the last minute), block from the 11th.
    expect(statuses).toEqual([...Array(5).fill('clear'), ...Array(5).fill('flagged')]);
    const flagged = (await gw.api('GET', '/v1/payments?limit=1')).body.data[0];
    expect(flagged.risk.rules.map((r: { rule_id: string }) => r.rule_id)).toContain('ip-burst-review');

    const before = await simOrders();
    const blocked = await create({ amount: 999, payer_client_ip: ip, out_trade_no: 'RISKBLOCK0001' }, { 'accept-language': 'zh-CN' });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('risk_blocked');
    expect(blocked.body.error.details.reasons).toContainEqual({ rule_id: 'ip-burst-block', reason: expect.stringMatching(/IP/) });
    expect(await simOrders()).toEqual(before);
    expect(before).not.toContain('RISKBLOCK0001');
    const stored = await t.db.selectFrom('risk_decisions').selectAll().where('out_trade_no', '=', 'RISKBLOCK0001').executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ phase: 'pre_order', action: 'block' });
    expect(JSON.stringify(stored.facts)).not.toContain(ip);
    expect(await t.db.selectFrom('payments').select('id').where('out_trade_no', '=', 'RISKBLOCK0001').execute()).toEqual([]);
  });

  it('a large payment is held after payment; rejecting it refunds it in full at the simulator', async () => {
    const p = await paidAndApplied(600_000, '36.112.30.1');
    const view = (await gw.api('GET', `/v1/payments/${p.id}`)).body;
    expect(view).toMatchObject({ status: 'succeeded', risk: { status: 'in_review' } });
    const [succeeded] = await outbox('payment.succeeded', p.id);
    expect(succeeded!.payload).toMatchObject({ data: { payment: { risk: { status: 'in_review' } } } });
    expect(await outbox('payment.review_opened', p.id)).toHaveLength(1);
    const decisions = await decisionsForPayment(t.db, p.id);
    expect(decisions.map((d) => [d.phase, d.action])).toEqual([['pre_order', 'review'], ['post_payment', 'review']]);
    expect(decisions[1]!.fired.map((f) => f.rule_id)).toContain('large-amount');

    const review = (await findReviewForPayment(t.db, p.id))!;
    expect(review.status).toBe('open');
    expect(review.due_at.getTime() - review.created_at.getTime()).toBe(30 * 60_000);
    await assignReview(gw.app.ctx, reviewer, review.id, reviewer.operatorId);
    await expect(assignReview(gw.app.ctx, { operatorId: 'op_other', scope: null }, review.id, 'op_other')).rejects.toMatchObject({ code: 'review_state_conflict' });
    const rejected = await rejectReview(gw.app.ctx, reviewer, review.id, 'stolen card');
    expect(rejected).toMatchObject({ status: 'rejected', decided_by: reviewer.operatorId, note: 'stolen card' });
    expect(rejected.refund_id).toBeTruthy();

    const refund = await t.db.selectFrom('refunds').selectAll().where('id', '=', rejected.refund_id!).executeTakeFirstOrThrow();
    expect(refund).toMatchObject({ amount: 600_000, out_refund_no: riskRefundNo(review.id), reason: 'risk review rejected' });
    await waitFor(async () => (await queryRefundAtWechat(gw.app.ctx, gw.merchant.id, refund.id)).refund.status === 'succeeded');
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'refunded', refunded_amount: 600_000, risk: { status: 'rejected' } });
    const [closed] = await outbox('payment.review_closed', p.id);
    expect(closed!.payload).toMatchObject({ data: { approved: false, refund_id: refund.id } });
    await expect(approveReview(gw.app.ctx, reviewer, review.id, null)).rejects.toMatchObject({ code: 'review_state_conflict' });
  });

  it('a rejection whose refund WeChat refuses stays open to a retry, which refunds under a new number', async () => {
    const p = await paidAndApplied(530_000, '36.112.31.1');
    const review = (await findReviewForPayment(t.db, p.id))!;
    await gw.sim2('POST', '/sim/faults', { rules: [{ path: '/v3/refund/domestic/refunds', method: 'POST', error: { status: 403, code: 'NOT_ENOUGH' }, times: 1 }] });
    try {
      await expect(rejectReview(gw.app.ctx, reviewer, review.id, 'fraud')).rejects.toMatchObject({ details: { refund_id: expect.any(String) } });
    } finally {
      await gw.sim2('DELETE', '/sim/faults');
    }
    expect(await findReviewForPayment(t.db, p.id)).toMatchObject({ status: 'rejected', refund_id: null });
    expect(await outbox('payment.review_closed', p.id)).toEqual([]);
    const [refused] = await t.db.selectFrom('refunds').selectAll().where('payment_id', '=', p.id).execute();
    expect(refused).toMatchObject({ status: 'failed', out_refund_no: riskRefundNo(review.id) });

    const retried = await rejectReview(gw.app.ctx, reviewer, review.id, 'fraud');
    expect(retried.refund_id).not.toBe(refused!.id);
    const refund = await t.db.selectFrom('refunds').selectAll().where('id', '=', retried.refund_id!).executeTakeFirstOrThrow();
    expect(refund).toMatchObject({ amount: 530_000, out_refund_no: riskRefundNo(review.id, 1) });
    await waitFor(async () => (await queryRefundAtWechat(gw.app.ctx, gw.merchant.id, refund.id)).refund.status === 'succeeded');
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'refunded', refunded_amount: 530_000 });
    const [closed] = await outbox('payment.review_closed', p.id);
    expect(closed!.payload).toMatchObject({ data: { approved: false, refund_id: refund.id } });
    // Once refunded, a third rejection changes nothing.
    await expect(rejectReview(gw.app.ctx, reviewer, review.id, null)).rejects.toMatchObject({ code: 'review_state_conflict' });
  });

  it('a rejection whose refund WeChat later closes can be rejected again, which refunds under a new number', async () => {
    const p = await paidAndApplied(540_000, '36.112.32.1');
    const review = (await findReviewForPayment(t.db, p.id))!;
    await gw.sim2('POST', '/sim/faults', { refunds: { outcome: 'CLOSED' } });
    let first;
    try {
      first = await rejectReview(gw.app.ctx, reviewer, review.id, 'fraud');
    } finally {
      await gw.sim2('DELETE', '/sim/faults');
    }
    await waitFor(async () => (await queryRefundAtWechat(gw.app.ctx, gw.merchant.id, first.refund_id!)).refund.status === 'closed');
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'succeeded', refunded_amount: 0, risk: { status: 'rejected' } });

    const again = await rejectReview(gw.app.ctx, reviewer, review.id, 'fraud');
    expect(again.refund_id).not.toBe(first.refund_id);
    const refund = await t.db.selectFrom('refunds').selectAll().where('id', '=', again.refund_id!).executeTakeFirstOrThrow();
    expect(refund).toMatchObject({ amount: 540_000, out_refund_no: riskRefundNo(review.id, 1) });
    await waitFor(async () => (await queryRefundAtWechat(gw.app.ctx, gw.merchant.id, refund.id)).refund.status === 'succeeded');
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'refunded', refunded_amount: 540_000 });
    expect((await findReviewForPayment(t.db, p.id))!.refund_id).toBe(refund.id);
    const refundAudit = await t.db.selectFrom('audit_log').select(['action', 'actor_type', 'actor_id']).where('action', '=', 'refund.created').where('target_id', 'in', [first.refund_id!, refund.id]).execute();
    expect(refundAudit).toEqual([
      { action: 'refund.created', actor_type: 'operator', actor_id: reviewer.operatorId },
      { action: 'refund.created', actor_type: 'operator', actor_id: reviewer.operatorId },
    ]);
    // A refund that went through cannot be repeated by rejecting once more.
    await expect(rejectReview(gw.app.ctx, reviewer, review.id, null)).rejects.toMatchObject({ code: 'review_state_conflict' });
  });

  it('approving a held payment releases it and emits review_closed {approved: true}', async () => {
    const p = await paidAndApplied(550_000, '36.112.40.1');
    const review = (await findReviewForPayment(t.db, p.id))!;
    await approveReview(gw.app.ctx, reviewer, review.id, 'known customer');
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'succeeded', refunded_amount: 0, risk: { status: 'approved' } });
    const [closed] = await outbox('payment.review_closed', p.id);
    expect(closed!.payload).toMatchObject({ data: { approved: true } });
    const audit = await t.db.selectFrom('audit_log').selectAll().where('target_id', '=', review.id).execute();
    expect(audit.map((a) => a.action)).toContain('risk.review.approved');
  });

  it('refuses a bad expression with its position, and a shadow rule is recorded but never acts', async () => {
    const base = (await findPublishedRuleSet(t.db, null))!.rules as Record<string, unknown>[];
    const bad = { id: 'typo', expression: 'amount >= 10 && velocity.ip.count_2m > 1', action: 'block', score: 1, reason: { 'zh-CN': '错', en: 'bad' } };
    await expect(createDraft(gw.app.ctx, reviewer, { merchant_id: gw.merchant.id, rules: [bad] })).rejects.toMatchObject({
      code: 'risk_rule_set_invalid',
      details: { errors: [expect.objectContaining({ rule_id: 'typo', position: expect.objectContaining({ line: 1 }) })] },
    });
    const shadow = { id: 'shadow-4242', expression: 'amount == 4242', action: 'block', score: 100, mode: 'shadow', reason: { 'zh-CN': '影子', en: 'shadow' } };
    const draft = await createDraft(gw.app.ctx, reviewer, { merchant_id: gw.merchant.id, rules: [...base, shadow] });
    await publish(gw.app.ctx, reviewer, draft.id);
    const r = await create({ amount: 4242, payer_client_ip: '36.112.50.1' });
    expect(r.status).toBe(201);
    expect(r.body.risk).toEqual({ status: 'clear' });
    const [d] = await decisionsForPayment(t.db, r.body.id);
    expect(d).toMatchObject({ action: 'allow', rule_set_id: draft.id });
    expect(d!.shadow_fired.map((f) => f.rule_id)).toEqual(['shadow-4242']);
  });

  it('lists block an IP range and a device', async () => {
    await addListEntry(gw.app.ctx, reviewer, { merchant_id: gw.merchant.id, list: 'ip_block', value: '36.113.0.0/16' });
    await addListEntry(gw.app.ctx, reviewer, { merchant_id: null, list: 'device_block', value: 'dev-bad-1' });
    await expect(addListEntry(gw.app.ctx, reviewer, { list: 'ip_block', value: 'not-an-ip' })).rejects.toMatchObject({ code: 'risk_list_value_invalid' });
    const byIp = await create({ amount: 100, payer_client_ip: '36.113.9.9' });
    expect(byIp.status).toBe(403);
    expect(byIp.body.error.details.reasons.map((x: { rule_id: string }) => x.rule_id)).toContain('block-listed-ip');
    const byDevice = await create({ amount: 100, payer_client_ip: '36.112.60.1', device_id: 'dev-bad-1' });
    expect(byDevice.status).toBe(403);
    expect(byDevice.body.error.details.reasons.map((x: { rule_id: string }) => x.rule_id)).toContain('block-listed-device');
    const fine = await create({ amount: 100, payer_client_ip: '36.112.60.2', device_id: 'dev-good-1' });
    expect(fine.status).toBe(201);
  });

  it('backtest counts match a brute-force recount of stored payments', async () => {
    const rule = { id: 'big', expression: 'amount >= 500000', action: 'review', score: 10, reason: { 'zh-CN': '大额', en: 'big' } };
    const report = await backtestStored(gw.app.ctx, reviewer, { merchant_id: gw.merchant.id, draft_rule_set: { rules: [rule] }, days: 1 });
    const rows = await t.db.selectFrom('payments').select(['amount', 'status']).where('merchant_id', '=', gw.merchant.id).execute();
    const paid = rows.filter((r) => ['succeeded', 'partially_refunded', 'refunded'].includes(r.status));
    expect(report.payments).toBe(rows.length);
    expect(report.draft.pre_order).toEqual({ allow: rows.filter((r) => r.amount < 500000).length, review: rows.filter((r) => r.amount >= 500000).length, block: 0 });
    expect(report.draft.post_payment.review).toBe(paid.filter((r) => r.amount >= 500000).length);
    expect(report.draft.rule_hits.big).toBe(report.draft.pre_order.review + report.draft.post_payment.review);
    expect(report.active.pre_order.allow + report.active.pre_order.review + report.active.pre_order.block).toBe(rows.length);
  });

  it('a global backtest applies the global lists', async () => {
    for (const ip of ['36.112.80.1', '36.112.80.2']) expect((await create({ amount: 100, payer_client_ip: ip })).status).toBe(201);
    const entry = await addListEntry(gw.app.ctx, reviewer, { merchant_id: null, list: 'ip_allow', value: '36.112.80.0/24' });
    try {
      const rule = { id: 'allowed', expression: 'lists.ip_allowed', action: 'review', score: 1, reason: { 'zh-CN': '白名单', en: 'allowed' } };
      const report = await backtestStored(gw.app.ctx, reviewer, { merchant_id: null, draft_rule_set: { rules: [rule] }, days: 1 });
      const rows = await t.db.selectFrom('payments').select('payer_client_ip').execute();
      const inRange = rows.filter((r) => r.payer_client_ip.startsWith('36.112.80.')).length;
      expect(inRange).toBe(2);
      expect(report.payments).toBe(rows.length);
      expect(report.draft.pre_order.review).toBe(inRange);
    } finally {
      await removeListEntry(gw.app.ctx, reviewer, entry.id);
    }
  });

  it('an item past its SLA raises one review.sla_breached alert', async () => {
    const p = await paidAndApplied(520_000, '36.112.70.1');
    const review = (await findReviewForPayment(t.db, p.id))!;
    const late = { ...gw.app.ctx, clock: { now: () => review.due_at.getTime() + 1000 } };
    expect(await sweepReviewSla(late)).toBeGreaterThanOrEqual(1);
    expect(await sweepReviewSla(late)).toBe(0);
    const alerts = await t.db.selectFrom('alerts').selectAll().where('source', '=', 'review.sla_breached').execute();
    expect(alerts.filter((a) => JSON.stringify(a).includes(review.id))).toHaveLength(1);
    // The queue shows the breach, and the overdue filter finds the item only once it is past due.
    const overdueLate = await listReviewItems(late, reviewer, { overdue: 'true', merchant_id: gw.merchant.id });
    expect(overdueLate.find((r) => r.id === review.id)).toMatchObject({ sla_breached: true, due_at: review.due_at.toISOString() });
    const early = { ...gw.app.ctx, clock: { now: () => review.due_at.getTime() - 1000 } };
    expect((await listReviewItems(early, reviewer, { overdue: 'true', merchant_id: gw.merchant.id })).map((r) => r.id)).not.toContain(review.id);
  });
});
