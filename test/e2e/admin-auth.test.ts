import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.ts';
import { Secret } from '../../src/lib/secret.ts';
import { totpCode } from '../../src/operators/totp.ts';
import { createOperator } from '../../src/services/operators/create-operator.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';

/**
 * The admin API's sign-in and session rules end to end: one-time password → setup session → new
 * password + TOTP enrolment → full session; TOTP reuse, lockout, per-IP rate limit, CSRF, idle and
 * absolute expiry on an injected clock, revocation everywhere, permission refusals and merchant scope.
 */
// Real time at the start: the simulator checks request timestamps, so the one payment is made first.
const T0 = Date.now();
/** Passes the policy and contains none of the test operators' e-mails or names. */
const PASSWORD = 'Correct horse battery staple 42';

interface Browser {
  cookie: string | undefined;
  csrf: string | undefined;
}

describeEachDb('admin API sign-in, sessions and permissions', (t) => {
  let gw: Gateway;
  const clock = fixedClock(T0);
  const ctxOf = () => gw.app.ctx;

  async function call(b: Browser | null, method: string, path: string, body?: unknown, opts: { csrf?: string | null } = {}) {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (b?.cookie) headers.cookie = b.cookie;
    const csrf = opts.csrf === undefined ? b?.csrf : opts.csrf;
    if (csrf) headers['x-csrf-token'] = csrf;
    const res = await fetch(`${gw.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    const setCookie = res.headers.get('set-cookie');
    if (b && setCookie) b.cookie = setCookie.split(';')[0];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any, setCookie };
  }

  async function login(email: string, password: string, totp?: string): Promise<{ b: Browser; res: Awaited<ReturnType<typeof call>> }> {
    const b: Browser = { cookie: undefined, csrf: undefined };
    const res = await call(b, 'POST', '/admin/api/session', { email, password, ...(totp ? { totp } : {}) });
    if (res.status === 201) b.csrf = res.body.csrf_token;
    return { b, res };
  }

  /** Invite → first login → new password → TOTP enrolment; returns a full session and the seed. */
  async function onboard(email: string, role: string, scope: string[] | null = null) {
    const { oneTimePassword } = await createOperator(ctxOf(), { type: 'cli', id: 'test' }, { email, name: email.split('@')[0], role, merchant_scope: scope });
    const first = await login(email, oneTimePassword.reveal());
    expect(first.res.status).toBe(201);
    expect(first.res.body.setup_required).toContain('change_password');
    const password = PASSWORD;
    const changed = await call(first.b, 'POST', '/admin/api/me/password', { current_password: oneTimePassword.reveal(), new_password: password });
    expect([changed.status, changed.body.error?.code]).toEqual([200, undefined]);
    let seed: Secret<string> | null = null;
    if (first.res.body.totp_required) {
      const enrol = await call(first.b, 'POST', '/admin/api/me/totp/enrol');
      expect(enrol.status).toBe(200);
      seed = new Secret(enrol.body.secret as string);
      const confirm = await call(first.b, 'POST', '/admin/api/me/totp/confirm', { code: await totpCode(seed, clock.now()) });
      expect(confirm.status).toBe(200);
      expect(confirm.body.setup_required).toEqual([]);
      clock.advance(30_000);
    }
    return { b: first.b, password, seed };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let pay: { status: number; body: any };
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, clock, workers: false, overrides: { admin: { rateLimits: { login: { limit: 1000, windowMs: 60_000 } } } } });
    pay = await gw.api('POST', '/v1/payments', { body: { amount: 100, description: 'scope test', payer_client_ip: '36.112.10.8' }, idempotencyKey: 'scope-1' });
    expect([pay.status, pay.body.error]).toEqual([201, undefined]);
  });
  afterAll(async () => gw?.close());

  it('every /admin/api route declares a permission, and login answers with a session cookie and CSRF token', async () => {
    const routes = gw.app.server.printRoutes({ commonPrefix: false });
    expect(routes).toContain('/admin/api/session');
    const owner = await onboard('owner@example.com', 'owner');
    const me = await call(owner.b, 'GET', '/admin/api/me');
    expect(me.status).toBe(200);
    expect(me.body.role).toBe('owner');
    expect(me.body.csrf_token).toBe(owner.b.csrf);
    expect(JSON.stringify(me.body)).not.toMatch(/argon2|password_hash/);
  });

  it('a setup session can do nothing but set up; TOTP is required and a code works once', async () => {
    const { oneTimePassword } = await createOperator(ctxOf(), { type: 'cli', id: 'test' }, { email: 'admin2@example.com', name: 'Admin Two', role: 'admin' });
    const first = await login('admin2@example.com', oneTimePassword.reveal());
    expect((await call(first.b, 'GET', '/admin/api/payments')).body.error.code).toBe('setup_required');
    const short = await call(first.b, 'POST', '/admin/api/me/password', { current_password: oneTimePassword.reveal(), new_password: 'short' });
    expect([short.status, short.body.error.code]).toEqual([400, 'password_too_short']);
    const common = await call(first.b, 'POST', '/admin/api/me/password', { current_password: oneTimePassword.reveal(), new_password: 'password1234' });
    expect(common.body.error.code).toBe('password_common');

    const op = await onboard('admin3@example.com', 'admin');
    const noCode = await login('admin3@example.com', op.password);
    expect([noCode.res.status, noCode.res.body.error.code]).toEqual([401, 'totp_required']);
    const code = await totpCode(op.seed!, clock.now());
    expect((await login('admin3@example.com', op.password, code)).res.status).toBe(201);
    const again = await login('admin3@example.com', op.password, code);
    expect(again.res.body.error.code).toBe('totp_reused');
    expect((await login('admin3@example.com', op.password, '000000')).res.body.error.code).toMatch(/totp_invalid|totp_reused/);
  });

  it('refuses a state change without the CSRF token, and from another session', async () => {
    const a = await onboard('csrf@example.com', 'admin');
    const none = await call(a.b, 'POST', '/admin/api/operators', { email: 'x@example.com', name: 'X', role: 'viewer' }, { csrf: null });
    expect([none.status, none.body.error.code]).toEqual([403, 'csrf_token_invalid']);
    const wrong = await call(a.b, 'POST', '/admin/api/operators', { email: 'x@example.com', name: 'X', role: 'viewer' }, { csrf: 'A'.repeat(43) });
    expect(wrong.body.error.code).toBe('csrf_token_invalid');
    const ok = await call(a.b, 'POST', '/admin/api/operators', { email: 'x@example.com', name: 'X', role: 'viewer' });
    expect(ok.status).toBe(201);
    expect(ok.body.one_time_password).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
  });

  it('expires sessions after 15 idle minutes and after 12 hours whatever the activity', async () => {
    const v = await onboard('idle@example.com', 'viewer');
    clock.advance(14 * 60_000);
    expect((await call(v.b, 'GET', '/admin/api/me')).status).toBe(200);
    clock.advance(15 * 60_000 + 1);
    const idle = await call(v.b, 'GET', '/admin/api/me');
    expect([idle.status, idle.body.error.code]).toEqual([401, 'session_expired']);

    const w = await login('idle@example.com', v.password);
    // 51 × 14 min = 11 h 54 min of steady activity keeps it alive…
    for (let i = 0; i < 51; i++) {
      clock.advance(14 * 60_000);
      expect((await call(w.b, 'GET', '/admin/api/me')).status).toBe(200);
    }
    // …but 7 more minutes (idle only 7 min) pass the 12-hour limit.
    clock.advance(7 * 60_000);
    const abs = await call(w.b, 'GET', '/admin/api/me');
    expect([abs.status, abs.body.error.code]).toEqual([401, 'session_expired']);
  });

  it('rotates the session at login: the cookie the browser brought is revoked, and the new one is HttpOnly and SameSite=Strict', async () => {
    const v = await onboard('rotate@example.com', 'viewer');
    const before = v.b.cookie!;
    const csrfBefore = v.b.csrf!;
    // The same browser signs in again, carrying its current cookie.
    const again = await call(v.b, 'POST', '/admin/api/session', { email: 'rotate@example.com', password: v.password });
    expect(again.status).toBe(201);
    expect(again.setCookie).toMatch(/^anfu_session=[A-Za-z0-9_-]{22}; /);
    expect(again.setCookie).toMatch(/HttpOnly/);
    expect(again.setCookie).toMatch(/SameSite=Strict/);
    expect(v.b.cookie).not.toBe(before);
    expect(again.body.csrf_token).not.toBe(csrfBefore);
    const old = await call({ cookie: before, csrf: csrfBefore }, 'GET', '/admin/api/me');
    expect([old.status, old.body.error.code]).toEqual([401, 'session_revoked']);
    expect((await call({ cookie: v.b.cookie, csrf: again.body.csrf_token }, 'GET', '/admin/api/me')).status).toBe(200);
    // An unknown or malformed cookie is simply no session.
    expect((await call({ cookie: 'anfu_session=not-a-token', csrf: undefined }, 'GET', '/admin/api/me')).body.error.code).toBe('unauthenticated');
  });

  it('answers a malformed or wrong TOTP code with clear codes', async () => {
    const op = await onboard('badtotp@example.com', 'admin');
    for (const code of ['abc', '12345', '1234567']) {
      const r = await login('badtotp@example.com', op.password, code);
      expect([code, r.res.status, r.res.body.error.code]).toEqual([code, 401, 'totp_invalid']);
    }
    const tooLong = await login('badtotp@example.com', op.password, '1'.repeat(17));
    expect([tooLong.res.status, tooLong.res.body.error.code]).toEqual([400, 'invalid_request']);
  });

  it('signs out everywhere and rejects the old cookies', async () => {
    const v = await onboard('everywhere@example.com', 'viewer');
    const second = await login('everywhere@example.com', v.password);
    expect((await call(second.b, 'POST', '/admin/api/sessions/revoke-all')).body.revoked).toBe(2);
    expect((await call(v.b, 'GET', '/admin/api/me')).body.error.code).toBe('session_revoked');
    expect((await call(second.b, 'GET', '/admin/api/me')).status).toBe(401);
  });

  it('locks an account after 10 failures for 30 minutes, even for the right password', async () => {
    const v = await onboard('lock@example.com', 'viewer');
    for (let i = 0; i < 10; i++) expect((await login('lock@example.com', 'wrong password guess')).res.body.error.code).toBe('login_failed');
    const locked = await login('lock@example.com', v.password);
    expect([locked.res.status, locked.res.body.error.code]).toEqual([429, 'login_locked']);
    clock.advance(30 * 60_000);
    expect((await login('lock@example.com', v.password)).res.status).toBe(201);
    const unknown = await login('nobody@example.com', 'whatever password');
    expect([unknown.res.status, unknown.res.body.error.code]).toEqual([401, 'login_failed']);
  });

  it('refuses by role with 403 permission_denied and bad input with clear codes', async () => {
    const v = await onboard('viewer@example.com', 'viewer');
    const invite = await call(v.b, 'POST', '/admin/api/operators', { email: 'y@example.com', name: 'Y', role: 'viewer' });
    expect([invite.status, invite.body.error.code]).toEqual([403, 'permission_denied']);
    expect((await call(v.b, 'POST', `/admin/api/merchants/${gw.merchant.id}/api-keys`, {})).body.error.code).toBe('permission_denied');
    expect((await call(v.b, 'GET', '/admin/api/dashboard')).status).toBe(200);
    const dev = await onboard('dev@example.com', 'developer');
    expect((await call(dev.b, 'POST', `/admin/api/payments/pay_nothing/refunds`, { amount: 1 })).body.error.code).toBe('permission_denied');
    const key = await call(dev.b, 'POST', `/admin/api/merchants/${gw.merchant.id}/api-keys`, { label: 'console' });
    expect(key.status).toBe(201);
    expect(key.body.token).toMatch(/^sk_test_/);
    for (const body of ['{', '[]', '{"email": 5}', '{"email":"a@b.c","password":"x","extra":1}']) {
      const r = await fetch(`${gw.baseUrl}/admin/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(r.status).toBe(400);
    }
    expect((await call(v.b, 'GET', '/admin/api/payments?limit=0')).body.error.code).toBe('invalid_request');
    expect((await call(v.b, 'GET', '/admin/api/dashboard?from=2030-02-01T00:00:00Z&to=2030-01-01T00:00:00Z')).body.error.code).toBe('invalid_period');
  });

  it('an operator scoped to another merchant sees none of this one: 404 and no data', async () => {
    const other = await gw.otherMerchant();
    const scoped = await onboard('scoped@example.com', 'admin', [other.merchant.id]);
    const m = gw.merchant.id;
    const paths: Array<[string, string, unknown?]> = [
      ['GET', `/admin/api/merchants/${m}`],
      ['PUT', `/admin/api/merchants/${m}/h5-domains`, { h5_domains: ['evil.example.com'] }],
      ['GET', `/admin/api/merchants/${m}/api-keys`],
      ['POST', `/admin/api/merchants/${m}/api-keys`, {}],
      ['GET', `/admin/api/merchants/${m}/webhook-endpoint`],
      ['PUT', `/admin/api/merchants/${m}/webhook-endpoint`, { url: 'https://evil.example.com/hook' }],
      ['POST', `/admin/api/merchants/${m}/webhook-endpoint/rotate-secret`],
      ['GET', `/admin/api/merchants/${m}/events`],
      ['GET', `/admin/api/payments/${pay.body.id}`],
      ['POST', `/admin/api/payments/${pay.body.id}/query`],
      ['POST', `/admin/api/payments/${pay.body.id}/close`],
      ['POST', `/admin/api/payments/${pay.body.id}/refunds`, { amount: 1 }],
      ['GET', `/admin/api/dashboard?merchant_id=${m}`],
    ];
    for (const [method, path, body] of paths) {
      const r = await call(scoped.b, method, path, body);
      expect([path, r.status]).toEqual([path, 404]);
      expect(JSON.stringify(r.body)).not.toContain(pay.body.out_trade_no);
    }
    const list = await call(scoped.b, 'GET', '/admin/api/payments');
    expect(list.body.data).toEqual([]);
    expect((await call(scoped.b, 'GET', '/admin/api/merchants')).body.data.map((x: { id: string }) => x.id)).toEqual([other.merchant.id]);

        const full = await onboard('finance@example.com', 'finance');
    const detail = await call(full.b, 'GET', `/admin/api/payments/${pay.body.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.timeline.length).toBeGreaterThan(0);
    expect((await call(full.b, 'GET', '/admin/api/dashboard')).body.volume).toBeGreaterThanOrEqual(1);
  });
});
