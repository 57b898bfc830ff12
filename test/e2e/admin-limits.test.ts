import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.ts';
import { roleHas, ROLES, type Permission } from '../../src/services/operators/permissions.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { adminClient } from '../helpers/operator-browser.ts';

/**
 * The permission matrix over HTTP (each role against one route per permission, the code's matrix as
 * the oracle), sign-out, and the two per-IP limits: sign-in attempts and every admin API request.
 */
const LOGIN_LIMIT = 8;
const API_LIMIT = 300;

/** One route per permission; ids that do not exist, so an allowed call ends in 404/400, never 403. */
const PROBES: Array<[Permission, string, string, unknown?]> = [
  ['dashboard.read', 'GET', '/admin/api/dashboard'],
  ['payments.read', 'GET', '/admin/api/payments'],
  ['payments.act', 'POST', '/admin/api/payments/pay_none/query', {}],
  ['refunds.create', 'POST', '/admin/api/payments/pay_none/refunds', { amount: 1 }],
  ['merchants.read', 'GET', '/admin/api/merchants'],
  ['merchants.manage', 'PUT', '/admin/api/merchants/mer_none/h5-domains', { h5_domains: ['shop.example.com'] }],
  ['api_keys.manage', 'POST', '/admin/api/merchants/mer_none/api-keys', {}],
  ['webhooks.manage', 'POST', '/admin/api/merchants/mer_none/webhook-endpoint/rotate-secret', {}],
  ['reviews.read', 'GET', '/admin/api/reviews'],
  ['reviews.decide', 'POST', '/admin/api/reviews/rv_none/claim', {}],
  ['rules.read', 'GET', '/admin/api/risk/rule-sets'],
  ['rules.manage', 'POST', '/admin/api/risk/lists', {}],
  ['alerts.read', 'GET', '/admin/api/alerts'],
  ['alerts.manage', 'POST', '/admin/api/alerts/alt_none/acknowledge', {}],
  ['monitors.manage', 'DELETE', '/admin/api/merchants/mer_none/monitors/amount'],
  ['audit.read', 'GET', '/admin/api/audit'],
  ['audit.verify', 'GET', '/admin/api/audit/head'],
  ['operators.read', 'GET', '/admin/api/operators'],
  ['operators.manage', 'POST', '/admin/api/operators/op_none/reset-2fa', {}],
];

describeEachDb('admin API permissions by role, sign-out and per-IP limits', (t) => {
  let gw: Gateway;
  let admin: ReturnType<typeof adminClient>;
  const clock = fixedClock(Date.now());
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, clock, workers: false, overrides: { admin: { rateLimits: { login: { limit: LOGIN_LIMIT, windowMs: 10 * 60_000 }, api: { limit: API_LIMIT, windowMs: 60_000 } } } } });
    admin = adminClient(gw.baseUrl);
  });
  afterAll(async () => gw?.close());

  it('allows each role exactly its permissions and refuses the rest with 403 permission_denied naming the permission', async () => {
    for (const role of ROLES) {
      const op = await admin.onboard(gw.app.ctx, clock, `matrix-${role.replace('_', '-')}@example.com`, role);
      for (const [permission, method, path, body] of PROBES) {
        const r = await admin.call(op.b, method, path, body);
        if (roleHas(role, permission)) expect([role, permission, r.status === 403]).toEqual([role, permission, false]);
        else expect([role, permission, r.status, r.body.error.code, r.body.error.details.permission]).toEqual([role, permission, 403, 'permission_denied', permission]);
      }
    }
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    clock.advance(61_000);
    const op = await admin.login('matrix-viewer@example.com', 'Correct horse battery staple 42');
    expect(op.res.status).toBe(201);
    const cookie = op.b.cookie;
    const out = await admin.call(op.b, 'DELETE', '/admin/api/session');
    expect(out.status).toBe(204);
    expect(out.setCookie).toMatch(/Max-Age=0/);
    const after = await admin.call({ cookie, csrf: op.b.csrf }, 'GET', '/admin/api/me');
    expect([after.status, after.body.error.code]).toEqual([401, 'session_revoked']);
    const noCookie = await admin.call(null, 'GET', '/admin/api/me');
    expect([noCookie.status, noCookie.body.error.code]).toEqual([401, 'unauthenticated']);
  });

  it('limits sign-in attempts per IP (429 login_rate_limited with retry_after_seconds), then lets them through again', async () => {
    clock.advance(11 * 60_000); // a fresh login window
    for (let i = 0; i < LOGIN_LIMIT; i++) expect((await admin.login(`nobody${i}@example.com`, 'wrong password here')).res.body.error.code).toBe('login_failed');
    const limited = await admin.login('matrix-viewer@example.com', 'Correct horse battery staple 42');
    expect([limited.res.status, limited.res.body.error.code]).toEqual([429, 'login_rate_limited']);
    expect(limited.res.body.error.details.retry_after_seconds).toBeGreaterThan(0);
    clock.advance(10 * 60_000 + 1000);
    expect((await admin.login('matrix-viewer@example.com', 'Correct horse battery staple 42')).res.status).toBe(201);
  });

  it('limits every admin API request per IP (429 rate_limited with Retry-After)', async () => {
    clock.advance(61_000);
    let limited: Awaited<ReturnType<typeof admin.call>> | undefined;
    let res: Response | undefined;
    for (let i = 0; i <= API_LIMIT && !limited; i++) {
      res = await fetch(`${gw.baseUrl}/admin/api/me`);
      if (res.status === 429) limited = { status: 429, body: await res.json(), setCookie: null };
      else await res.text();
    }
    expect(limited?.body.error.code).toBe('rate_limited');
    expect(Number(res!.headers.get('retry-after'))).toBeGreaterThan(0);
    clock.advance(61_000);
    expect((await fetch(`${gw.baseUrl}/admin/api/me`)).status).toBe(401);
  });
});
