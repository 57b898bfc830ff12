import { expect } from 'vitest';
import type { Clock } from '../../src/lib/clock.ts';
import { Secret } from '../../src/lib/secret.ts';
import { totpCode } from '../../src/operators/totp.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { createOperator } from '../../src/services/operators/create-operator.ts';

/**
 * Cookie jars ("browsers") against the admin API, for tests that need several sessions of one operator,
 * raw logins (wrong passwords, TOTP codes) and onboarding as a person does it: invite → one-time
 * password → new password → TOTP enrolment → full session.
 *
 *   const admin = adminClient(gw.baseUrl);
 *   const owner = await admin.onboard(gw.app.ctx, clock, 'owner@example.com', 'owner');
 *   const r = await admin.call(owner.b, 'GET', '/admin/api/audit');
 */
export const TEST_OPERATOR_PASSWORD = 'Correct horse battery staple 42';

export interface Browser {
  cookie: string | undefined;
  csrf: string | undefined;
}

export interface BrowserResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  setCookie: string | null;
}

export function adminClient(baseUrl: string) {
  async function call(b: Browser | null, method: string, path: string, body?: unknown, opts: { csrf?: string | null; headers?: Record<string, string> } = {}): Promise<BrowserResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (b?.cookie) headers.cookie = b.cookie;
    const csrf = opts.csrf === undefined ? b?.csrf : opts.csrf;
    if (csrf) headers['x-csrf-token'] = csrf;
    const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    const setCookie = res.headers.get('set-cookie');
    if (b && setCookie) b.cookie = setCookie.split(';')[0];
    return { status: res.status, body: text ? JSON.parse(text) : undefined, setCookie };
  }

  async function login(email: string, password: string, totp?: string): Promise<{ b: Browser; res: BrowserResponse }> {
    const b: Browser = { cookie: undefined, csrf: undefined };
    const res = await call(b, 'POST', '/admin/api/session', { email, password, ...(totp ? { totp } : {}) });
    if (res.status === 201) b.csrf = res.body.csrf_token;
    return { b, res };
  }

  async function onboard(ctx: Pick<ServiceContext, 'db' | 'clock'>, clock: Clock & { advance?(ms: number): void }, email: string, role: string, scope: string[] | null = null) {
    const { oneTimePassword } = await createOperator(ctx, { type: 'cli', id: 'test' }, { email, name: `Operator ${role}`, role, merchant_scope: scope });
    const first = await login(email, oneTimePassword.reveal());
    expect([first.res.status, first.res.body.error?.code]).toEqual([201, undefined]);
    const changed = await call(first.b, 'POST', '/admin/api/me/password', { current_password: oneTimePassword.reveal(), new_password: TEST_OPERATOR_PASSWORD });
    expect([changed.status, changed.body.error?.code]).toEqual([200, undefined]);
    let seed: Secret<string> | null = null;
    if (first.res.body.totp_required) {
      const enrol = await call(first.b, 'POST', '/admin/api/me/totp/enrol');
      expect(enrol.status).toBe(200);
      seed = new Secret(enrol.body.secret as string);
      const confirm = await call(first.b, 'POST', '/admin/api/me/totp/confirm', { code: await totpCode(seed, clock.now()) });
      expect([confirm.status, confirm.body.setup_required]).toEqual([200, []]);
      clock.advance?.(30_000);
    }
    return { b: first.b, password: TEST_OPERATOR_PASSWORD, seed, id: first.res.body.id as string };
  }

  return { call, login, onboard };
}
