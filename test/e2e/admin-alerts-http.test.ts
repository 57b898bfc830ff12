import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { raiseAlert } from '../../src/services/alerts/raise-alert.ts';
import { adminSession, type AdminSession } from '../helpers/admin-session.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

/**
 * Alerts, channels and monitors in the admin API over HTTP: filters and cursor paging, history,
 * acknowledge/resolve audited, channel secrets never returned, test notifications, monitor overrides,
 * role refusals (403) and merchant scope (404).
 */
const SECRET = 'whsec_alerts_http_0123456789';

describeEachDb('alerts and monitors admin API over HTTP', (t) => {
  let gw: Gateway;
  let admin: AdminSession;
  let viewer: AdminSession;
  let reviewer: AdminSession;
  let scoped: AdminSession;
  let otherId: string;
  let hook: { server: Server; url: string; got: string[] };

  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, workers: false });
    admin = await adminSession(gw, 'admin');
    viewer = await adminSession(gw, 'viewer');
    reviewer = await adminSession(gw, 'risk_reviewer');
    otherId = (await gw.otherMerchant()).merchant.id;
    scoped = await adminSession(gw, 'risk_reviewer', { scope: [otherId] });
    const got: string[] = [];
    const server = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString('utf8')));
      req.on('end', () => {
        got.push(b);
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    hook = { server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, got };
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    hook?.server.close();
  });

  const raise = (key: string, merchantId: string | null, severity: 'info' | 'warning' | 'critical' = 'warning', source = 'test.source') =>
    raiseAlert(gw.app.ctx, undefined, { key, source, severity, merchantId, title: `Alert ${key}` }).then((r) => r.alert);

  it('lists with filters and cursor pages, shows history, and acknowledges then resolves (audited)', async () => {
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await raise(`http:list:${i}`, gw.merchant.id, i === 4 ? 'critical' : 'warning'));
    const foreign = await raise('http:list:other', otherId);
    const global = await raise('http:list:global', null);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await viewer.call('GET', `/admin/api/alerts?merchant_id=${gw.merchant.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((a: { id: string }) => a.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(mine.map((a) => a.id).sort());
    const critical = await viewer.call('GET', '/admin/api/alerts?severity=critical&status=open');
    expect(critical.body.data.map((a: { id: string }) => a.id)).toEqual([mine[4]!.id]);
    const future = await viewer.call('GET', `/admin/api/alerts?from=${new Date(Date.now() + 3600_000).toISOString()}`);
    expect(future.body.data).toEqual([]);
    for (const q of ['status=bogus', 'limit=0', 'cursor=%%%', 'from=yesterday', 'unknown=1', 'from=2030-02-01T00:00:00Z&to=2030-01-01T00:00:00Z']) {
      const r = await viewer.call('GET', `/admin/api/alerts?${q}`);
      expect([q, r.status, r.body.error.code]).toEqual([q, 400, 'invalid_request']);
    }

    // A scoped operator sees its merchant's alerts only: not this merchant's, not global ones.
    const scopedList = await scoped.call('GET', '/admin/api/alerts?limit=200');
    expect(scopedList.body.data.map((a: { id: string }) => a.id)).toEqual([foreign.id]);
    for (const id of [mine[0]!.id, global.id]) {
      expect((await scoped.call('GET', `/admin/api/alerts/${id}`)).body.error.code).toBe('alert_not_found');
      expect((await scoped.call('POST', `/admin/api/alerts/${id}/acknowledge`, {})).status).toBe(404);
    }

    const id = mine[0]!.id;
    const denied = await viewer.call('POST', `/admin/api/alerts/${id}/acknowledge`, {});
    expect([denied.status, denied.body.error.code]).toEqual([403, 'permission_denied']);
    expect((await reviewer.call('POST', `/admin/api/alerts/${id}/acknowledge`, {}, { csrf: null })).body.error.code).toBe('csrf_token_invalid');
    const acked = await reviewer.call('POST', `/admin/api/alerts/${id}/acknowledge`, { note: 'looking' });
    expect(acked.body).toMatchObject({ id, status: 'acknowledged', acknowledged_by: reviewer.operatorId });
    const resolved = await reviewer.call('POST', `/admin/api/alerts/${id}/resolve`, { note: 'fixed' });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolved_by: reviewer.operatorId });
    const twice = await reviewer.call('POST', `/admin/api/alerts/${id}/resolve`, {});
    expect([twice.status, twice.body.error.code]).toEqual([409, 'alert_already_resolved']);
    expect((await reviewer.call('POST', '/admin/api/alerts/alt_nothing/resolve', {})).body.error.code).toBe('alert_not_found');

    const detail = await viewer.call('GET', `/admin/api/alerts/${id}`);
    expect(detail.body.history.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'notification_queued', 'acknowledged', 'resolved']);
    expect(detail.body.history[3]).toMatchObject({ actor: reviewer.operatorId, data: { note: 'fixed' } });
    const audit = await t.db.selectFrom('audit_log').select(['action', 'actor_id']).where('target_id', '=', id).orderBy('id').execute();
    expect(audit).toEqual([{ action: 'alert.acknowledged', actor_id: reviewer.operatorId }, { action: 'alert.resolved', actor_id: reviewer.operatorId }]);
  });

  it('creates channels whose secret is never returned, tests, disables and deletes them', async () => {
    const created = await admin.call('POST', '/admin/api/alert-channels', { kind: 'webhook', name: 'ops', url: `${hook.url}/a`, secret: SECRET, min_severity: 'info' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'webhook', merchant_id: null, min_severity: 'info', enabled: true, config: { url: `${hook.url}/a` } });
    const robot = await admin.call('POST', '/admin/api/alert-channels', { kind: 'wecom', name: 'robot', key: 'robot-key-abcdef12', merchant_id: gw.merchant.id });
    expect(robot.status).toBe(201);
    const list = await viewer.call('GET', '/admin/api/alert-channels');
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([created.body.id, robot.body.id]));
    for (const body of [created.body, robot.body, list.body]) expect(JSON.stringify(body)).not.toMatch(/whsec_alerts_http|robot-key-abcdef12/);
    const audit = await t.db.selectFrom('audit_log').selectAll().where('target_id', '=', created.body.id).execute();
    expect(audit.map((a) => a.action)).toEqual(['alert_channel.created']);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    for (const body of [null, [], 'webhook', 7]) {
      const refused = await admin.call('POST', '/admin/api/alert-channels', body);
      expect([refused.status, refused.body.error.code]).toEqual([400, 'invalid_request']);
    }

    const invalid = await admin.call('POST', '/admin/api/alert-channels', { kind: 'webhook', name: 'x', url: `${hook.url}/a`, secret: 'short' });
    expect([invalid.status, invalid.body.error.code]).toEqual([400, 'alert_channel_invalid']);
    expect(JSON.stringify(invalid.body)).not.toContain('short');
    expect((await viewer.call('POST', '/admin/api/alert-channels', { kind: 'wecom', name: 'x', key: 'abcdefgh1' })).body.error.code).toBe('permission_denied');
    const globalByScoped = await scoped.call('POST', '/admin/api/alert-channels', { kind: 'wecom', name: 'x', key: 'abcdefgh1' });
    expect([globalByScoped.status, globalByScoped.body.error.code]).toEqual([403, 'alert_channel_global_forbidden']);
    expect((await scoped.call('POST', '/admin/api/alert-channels', { kind: 'wecom', name: 'x', key: 'abcdefgh1', merchant_id: gw.merchant.id })).status).toBe(404);
    expect((await scoped.call('GET', '/admin/api/alert-channels')).body.data).toEqual([]);
    expect((await scoped.call('POST', `/admin/api/alert-channels/${created.body.id}/test`)).body.error.code).toBe('alert_channel_not_found');

    const tested = await admin.call('POST', `/admin/api/alert-channels/${created.body.id}/test`);
    expect(tested.body).toEqual({ channel_id: created.body.id, delivered: true });
    expect(JSON.parse(hook.got.at(-1)!).alert).toMatchObject({ source: 'channel.test' });
    const off = await admin.call('PATCH', `/admin/api/alert-channels/${created.body.id}`, { enabled: false });
    expect(off.body.enabled).toBe(false);
    expect((await admin.call('PATCH', `/admin/api/alert-channels/${created.body.id}`, { enabled: 'no' })).status).toBe(400);
    hook.server.close();
    await new Promise((r) => setTimeout(r, 50));
    const failed = await admin.call('POST', `/admin/api/alert-channels/${created.body.id}/test`);
    expect(failed.body).toMatchObject({ delivered: false, error: expect.stringMatching(/^connection_error/) });

    expect((await admin.call('DELETE', `/admin/api/alert-channels/${created.body.id}`)).status).toBe(204);
    expect((await admin.call('DELETE', `/admin/api/alert-channels/${created.body.id}`)).status).toBe(404);
    expect(await t.db.selectFrom('vault_secrets').select('id').where('id', '=', `alert_channel:${created.body.id}:secret`).execute()).toEqual([]);
  });

  it('lists the global monitors and lets an operator of every merchant change one (audited)', async () => {
    const list = await viewer.call('GET', '/admin/api/monitors');
    expect(list.status).toBe(200);
    expect(list.body.data.map((m: { kind: string }) => m.kind)).toEqual(expect.arrayContaining(['single_amount', 'success_rate', 'refund_amount']));
    const before = list.body.data.find((m: { kind: string }) => m.kind === 'refund_amount');
    expect(before).toMatchObject({ source: 'global', merchant_id: null, threshold: 1_000_000 });

    const body = { threshold: 2_000_000, window_seconds: 7200, severity: 'critical' };
    expect((await viewer.call('PUT', '/admin/api/monitors/refund_amount', body)).body.error.code).toBe('permission_denied');
    const scopedTry = await scoped.call('PUT', '/admin/api/monitors/refund_amount', body);
    expect([scopedTry.status, scopedTry.body.error.code]).toEqual([403, 'monitor_global_forbidden']);
    expect((await reviewer.call('PUT', '/admin/api/monitors/no_such_kind', body)).body.error.code).toBe('monitor_kind_unknown');
    expect((await reviewer.call('PUT', '/admin/api/monitors/refund_amount', { ...body, window_seconds: 10 })).status).toBe(400);

    const saved = await reviewer.call('PUT', '/admin/api/monitors/refund_amount', body);
    expect(saved.body).toMatchObject({ id: before.id, kind: 'refund_amount', source: 'global', merchant_id: null, threshold: 2_000_000, window_seconds: 7200, severity: 'critical' });
    // Every merchant without an override of the kind now gets the new default.
    const effective = await viewer.call('GET', `/admin/api/merchants/${gw.merchant.id}/monitors`);
    expect(effective.body.data.find((m: { kind: string }) => m.kind === 'refund_amount')).toMatchObject({ source: 'global', threshold: 2_000_000 });
    const audit = await t.db.selectFrom('audit_log').select(['action', 'actor_id']).where('target_id', '=', before.id).execute();
    expect(audit).toEqual([{ action: 'monitor.global_saved', actor_id: reviewer.operatorId }]);
    await reviewer.call('PUT', '/admin/api/monitors/refund_amount', { threshold: before.threshold, window_seconds: before.window_seconds, severity: before.severity });
  });

  it('shows effective monitors, saves and deletes an override, within scope and role', async () => {
    const path = `/admin/api/merchants/${gw.merchant.id}/monitors`;
    const before = await viewer.call('GET', path);
    expect(before.status).toBe(200);
    const globalsBefore = before.body.data.filter((m: { source: string }) => m.source === 'global').length;
    const saved = await reviewer.call('PUT', `${path}/refund_count`, { threshold: 7, window_seconds: 600, severity: 'critical' });
    expect(saved.body).toMatchObject({ kind: 'refund_count', source: 'override', merchant_id: gw.merchant.id, threshold: 7, enabled: true });
    const after = await viewer.call('GET', path);
    expect(after.body.data.find((m: { kind: string }) => m.kind === 'refund_count')).toMatchObject({ source: 'override', threshold: 7, severity: 'critical' });
    const updated = await reviewer.call('PUT', `${path}/refund_count`, { threshold: 9, window_seconds: 600, severity: 'warning', enabled: false });
    expect(updated.body).toMatchObject({ id: saved.body.id, threshold: 9, enabled: false });

    expect((await viewer.call('PUT', `${path}/refund_count`, { threshold: 1, window_seconds: 600, severity: 'info' })).body.error.code).toBe('permission_denied');
    expect((await reviewer.call('PUT', `${path}/no_such_kind`, { threshold: 1, window_seconds: 600, severity: 'info' })).body.error.code).toBe('monitor_kind_unknown');
    expect((await reviewer.call('PUT', `${path}/success_rate`, { threshold: 20_000, window_seconds: 600, severity: 'info' })).status).toBe(400);
    expect((await reviewer.call('PUT', `${path}/refund_count`, { threshold: -1, window_seconds: 600, severity: 'info' })).status).toBe(400);
    expect((await scoped.call('GET', path)).body.error.code).toBe('merchant_not_found');
    expect((await scoped.call('DELETE', `${path}/refund_count`)).status).toBe(404);

    expect((await reviewer.call('DELETE', `${path}/refund_count`)).status).toBe(204);
    expect((await reviewer.call('DELETE', `${path}/refund_count`)).body.error.code).toBe('monitor_override_not_found');
    const final = await viewer.call('GET', path);
    expect(final.body.data.filter((m: { source: string }) => m.source === 'override')).toEqual([]);
    expect(final.body.data.filter((m: { source: string }) => m.source === 'global').length).toBe(globalsBefore);
    const audit = await t.db.selectFrom('audit_log').select('action').where('target_id', '=', saved.body.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['monitor.override_saved', 'monitor.override_saved', 'monitor.override_deleted']);
  });
});
