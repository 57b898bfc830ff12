import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.ts';
import { adminClient, type Browser } from '../helpers/operator-browser.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

/**
 * The audit log over the admin API: filters (actor, action, merchant, outcome, time range), newest-first
 * cursor paging, merchant scope (a scoped operator sees only its merchants' entries), chain verification
 * (ok with head and count; a tampered entry named) and the head export; permissions and bad input.
 */
describeEachDb('admin API audit log', (t) => {
  let gw: Gateway;
  let admin: ReturnType<typeof adminClient>;
  const clock = fixedClock(Date.now());
  let owner: { b: Browser; id: string };
  let scoped: { b: Browser; id: string };
  let otherId: string;

  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, clock, workers: false });
    admin = adminClient(gw.baseUrl);
    owner = await admin.onboard(gw.app.ctx, clock, 'audit-owner@example.com', 'owner');
    const other = await gw.otherMerchant();
    otherId = other.merchant.id;
    scoped = await admin.onboard(gw.app.ctx, clock, 'audit-scoped@example.com', 'admin', [otherId]);
    // One merchant-bound change on each merchant.
    expect((await admin.call(owner.b, 'POST', `/admin/api/merchants/${gw.merchant.id}/webhook-endpoint/rotate-secret`)).status).toBe(200);
    expect((await admin.call(owner.b, 'POST', `/admin/api/merchants/${otherId}/api-keys`, { label: 'audit' })).status).toBe(201);
  });
  afterAll(async () => gw?.close());

  it('filters by actor, action (exact or prefix.*), merchant, outcome and time range', async () => {
    const mine = await admin.call(owner.b, 'GET', `/admin/api/audit?actor=${owner.id}&limit=200`);
    expect(mine.status).toBe(200);
    expect(mine.body.data.length).toBeGreaterThan(2);
    expect(new Set(mine.body.data.map((e: { actor_id: string }) => e.actor_id))).toEqual(new Set([owner.id]));
    const typed = await admin.call(owner.b, 'GET', `/admin/api/audit?actor=operator:${owner.id}&limit=200`);
    expect(typed.body.data.map((e: { seq: number }) => e.seq)).toEqual(mine.body.data.map((e: { seq: number }) => e.seq));

    const logins = await admin.call(owner.b, 'GET', '/admin/api/audit?action=operator.login&limit=200');
    expect(logins.body.data.length).toBeGreaterThanOrEqual(2);
    expect(logins.body.data.every((e: { action: string }) => e.action === 'operator.login')).toBe(true);
    const prefixed = await admin.call(owner.b, 'GET', '/admin/api/audit?action=operator.*&limit=200');
    expect(new Set(prefixed.body.data.map((e: { action: string }) => e.action.split('.')[0]))).toEqual(new Set(['operator']));
    expect(prefixed.body.data.length).toBeGreaterThan(logins.body.data.length);

    const forA = await admin.call(owner.b, 'GET', `/admin/api/audit?merchant_id=${gw.merchant.id}&limit=200`);
    expect(forA.body.data.length).toBeGreaterThan(0);
    expect(forA.body.data.every((e: { merchant_id: string }) => e.merchant_id === gw.merchant.id)).toBe(true);

    const failures = await admin.call(owner.b, 'GET', '/admin/api/audit?outcome=failure');
    expect(failures.body.data.every((e: { outcome: string }) => e.outcome === 'failure')).toBe(true);

    const future = new Date(clock.now() + 3600_000).toISOString();
    expect((await admin.call(owner.b, 'GET', `/admin/api/audit?from=${encodeURIComponent(future)}`)).body.data).toEqual([]);
    const all = await admin.call(owner.b, 'GET', `/admin/api/audit?to=${encodeURIComponent(future)}&limit=200`);
    expect(all.body.data.length).toBeGreaterThanOrEqual(mine.body.data.length);
  });

  it('records console changes once, with the operator as actor, in the change’s own transaction', async () => {
    const rotated = await admin.call(owner.b, 'GET', `/admin/api/audit?merchant_id=${gw.merchant.id}&action=webhook_secret.*`);
    expect(rotated.body.data.map((e: { actor: string }) => e.actor)).toEqual([`operator:${owner.id}`]);
    const keys = await admin.call(owner.b, 'GET', `/admin/api/audit?merchant_id=${otherId}&action=api_key.created`);
    // The helper's own key (system) and the owner's: one entry each, none written twice.
    expect(keys.body.data.map((e: { actor: string }) => e.actor).sort()).toEqual([`operator:${owner.id}`, 'system:anfu']);
  });

  it('audits a console refund, an H5 domain change, a webhook endpoint change and the head export exactly once each, as the operator', async () => {
    const pay = await gw.api('POST', '/v1/payments', { body: { amount: 300, description: 'audit refund', payer_client_ip: '36.112.10.8' }, idempotencyKey: 'audit-kinds-1' });
    expect(pay.status).toBe(201);
    expect((await gw.simPay(pay.body.out_trade_no)).status).toBe(200);
    expect((await admin.call(owner.b, 'POST', `/admin/api/payments/${pay.body.id}/query`, {})).body.payment.status).toBe('succeeded');
    const refund = await admin.call(owner.b, 'POST', `/admin/api/payments/${pay.body.id}/refunds`, { amount: 100 });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect((await admin.call(owner.b, 'PUT', `/admin/api/merchants/${gw.merchant.id}/h5-domains`, { h5_domains: ['127.0.0.1', 'shop.example.com'] })).status).toBe(200);
    const hook = await admin.call(owner.b, 'PUT', `/admin/api/merchants/${gw.merchant.id}/webhook-endpoint`, { url: 'http://127.0.0.1:9/audit-hook' });
    expect(hook.status, JSON.stringify(hook.body)).toBe(200);
    expect((await admin.call(owner.b, 'GET', '/admin/api/audit/head')).status).toBe(200);

    const rows = await t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'actor_id', 'ip', 'target_id'])
      .where('action', 'in', ['refund.created', 'merchant.h5_domains_changed', 'webhook_endpoint.updated', 'audit.head_exported'])
      .where('actor_id', '=', owner.id)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.action)).toEqual(['refund.created', 'merchant.h5_domains_changed', 'webhook_endpoint.updated', 'audit.head_exported']);
    for (const r of rows) expect([r.action, r.actor_type, r.ip]).toEqual([r.action, 'operator', '127.0.0.1']);
    expect(rows[0]!.target_id).toBe(refund.body.id);
    // The refund is recorded once, by the transaction that reserved it, and by nobody else.
    expect(await t.db.selectFrom('audit_log').select('actor_id').where('action', '=', 'refund.created').where('target_id', '=', refund.body.id).execute()).toEqual([{ actor_id: owner.id }]);
  });

  it('audits a close in the transaction that closes the payment: once, as the operator or the API key, and not for a no-op', async () => {
    const mk = async (k: string) => (await gw.api('POST', '/v1/payments', { body: { amount: 310, description: 'audit close', payer_client_ip: '36.112.10.8' }, idempotencyKey: k })).body.id as string;
    const byOperator = await mk('audit-close-1');
    const byKey = await mk('audit-close-2');
    expect((await admin.call(owner.b, 'POST', `/admin/api/payments/${byOperator}/close`, {})).body.status).toBe('closed');
    expect((await admin.call(owner.b, 'POST', `/admin/api/payments/${byOperator}/close`, {})).body.status).toBe('closed');
    expect((await gw.api('POST', `/v1/payments/${byKey}/close`)).body.status).toBe('closed');
    const rows = await t.db.selectFrom('audit_log').select(['target_id', 'actor_type', 'actor_id', 'merchant_id']).where('action', '=', 'payment.closed').where('target_id', 'in', [byOperator, byKey]).orderBy('id').execute();
    expect(rows.map((r) => [r.target_id, r.actor_type, r.merchant_id])).toEqual([
      [byOperator, 'operator', gw.merchant.id],
      [byKey, 'merchant_api_key', gw.merchant.id],
    ]);
    expect(rows[0]!.actor_id).toBe(owner.id);
  });

  it('pages newest first with a cursor, without gaps or repeats', async () => {
    const all = (await admin.call(owner.b, 'GET', '/admin/api/audit?limit=200')).body.data.map((e: { seq: number }) => e.seq);
    const seen: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const page: { body: { data: Array<{ seq: number }>; next_cursor: string | null } } = await admin.call(owner.b, 'GET', `/admin/api/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.data.map((e) => e.seq));
      cursor = page.body.next_cursor;
      if (!cursor) break;
    }
    // Reading the log is not audited, so the log did not move while paging.
    expect(seen).toEqual(all);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it('shows an operator limited to a merchant only that merchant’s entries; another merchant is 404', async () => {
    const r = await admin.call(scoped.b, 'GET', '/admin/api/audit?limit=200');
    expect(r.status).toBe(200);
    expect(r.body.data.length).toBeGreaterThan(0);
    expect(new Set(r.body.data.map((e: { merchant_id: string }) => e.merchant_id))).toEqual(new Set([otherId]));
    const refused = await admin.call(scoped.b, 'GET', `/admin/api/audit?merchant_id=${gw.merchant.id}`);
    expect([refused.status, refused.body.error.code]).toEqual([404, 'merchant_not_found']);
  });

  it('verifies the chain ({ok, head, count}), exports the head, and both are refused to roles without audit.verify', async () => {
    const v = await admin.call(owner.b, 'POST', '/admin/api/audit/verify', {});
    const rows = Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM audit_log`.execute(t.db)).rows[0]!.n);
    expect([v.status, v.body.ok, v.body.count]).toEqual([200, true, rows - 1]); // the verification run is then recorded
    expect(v.body.head).toMatch(/^[0-9a-f]{64}$/);
    const last = (await sql<{ hash: string }>`SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`.execute(t.db)).rows[0]!.hash;
    const head = await admin.call(owner.b, 'GET', '/admin/api/audit/head');
    expect([head.status, head.body.head]).toEqual([200, last]);
    const pinned = await admin.call(owner.b, 'POST', '/admin/api/audit/verify', { expected_head: '0'.repeat(64) });
    expect([pinned.body.ok, pinned.body.reason]).toEqual([false, 'anchor_not_found']);
    // The exported head stays a valid anchor while the log grows (the export and this verification are entries themselves).
    expect((await admin.call(owner.b, 'POST', `/admin/api/merchants/${gw.merchant.id}/webhook-endpoint/rotate-secret`)).status).toBe(200);
    const anchored = await admin.call(owner.b, 'POST', '/admin/api/audit/verify', { expected_head: head.body.head });
    expect([anchored.status, anchored.body.ok]).toEqual([200, true]);

    const finance = await admin.onboard(gw.app.ctx, clock, 'audit-finance@example.com', 'finance');
    expect((await admin.call(finance.b, 'GET', '/admin/api/audit')).status).toBe(200);
    for (const [m, p] of [['POST', '/admin/api/audit/verify'], ['GET', '/admin/api/audit/head']] as const) {
      const r = await admin.call(finance.b, m, p, m === 'POST' ? {} : undefined);
      expect([r.status, r.body.error.code, r.body.error.details?.permission]).toEqual([403, 'permission_denied', 'audit.verify']);
    }
    const viewer = await admin.onboard(gw.app.ctx, clock, 'audit-viewer@example.com', 'viewer');
    expect((await admin.call(viewer.b, 'GET', '/admin/api/audit')).body.error.code).toBe('permission_denied');
  });

  it('answers bad filters with clear codes', async () => {
    for (const [q, code] of [
      ['limit=0', 'invalid_request'],
      ['action=DROP%20TABLE', 'invalid_request'],
      ['cursor=abc', 'invalid_request'],
      ['from=yesterday', 'invalid_request'],
      ['unknown=1', 'invalid_request'],
      ['from=2030-02-01T00:00:00Z&to=2030-01-01T00:00:00Z', 'invalid_period'],
    ] as const) {
      const r = await admin.call(owner.b, 'GET', `/admin/api/audit?${q}`);
      expect([q, r.status, r.body.error.code]).toEqual([q, 400, code]);
    }
    expect((await admin.call(owner.b, 'POST', '/admin/api/audit/verify', { expected_head: 'nope' })).body.error.code).toBe('invalid_request');
  });

  it('names the first tampered entry', async () => {
    const victim = (await sql<{ id: number }>`SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 2`.execute(t.db)).rows[0]!.id;
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(t.db);
    await sql`UPDATE audit_log SET action = 'operator.tampered' WHERE id = ${victim}`.execute(t.db);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`.execute(t.db);
    const v = await admin.call(owner.b, 'POST', '/admin/api/audit/verify', {});
    expect([v.status, v.body.ok, v.body.first_bad_seq, v.body.reason]).toEqual([200, false, Number(victim), 'hash_mismatch']);
  });
});
