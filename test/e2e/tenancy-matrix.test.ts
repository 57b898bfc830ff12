import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertAlertIfNoneActive } from '../../src/db/alerts.ts';
import { findPublishedRuleSet } from '../../src/db/risk-rule-sets.ts';
import { insertReview } from '../../src/db/risk-reviews.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { queryPaymentAtWechat } from '../../src/services/payments/query-payment.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { adminClient } from '../helpers/operator-browser.ts';
import { routeTable, type Route } from '../helpers/route-table.ts';

/**
 * Tenant isolation, route by route. The routes come from the running server's route table, so a new
 * route fails this suite until it is classified: merchant-scoped routes are called with merchant B's
 * API key (merchant API) or an operator limited to merchant B (admin API) against merchant A's ids and
 * must answer 404 without any of A's data; collections must not list A's records.
 */
describeEachDb('tenant isolation matrix', (t) => {
  let gw: Gateway;
  let routes: Route[];
  let b: { merchant: { id: string }; apiKey: string };
  const a: Record<string, string> = {};
  let secrets: string[];

  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, workers: false });
    routes = routeTable(gw.app.server);
    b = await gw.otherMerchant();
    const pay = await gw.api('POST', '/v1/payments', { body: { amount: 500, description: 'tenant A', payer_client_ip: '36.112.10.8' }, idempotencyKey: 'ten-1' });
    expect(pay.status).toBe(201);
    expect((await gw.simPay(pay.body.out_trade_no)).status).toBe(200);
    await queryPaymentAtWechat(gw.app.ctx, gw.merchant.id, pay.body.id);
    const refund = await gw.api('POST', `/v1/payments/${pay.body.id}/refunds`, { body: { amount: 100 }, idempotencyKey: 'ten-2' });
    expect(refund.status).toBe(201);
    const event = await t.db.selectFrom('outbox_events').select('id').where('merchant_id', '=', gw.merchant.id).executeTakeFirstOrThrow();
    const key = await t.db.selectFrom('merchant_api_keys').select('id').where('merchant_id', '=', gw.merchant.id).executeTakeFirstOrThrow();
    const decision = await t.db.selectFrom('risk_decisions').select('id').where('payment_id', '=', pay.body.id).executeTakeFirstOrThrow();
    const now = new Date(systemClock.now());
    const review = await insertReview(t.db, { id: `rv_tenancy${Date.now()}`, payment_id: pay.body.id, merchant_id: gw.merchant.id, decision_id: decision.id, reason: [], due_at: new Date(now.getTime() + 3600_000), now });
    const alert = await insertAlertIfNoneActive(t.db, { id: `alt_tenancy${Date.now()}`, key: `tenancy:${gw.merchant.id}`, source: 'test', monitorId: null, merchantId: gw.merchant.id, severity: 'warning', title: 'tenant A alert', data: {}, now });
    Object.assign(a, { merchant: gw.merchant.id, payment: pay.body.id, outTradeNo: pay.body.out_trade_no, refund: refund.body.id, event: event.id, apiKey: key.id, review: review!.id, alert: alert!.id });
    secrets = [a.outTradeNo!, a.payment!, a.refund!, a.event!, gw.merchant.mchid, gw.merchant.id];
  }, 120_000);
  afterAll(async () => gw?.close());

  const noneOfA = (body: unknown, except: string[] = []) => {
    const text = JSON.stringify(body ?? null);
    for (const s of secrets.filter((x) => !except.includes(x))) expect(text, `leaks ${s}`).not.toContain(s);
  };

  it('merchant API: every route taking an id answers 404 to merchant B for merchant A’s ids; collections show B nothing of A', async () => {
    const v1 = routes.filter((r) => r.path.startsWith('/v1/'));
    const collections = ['GET /v1/payments', 'POST /v1/payments', 'GET /v1/webhook-endpoint', 'PUT /v1/webhook-endpoint', 'POST /v1/webhook-endpoint/rotate-secret'];
    const ids: Record<string, string> = { '/v1/payments/:id': a.payment!, '/v1/refunds/:id': a.refund!, '/v1/events/:id': a.event! };
    let tried = 0;
    for (const r of v1) {
      if (collections.includes(`${r.method} ${r.path}`)) continue;
      const prefix = Object.keys(ids).find((p) => r.path === p || r.path.startsWith(`${p}/`));
      expect(prefix, `unclassified merchant API route ${r.method} ${r.path}`).toBeDefined();
      const path = r.path.replace(':id', ids[prefix!]!);
      const body = r.method === 'POST' ? (r.path.endsWith('/refunds') ? { amount: 1 } : {}) : undefined;
      const res = await gw.api(r.method, path, { key: b.apiKey, body, ...(r.method === 'POST' ? { idempotencyKey: `ten-${tried}` } : {}) });
      expect([r.method, r.path, res.status]).toEqual([r.method, r.path, 404]);
      noneOfA(res.body);
      tried++;
    }
    expect(tried).toBeGreaterThanOrEqual(8);
    const list = await gw.api('GET', '/v1/payments', { key: b.apiKey });
    expect([list.status, list.body.data]).toEqual([200, []]);
    const endpoint = await gw.api('GET', '/v1/webhook-endpoint', { key: b.apiKey });
    noneOfA(endpoint.body);
    // Nothing of A moved: still one refund, not closed.
    expect((await gw.api('GET', `/v1/payments/${a.payment}`)).body).toMatchObject({ refund_count: 1, refunded_amount: 100 });
  });

  it('admin API: an operator limited to merchant B gets 404 on every merchant-scoped route with A’s ids, and lists nothing of A', async () => {
    const admin = adminClient(gw.baseUrl);
    const scoped = await admin.onboard(gw.app.ctx, systemClock, 'tenant-b@example.com', 'admin', [b.merchant.id]);
    // Merchant A's own risk rules: a draft rule set and a list entry, made by an operator of every merchant.
    const ownerA = await admin.onboard(gw.app.ctx, systemClock, 'tenant-risk-owner@example.com', 'owner');
    const baseRules = (await findPublishedRuleSet(t.db, null))!.rules as Record<string, unknown>[];
    const draft = await admin.call(ownerA.b, 'POST', '/admin/api/risk/rule-sets', { merchant_id: a.merchant, rules: baseRules });
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    const entry = await admin.call(ownerA.b, 'POST', '/admin/api/risk/lists', { merchant_id: a.merchant, list: 'ip_block', value: '36.99.0.0/16', note: 'tenant A only' });
    expect(entry.status, JSON.stringify(entry.body)).toBe(201);
    secrets.push(draft.body.id, entry.body.id, '36.99.0.0/16');
    const adminRoutes = routes.filter((r) => r.path.startsWith('/admin/api/'));
    // Not merchant-scoped: the operator's own account, rule validation (no data), the chain, the
    // installation-wide monitor defaults (only operators of every merchant change them: admin-alerts-http).
    const global = [
      /^\/admin\/api\/(session$|sessions\/|me(\/|$))/,
      /^\/admin\/api\/risk\/rule-sets\/validate$/,
      /^\/admin\/api\/audit\/(verify|head)$/,
      /^\/admin\/api\/monitors(\/:kind)?$/,
    ];
    // Creations naming the merchant in the body: A's merchant id is refused like a missing one, and nothing is made.
    const creates: Record<string, unknown> = {
      'POST /admin/api/risk/rule-sets': { merchant_id: a.merchant, rules: baseRules },
      'POST /admin/api/risk/lists': { merchant_id: a.merchant, list: 'ip_block', value: '36.98.0.0/16' },
      'POST /admin/api/risk/backtest': { merchant_id: a.merchant, draft_rule_set: { rules: baseRules }, days: 1 },
    };
    // Scoped by the operator's scope but checked elsewhere: operators (below), alert channels (admin-alerts-http).
    const elsewhere = [/^\/admin\/api\/operators/, /^\/admin\/api\/alert-channels/];
    const collections = ['/admin/api/merchants', '/admin/api/payments', '/admin/api/reviews', '/admin/api/alerts', '/admin/api/audit', '/admin/api/dashboard', '/admin/api/risk/rule-sets', '/admin/api/risk/lists'];
    const subs: Record<string, string> = { 'api-keys': a.apiKey!, events: a.event!, monitors: 'amount' };
    const ids: Array<[RegExp, string]> = [
      [/^\/admin\/api\/merchants\/:id/, a.merchant!],
      [/^\/admin\/api\/(risk\/)?payments\/:id/, a.payment!],
      [/^\/admin\/api\/reviews\/:id/, a.review!],
      [/^\/admin\/api\/alerts\/:id/, a.alert!],
      [/^\/admin\/api\/risk\/rule-sets\/:id/, draft.body.id],
      [/^\/admin\/api\/risk\/lists\/:id/, entry.body.id],
    ];
    let tried = 0;
    for (const r of adminRoutes) {
      if (global.some((g) => g.test(r.path)) || elsewhere.some((g) => g.test(r.path))) continue;
      const create = creates[`${r.method} ${r.path}`];
      if (create !== undefined) {
        const res = await admin.call(scoped.b, r.method, r.path, create);
        expect([r.method, r.path, res.status]).toEqual([r.method, r.path, 404]);
        noneOfA(res.body, [a.merchant!]);
        tried++;
        continue;
      }
      if (collections.includes(r.path) && r.method === 'GET') {
        // Risk rule sets and lists without a merchant mean the installation-wide ones, which a scoped
        // operator may not see (404); its own merchant's are listed, and nothing of A.
        const perMerchant = r.path.startsWith('/admin/api/risk/');
        const all = await admin.call(scoped.b, r.method, perMerchant ? `${r.path}?merchant_id=${b.merchant.id}` : r.path);
        expect([r.path, all.status]).toEqual([r.path, 200]);
        noneOfA(all.body);
        if (perMerchant) noneOfA((await admin.call(scoped.b, r.method, r.path)).body);
        const filtered = await admin.call(scoped.b, r.method, `${r.path}?merchant_id=${a.merchant}`);
        // Either refused (404, as for a missing merchant) or answered with nothing of A.
        expect([r.path, [200, 404].includes(filtered.status)]).toEqual([r.path, true]);
        noneOfA(filtered.body, [a.merchant!]);
        tried++;
        continue;
      }
      const hit = ids.find(([re]) => re.test(r.path));
      expect(hit, `unclassified admin route ${r.method} ${r.path}`).toBeDefined();
      const sub = /\/([a-z-]+)\/:(sub|kind)/.exec(r.path);
      const path = r.path.replace(':id', hit![1]).replace(/:(sub|kind)/, sub ? subs[sub[1]!]! : 'x').replace(':ruleId', String(baseRules[0]!.id));
      const body = ['POST', 'PUT', 'PATCH'].includes(r.method) ? bodyFor(r.path, scoped.id, baseRules) : undefined;
      // The decisions route names the merchant in the query: try A's (out of scope) and B's (A's payment is not B's).
      for (const q of r.path.startsWith('/admin/api/risk/payments/') ? [`?merchant_id=${a.merchant}`, `?merchant_id=${b.merchant.id}`] : ['']) {
        const res = await admin.call(scoped.b, r.method, path + q, body);
        expect([r.method, r.path + q, res.status]).toEqual([r.method, r.path + q, 404]);
        noneOfA(res.body, [a.merchant!, a.payment!]);
      }
      tried++;
    }
    expect(tried).toBeGreaterThanOrEqual(33);
    // Nothing of A was changed or added by B's operator.
    expect((await admin.call(ownerA.b, 'GET', `/admin/api/risk/rule-sets/${draft.body.id}`)).body).toMatchObject({ status: 'draft', merchant_id: a.merchant });
    expect((await admin.call(ownerA.b, 'GET', `/admin/api/risk/lists?merchant_id=${a.merchant}`)).body.data.map((e: { value: string }) => e.value)).toEqual(['36.99.0.0/16']);
  });

  it('operators: a scoped admin sees only operators within its scope and cannot widen any scope, its own included', async () => {
    const admin = adminClient(gw.baseUrl);
    const owner = await admin.onboard(gw.app.ctx, systemClock, 'tenant-owner@example.com', 'owner');
    const scoped = await admin.onboard(gw.app.ctx, systemClock, 'tenant-b2@example.com', 'admin', [b.merchant.id]);
    const list = await admin.call(scoped.b, 'GET', '/admin/api/operators');
    expect(list.body.data.map((o: { merchant_scope: unknown }) => o.merchant_scope)).toEqual(list.body.data.map(() => [b.merchant.id]));
    expect((await admin.call(scoped.b, 'GET', `/admin/api/operators/${owner.id}`)).status).toBe(404);
    expect((await admin.call(scoped.b, 'POST', `/admin/api/operators/${owner.id}/disable`, {})).status).toBe(404);
    const widen = await admin.call(scoped.b, 'PATCH', `/admin/api/operators/${scoped.id}`, { merchant_scope: null });
    expect([widen.status, widen.body.error.code]).toEqual([403, 'scope_exceeded']);
    const toA = await admin.call(scoped.b, 'PATCH', `/admin/api/operators/${scoped.id}`, { merchant_scope: [a.merchant] });
    expect([toA.status, toA.body.error.code]).toEqual([400, 'merchant_scope_unknown']);
    const inviteAll = await admin.call(scoped.b, 'POST', '/admin/api/operators', { email: 'wide@example.com', name: 'Wide', role: 'viewer', merchant_scope: null });
    expect([inviteAll.status, inviteAll.body.error.code]).toEqual([403, 'scope_exceeded']);
    const inviteB = await admin.call(scoped.b, 'POST', '/admin/api/operators', { email: 'narrow@example.com', name: 'Narrow', role: 'viewer', merchant_scope: [b.merchant.id] });
    expect(inviteB.status).toBe(201);
  });
});

function bodyFor(path: string, operatorId: string, rules: unknown[]): unknown {
  if (path === '/admin/api/risk/rule-sets/:id') return { rules };
  if (path.endsWith('/rules/:ruleId/mode')) return { mode: 'shadow' };
  if (path.endsWith('/h5-domains')) return { h5_domains: ['evil.example.com'] };
  if (path.endsWith('/webhook-endpoint')) return { url: 'https://evil.example.com/hook' };
  if (path.endsWith('/refunds')) return { amount: 1 };
  if (path.endsWith('/assign')) return { assignee: operatorId };
  if (path.endsWith('/reject') || path.endsWith('/approve')) return { note: 'tenancy' };
  if (path.endsWith('/monitors/:kind')) return { enabled: false };
  return {};
}
