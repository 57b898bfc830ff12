import { expect } from 'vitest';
import { Secret } from '../../src/lib/secret.ts';
import { totpCode } from '../../src/operators/totp.ts';
import { createOperator } from '../../src/services/operators/create-operator.ts';
import type { Gateway } from './gateway.ts';

/**
 * A signed-in operator for admin API tests, made the way a person is: created through the operators
 * service (as `anfu admin create` does), then signed in over HTTP with the one-time password, a new
 * password and — for roles that require it — TOTP enrolment, giving a full session cookie and its
 * CSRF token. `call` sends the token on every request unless told otherwise.
 */
const PASSWORD = 'Correct horse battery staple 42';
let seq = 0;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface AdminResponse { status: number; body: any }

export interface AdminSession {
  operatorId: string;
  role: string;
  call(method: string, path: string, body?: unknown, opts?: { csrf?: string | null }): Promise<AdminResponse>;
}

export async function adminSession(gw: Gateway, role: string, opts: { scope?: string[] | null; nowMs?: () => number } = {}): Promise<AdminSession> {
  const now = opts.nowMs ?? (() => gw.app.ctx.clock.now());
  const email = `${role.replace(/_/g, '-')}-${process.pid}-${seq++}@example.com`;
  const created = await createOperator(gw.app.ctx, { type: 'cli', id: 'test' }, { email, name: `Test ${role}`, role, merchant_scope: opts.scope ?? null });
  const state: { cookie?: string | undefined; csrf?: string | undefined } = {};

  async function call(method: string, path: string, body?: unknown, o: { csrf?: string | null } = {}): Promise<AdminResponse> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (state.cookie) headers.cookie = state.cookie;
    const token = o.csrf === undefined ? state.csrf : o.csrf;
    if (token) headers['x-csrf-token'] = token;
    const res = await fetch(`${gw.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) state.cookie = setCookie.split(';')[0];
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  const login = await call('POST', '/admin/api/session', { email, password: created.oneTimePassword.reveal() });
  expect([login.status, login.body?.error?.code]).toEqual([201, undefined]);
  state.csrf = login.body.csrf_token;
  const changed = await call('POST', '/admin/api/me/password', { current_password: created.oneTimePassword.reveal(), new_password: PASSWORD });
  expect([changed.status, changed.body?.error?.code]).toEqual([200, undefined]);
  if (login.body.totp_required) {
    const enrol = await call('POST', '/admin/api/me/totp/enrol');
    expect(enrol.status).toBe(200);
    const confirm = await call('POST', '/admin/api/me/totp/confirm', { code: await totpCode(new Secret(String(enrol.body.secret)), now()) });
    expect([confirm.status, confirm.body?.setup_required]).toEqual([200, []]);
  }
  const me = await call('GET', '/admin/api/me');
  expect(me.status).toBe(200);
  return { operatorId: String(me.body.id), role, call };
}
