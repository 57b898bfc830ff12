import { expect } from 'vitest';
import type { Gateway } from './gateway.ts';
import { adminClient, type BrowserResponse } from './operator-browser.ts';

/**
 * A signed-in operator for admin API tests, in one line: a fresh operator of `role`, onboarded as a
 * person is (`adminClient().onboard`: one-time password → new password → TOTP enrolment where the role
 * requires it → full session), bound to its own cookie jar. `call` sends the session's CSRF token on
 * every request unless told otherwise. For several sessions of one operator or raw logins, use
 * `adminClient` from ./operator-browser.ts directly.
 */
let seq = 0;

export type AdminResponse = Pick<BrowserResponse, 'status' | 'body'>;

export interface AdminSession {
  operatorId: string;
  role: string;
  call(method: string, path: string, body?: unknown, opts?: { csrf?: string | null }): Promise<AdminResponse>;
}

export async function adminSession(gw: Gateway, role: string, opts: { scope?: string[] | null; nowMs?: () => number } = {}): Promise<AdminSession> {
  // The TOTP code is computed on the gateway's clock (or `nowMs`); this clock is never advanced here.
  const clock = { now: opts.nowMs ?? (() => gw.app.ctx.clock.now()) };
  const email = `${role.replace(/_/g, '-')}-${process.pid}-${seq++}@example.com`;
  const admin = adminClient(gw.baseUrl);
  const { b } = await admin.onboard(gw.app.ctx, clock, email, role, opts.scope ?? null);
  const me = await admin.call(b, 'GET', '/admin/api/me');
  expect([me.status, me.body?.email, me.body?.role]).toEqual([200, email, role]);
  return { operatorId: String(me.body.id), role, call: (method, path, body, o = {}) => admin.call(b, method, path, body, o) };
}
