import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.ts';
import { Secret } from '../../src/lib/secret.ts';
import { totpCode } from '../../src/operators/totp.ts';
import { ensureSandboxAdmin, SANDBOX_ADMIN_EMAIL } from '../../src/sandbox/sandbox-admin.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { adminClient } from '../helpers/operator-browser.ts';

/**
 * The sandbox's console owner: created once with TOTP enrolled, reused while sandbox.json still opens
 * it, and reset (new password and seed, sessions ended, audited) when that file was lost.
 */
describeEachDb('sandbox console owner', (t) => {
  let gw: Gateway;
  const clock = fixedClock(Date.now());
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, clock, workers: false });
  });
  afterAll(async () => gw?.close());

  it('is created once, reused with the previous sandbox.json, and reset without it', async () => {
    const admin = adminClient(gw.baseUrl);
    const first = await ensureSandboxAdmin(gw.app.ctx, undefined);
    expect([first.created, first.email]).toEqual([true, SANDBOX_ADMIN_EMAIL]);
    const signIn = (pw: string, seed: string) => totpCode(new Secret(seed), clock.now()).then((code) => admin.login(SANDBOX_ADMIN_EMAIL, pw, code));
    const s1 = await signIn(first.password, first.totpSecret);
    expect([s1.res.status, s1.res.body.role, s1.res.body.setup_required]).toEqual([201, 'owner', []]);

    const again = await ensureSandboxAdmin(gw.app.ctx, { admin_email: first.email, admin_password: first.password });
    expect([again.created, again.password, again.totpSecret]).toEqual([false, first.password, first.totpSecret]);
    expect((await admin.call(s1.b, 'GET', '/admin/api/me')).status).toBe(200);

    const reset = await ensureSandboxAdmin(gw.app.ctx, undefined);
    expect(reset.created).toBe(false);
    expect(reset.password).not.toBe(first.password);
    expect(reset.totpSecret).not.toBe(first.totpSecret);
    expect((await admin.call(s1.b, 'GET', '/admin/api/me')).body.error.code).toBe('session_revoked');
    clock.advance(30_000);
    expect((await signIn(first.password, first.totpSecret)).res.body.error.code).toBe('login_failed');
    clock.advance(30_000);
    expect((await signIn(reset.password, reset.totpSecret)).res.status).toBe(201);
    const entries = await t.db.selectFrom('audit_log').select('action').where('action', 'in', ['operator.created', 'operator.sandbox_admin_reset']).where('actor_id', '=', 'sandbox').execute();
    expect(entries.map((e) => e.action).sort()).toEqual(['operator.created', 'operator.sandbox_admin_reset']);
    await expect(ensureSandboxAdmin({ ...gw.app.ctx, mode: 'live' }, undefined)).rejects.toThrow(/sandbox mode only/);
  });
});
