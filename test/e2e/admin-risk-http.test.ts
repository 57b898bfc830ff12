import { afterAll, beforeAll, expect, it } from 'vitest';
import { findPublishedRuleSet } from '../../src/db/risk-rule-sets.ts';
import { queryPaymentAtWechat } from '../../src/services/payments/query-payment.ts';
import { queryRefundAtWechat } from '../../src/services/refunds/query-refund.ts';
import { adminSession, type AdminSession } from '../helpers/admin-session.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { waitFor } from '../helpers/notify-fixtures.ts';

/**
 * The risk admin API over HTTP, signed in as operators of different roles: the review queue (list,
 * claim, assign, approve, reject with a refund at the simulator), rule set versions (draft, validate
 * with positions, publish, shadow mode), lists, backtest and a payment's decisions; refusals by role
 * (403 permission_denied), by CSRF, and by merchant scope (404).
 */
let n = 0;

describeEachDb('risk admin API over HTTP', (t) => {
  let gw: Gateway;
  let reviewer: AdminSession;
  let reviewer2: AdminSession;
  let viewer: AdminSession;
  let scoped: AdminSession;

  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, workers: false });
    reviewer = await adminSession(gw, 'risk_reviewer');
    reviewer2 = await adminSession(gw, 'risk_reviewer');
    viewer = await adminSession(gw, 'viewer');
    const other = await gw.otherMerchant();
    scoped = await adminSession(gw, 'admin', { scope: [other.merchant.id] });
  }, 60_000);
  afterAll(async () => gw?.close());

  async function heldPayment(amount: number, ip: string): Promise<{ id: string; reviewId: string }> {
    const r = await gw.api('POST', '/v1/payments', { body: { amount, description: 'Held', payer_client_ip: ip }, idempotencyKey: `ar-${n++}` });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await gw.simPay(r.body.out_trade_no)).status).toBe(200);
    await queryPaymentAtWechat(gw.app.ctx, gw.merchant.id, r.body.id);
    const list = await reviewer.call('GET', `/admin/api/reviews?merchant_id=${gw.merchant.id}`);
    const item = list.body.data.find((x: { payment_id: string }) => x.payment_id === r.body.id);
    expect(item).toMatchObject({ status: 'open', merchant_id: gw.merchant.id });
    return { id: r.body.id, reviewId: item.id };
  }
  const outbox = (type: string, paymentId: string) => t.db.selectFrom('outbox_events').select('payload').where('type', '=', type).where('dedup_key', '=', `${type}:${paymentId}`).execute();

  it('claims, reassigns and approves a held payment; approval emits review_closed {approved: true}', async () => {
    const p = await heldPayment(600_000, '36.120.1.1');
    expect((await viewer.call('GET', `/admin/api/reviews/${p.reviewId}`)).body).toMatchObject({ id: p.reviewId, status: 'open' });
    const denied = await viewer.call('POST', `/admin/api/reviews/${p.reviewId}/approve`, {});
    expect([denied.status, denied.body.error.code, denied.body.error.details.permission]).toEqual([403, 'permission_denied', 'reviews.decide']);
    const noCsrf = await reviewer.call('POST', `/admin/api/reviews/${p.reviewId}/claim`, {}, { csrf: null });
    expect([noCsrf.status, noCsrf.body.error.code]).toEqual([403, 'csrf_token_invalid']);

    const claimed = await reviewer.call('POST', `/admin/api/reviews/${p.reviewId}/claim`, {});
    expect(claimed.body).toMatchObject({ status: 'claimed', assignee: reviewer.operatorId });
    const stolen = await reviewer2.call('POST', `/admin/api/reviews/${p.reviewId}/claim`, {});
    expect([stolen.status, stolen.body.error.code]).toEqual([409, 'review_state_conflict']);
    const moved = await reviewer.call('POST', `/admin/api/reviews/${p.reviewId}/assign`, { assignee: reviewer2.operatorId });
    expect(moved.body.assignee).toBe(reviewer2.operatorId);
    const mine = await reviewer2.call('GET', `/admin/api/reviews?assignee=${reviewer2.operatorId}`);
    expect(mine.body.data.map((x: { id: string }) => x.id)).toContain(p.reviewId);
    const badAssign = await reviewer.call('POST', `/admin/api/reviews/${p.reviewId}/assign`, { assignee: '' });
    expect([badAssign.status, badAssign.body.error.code]).toEqual([400, 'invalid_request']);

    const approved = await reviewer2.call('POST', `/admin/api/reviews/${p.reviewId}/approve`, { note: 'known customer' });
    expect(approved.body).toMatchObject({ status: 'approved', decided_by: reviewer2.operatorId, note: 'known customer' });
    const [closed] = await outbox('payment.review_closed', p.id);
    expect(closed!.payload).toMatchObject({ data: { approved: true } });
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'succeeded', risk: { status: 'approved' } });
    const again = await reviewer.call('POST', `/admin/api/reviews/${p.reviewId}/reject`, {});
    expect([again.status, again.body.error.code]).toEqual([409, 'review_state_conflict']);
    // Every step is audited, by whom; refused ones leave no entry.
    const audit = await t.db.selectFrom('audit_log').select(['action', 'actor_id']).where('target_id', '=', p.reviewId).orderBy('id').execute();
    expect(audit.map((a) => [a.action, a.actor_id])).toEqual([
      ['risk.review.claimed', reviewer.operatorId],
      ['risk.review.assigned', reviewer.operatorId],
      ['risk.review.approved', reviewer2.operatorId],
    ]);
  });

  it('sets a merchant\'s review SLA (audited), and new review items fall due after it', async () => {
    const path = `/admin/api/merchants/${gw.merchant.id}/risk-settings`;
    expect((await viewer.call('GET', path)).body).toMatchObject({ merchant_id: gw.merchant.id, review_sla_seconds: 1800 });
    const denied = await viewer.call('PUT', path, { review_sla_seconds: 600 });
    expect([denied.status, denied.body.error.code]).toEqual([403, 'permission_denied']);
    for (const bad of [{ review_sla_seconds: 59 }, { review_sla_seconds: 604_801 }, { review_sla_seconds: 90.5 }, { review_sla_seconds: '600' }, {}]) {
      const r = await reviewer.call('PUT', path, bad);
      expect([r.status, r.body.error.code]).toEqual([400, 'invalid_request']);
    }
    const hidden = await scoped.call('PUT', path, { review_sla_seconds: 600 });
    expect([hidden.status, hidden.body.error.code]).toEqual([404, 'merchant_not_found']);

    const set = await reviewer.call('PUT', path, { review_sla_seconds: 600 });
    expect(set.body).toMatchObject({ merchant_id: gw.merchant.id, review_sla_seconds: 600 });
    expect((await viewer.call('GET', path)).body.review_sla_seconds).toBe(600);
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'risk.settings.updated').where('target_id', '=', gw.merchant.id).execute();
    expect(audit.map((a) => [a.actor_id, a.data])).toEqual([[reviewer.operatorId, { review_sla_seconds: 600, previous_review_sla_seconds: 1800 }]]);

    const p = await heldPayment(620_000, '36.120.9.1');
    const item = (await viewer.call('GET', `/admin/api/reviews/${p.reviewId}`)).body;
    expect(Date.parse(item.due_at) - Date.parse(item.created_at)).toBe(600_000);
    await reviewer.call('PUT', path, { review_sla_seconds: 1800 });
  });

  it('rejecting a held payment refunds it in full at the simulator', async () => {
    const p = await heldPayment(700_000, '36.120.2.1');
    const rejected = await reviewer.call('POST', `/admin/api/reviews/${p.reviewId}/reject`, { note: 'stolen card' });
    expect(rejected.body).toMatchObject({ status: 'rejected', note: 'stolen card', refund_id: expect.any(String) });
    await waitFor(async () => (await queryRefundAtWechat(gw.app.ctx, gw.merchant.id, rejected.body.refund_id)).refund.status === 'succeeded');
    expect((await gw.api('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'refunded', refunded_amount: 700_000 });
    const [closed] = await outbox('payment.review_closed', p.id);
    expect(closed!.payload).toMatchObject({ data: { approved: false, refund_id: rejected.body.refund_id } });
    const audit = await t.db.selectFrom('audit_log').select(['action', 'actor_id']).where('target_id', '=', p.reviewId).execute();
    expect(audit.map((a) => [a.action, a.actor_id])).toEqual([['risk.review.rejected', reviewer.operatorId]]);

    const decisions = await viewer.call('GET', `/admin/api/risk/payments/${p.id}/decisions?merchant_id=${gw.merchant.id}`);
    expect(decisions.body.data.map((d: { phase: string; action: string }) => [d.phase, d.action])).toEqual([['pre_order', 'review'], ['post_payment', 'review']]);
    // Another merchant's operator learns nothing: the same 404 as a missing item.
    expect((await scoped.call('GET', `/admin/api/reviews/${p.reviewId}`)).body.error.code).toBe('review_not_found');
    expect((await scoped.call('POST', `/admin/api/reviews/${p.reviewId}/approve`, {})).status).toBe(404);
    const hidden = await scoped.call('GET', `/admin/api/risk/payments/${p.id}/decisions?merchant_id=${gw.merchant.id}`);
    expect([hidden.status, hidden.body.error.code]).toEqual([404, 'payment_not_found']);
    expect((await scoped.call('GET', '/admin/api/reviews')).body.data).toEqual([]);
  });

  it('drafts, validates with positions, publishes and switches a rule to shadow', async () => {
    const bad = { id: 'typo', expression: 'amount >= 10 && nosuch.fact > 1', action: 'block', score: 1, reason: { 'zh-CN': '错', en: 'bad' } };
    const v = await viewer.call('POST', '/admin/api/risk/rule-sets/validate', { rules: [bad] });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ valid: false, errors: [expect.objectContaining({ rule_id: 'typo', position: expect.objectContaining({ line: 1, column: expect.any(Number) }) })] });
    const refused = await reviewer.call('POST', '/admin/api/risk/rule-sets', { merchant_id: gw.merchant.id, rules: [bad] });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'risk_rule_set_invalid']);
    expect(refused.body.error.details.errors[0].position.line).toBe(1);
    expect((await viewer.call('POST', '/admin/api/risk/rule-sets', { merchant_id: gw.merchant.id, rules: [] })).body.error.code).toBe('permission_denied');

    const base = (await findPublishedRuleSet(t.db, null))!.rules as Record<string, unknown>[];
    const extra = { id: 'odd-9191', expression: 'amount == 9191', action: 'block', score: 100, reason: { 'zh-CN': '测试', en: 'test' } };
    const draft = await reviewer.call('POST', '/admin/api/risk/rule-sets', { merchant_id: gw.merchant.id, rules: [...base, extra] });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ status: 'draft', merchant_id: gw.merchant.id });
    const published = await reviewer.call('POST', `/admin/api/risk/rule-sets/${draft.body.id}/publish`);
    expect(published.body).toMatchObject({ id: draft.body.id, status: 'published', published_by: reviewer.operatorId });
    const publishAudit = await t.db.selectFrom('audit_log').select(['action', 'actor_id', 'data']).where('target_id', '=', draft.body.id).orderBy('id').execute();
    expect(publishAudit.map((a) => a.action)).toContain('risk.rule_set.published');
    expect(publishAudit.find((a) => a.action === 'risk.rule_set.published')).toMatchObject({ actor_id: reviewer.operatorId, data: { version: published.body.version } });
    const blocked = await gw.api('POST', '/v1/payments', { body: { amount: 9191, description: 'x', payer_client_ip: '36.120.3.1' }, idempotencyKey: `ar-${n++}` });
    expect([blocked.status, blocked.body.error.code]).toEqual([403, 'risk_blocked']);

    const badMode = await reviewer.call('PUT', `/admin/api/risk/rule-sets/${draft.body.id}/rules/odd-9191/mode`, { mode: 'sometimes' });
    expect(badMode.status).toBe(400);
    const shadowed = await reviewer.call('PUT', `/admin/api/risk/rule-sets/${draft.body.id}/rules/odd-9191/mode`, { mode: 'shadow' });
    expect(shadowed.status).toBe(200);
    expect(shadowed.body.version).toBeGreaterThan(published.body.version);
    expect(shadowed.body.rules.find((r: { id: string }) => r.id === 'odd-9191')).toMatchObject({ mode: 'shadow' });
    const versions = await viewer.call('GET', `/admin/api/risk/rule-sets?merchant_id=${gw.merchant.id}`);
    expect(versions.body.data.length).toBeGreaterThanOrEqual(2);
    if (shadowed.body.status !== 'published') await reviewer.call('POST', `/admin/api/risk/rule-sets/${shadowed.body.id}/publish`);
    const passes = await gw.api('POST', '/v1/payments', { body: { amount: 9191, description: 'x', payer_client_ip: '36.120.3.2' }, idempotencyKey: `ar-${n++}` });
    expect(passes.status).toBe(201);
    expect((await scoped.call('GET', `/admin/api/risk/rule-sets/${draft.body.id}`)).status).toBe(404);
  });

  it('adds, lists and removes list entries, refuses a bad value, and backtests a draft', async () => {
    const bad = await reviewer.call('POST', '/admin/api/risk/lists', { merchant_id: gw.merchant.id, list: 'ip_block', value: 'not-an-ip' });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'risk_list_value_invalid']);
    const added = await reviewer.call('POST', '/admin/api/risk/lists', { merchant_id: gw.merchant.id, list: 'ip_block', value: '36.121.0.0/16' });
    expect(added.status).toBe(201);
    const blocked = await gw.api('POST', '/v1/payments', { body: { amount: 100, description: 'x', payer_client_ip: '36.121.4.4' }, idempotencyKey: `ar-${n++}` });
    expect(blocked.status).toBe(403);
    const listed = await viewer.call('GET', `/admin/api/risk/lists?merchant_id=${gw.merchant.id}`);
    expect(listed.body.data.map((e: { id: string }) => e.id)).toContain(added.body.id);
    expect((await viewer.call('DELETE', `/admin/api/risk/lists/${added.body.id}`)).status).toBe(403);
    expect((await reviewer.call('DELETE', `/admin/api/risk/lists/${added.body.id}`)).status).toBe(204);
    // The list cache may hold the entry briefly; the list itself no longer shows it.
    expect((await viewer.call('GET', `/admin/api/risk/lists?merchant_id=${gw.merchant.id}`)).body.data.map((e: { id: string }) => e.id)).not.toContain(added.body.id);

    const rule = { id: 'big', expression: 'amount >= 500000', action: 'review', score: 10, reason: { 'zh-CN': '大额', en: 'big' } };
    const report = await viewer.call('POST', '/admin/api/risk/backtest', { merchant_id: gw.merchant.id, draft_rule_set: { rules: [rule] }, days: 1 });
    expect(report.status).toBe(200);
    const rows = await t.db.selectFrom('payments').select('amount').where('merchant_id', '=', gw.merchant.id).execute();
    expect(report.body.payments).toBe(rows.length);
    expect(report.body.draft.pre_order.review).toBe(rows.filter((r) => r.amount >= 500_000).length);
    const badDays = await viewer.call('POST', '/admin/api/risk/backtest', { merchant_id: gw.merchant.id, draft_rule_set: { rules: [rule] }, days: 0 });
    expect(badDays.status).toBe(400);
  });
});
