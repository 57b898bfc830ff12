import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { findLeaks, type WatchedSecret } from '../helpers/leak-scan.ts';
import { adminClient, type Browser } from '../helpers/operator-browser.ts';
import { Secret } from '../../src/lib/secret.ts';
import { totpCode } from '../../src/operators/totp.ts';
import { createOperator } from '../../src/services/operators/create-operator.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { merchantInputFromSimulatorSandbox } from '../../src/services/merchants/simulator-import.ts';
import { openSecret, secretIds } from '../../src/services/custody/secrets.ts';
import { revealPayerOpenid } from '../../src/services/custody/reveal-personal-data.ts';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { ApiV3Key } from '../../src/wechatpay/aead.ts';
import { merchantPair } from './admin-credentials-keys.ts';

/** RFC 4648 Base32 (the TOTP seed's encoding) to bytes; padding and case ignored. */
function base32Bytes(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let acc = 0;
  const out: number[] = [];
  for (const ch of text.toUpperCase().replace(/=+$/, '')) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not Base32: ${ch}`);
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The raw token of an `anfu_session=…` Set-Cookie header (the sandbox runs without `__Host-`). */
function sessionTokenOf(setCookie: string | null): string {
  const m = /^(?:__Host-)?anfu_session=([A-Za-z0-9_-]{22});/.exec(setCookie ?? '');
  if (!m) throw new Error(`no session token in Set-Cookie: ${setCookie}`);
  return m[1]!;
}

/**
 * Issue 4 §7: run the money path end to end with every log line captured, then fail if any secret
 * or raw personal datum appears in the logs or anywhere in the database. An operator (a role that
 * requires TOTP) is onboarded, signs in again and works through the admin API in the same run, so
 * its passwords, TOTP seed, session tokens and CSRF tokens are watched too.
 */
describeEachDb('hygiene: no secret or personal datum in logs or in the database', (t) => {
  let gw: Gateway;
  let logs = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs += chunk.toString('utf8');
      cb();
    },
  });

  beforeAll(async () => {
    gw = await startGateway({
      database: t.handle,
      overrides: { logger: createLogger({ level: 'trace', destination: sink }), workerOptions: { sweepIntervalMs: 200, pollingIntervalSeconds: 0.5 } },
    });
  }, 60_000);
  afterAll(async () => gw?.close());

  it('pays, is notified, refunds, rotates the webhook secret — and nothing secret is logged or stored in clear', async () => {
    const created = await gw.api('POST', '/v1/payments', { body: { amount: 500, description: 'Hygiene 卫生', payer_client_ip: '36.112.10.8' }, idempotencyKey: 'hyg-1' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await gw.simPay(created.body.out_trade_no)).status).toBe(200);
    let paid: Gateway extends never ? never : { status: number; body: { status: string; payer_openid: string | null } } | undefined;
    for (let i = 0; i < 100; i++) {
      paid = await gw.api('GET', `/v1/payments/${created.body.id}`);
      if (paid?.body.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(paid!.body.status).toBe('succeeded');
    const refund = await gw.api('POST', `/v1/payments/${created.body.id}/refunds`, { body: { amount: 200 }, idempotencyKey: 'hyg-r1' });
    expect(refund.status, JSON.stringify(refund.body)).toBeLessThan(300);
    const rotated = await gw.api('POST', '/v1/webhook-endpoint/rotate-secret');
    expect(rotated.status).toBe(200);
    const ctx = gw.app.ctx;
    const previousWebhookSecret = (await openSecret(ctx, secretIds.webhookSecretPrevious(gw.merchant.id))).reveal();

    // An operator, onboarded over HTTP as a person is: one-time password → new password → TOTP
    // enrolment (a `setup` session promoted to full) → sign out → sign in with password and code →
    // admin calls → sign out. Every raw token is taken from the Set-Cookie header.
    const admin = adminClient(gw.baseUrl);
    const email = `hygiene-admin-${process.pid}@example.com`;
    const newPassword = `Hygiene operator passphrase ${process.pid} 卫生`;
    const { oneTimePassword } = await createOperator(ctx, { type: 'cli', id: 'test' }, { email, name: 'Hygiene admin', role: 'admin', merchant_scope: null });
    const first = await admin.login(email, oneTimePassword.reveal());
    expect([first.res.status, first.res.body.error?.code, first.res.body.totp_required]).toEqual([201, undefined, true]);
    const setupToken = sessionTokenOf(first.res.setCookie);
    const setupCsrf = String(first.res.body.csrf_token);
    const operatorId = String(first.res.body.id);
    const changed = await admin.call(first.b, 'POST', '/admin/api/me/password', { current_password: oneTimePassword.reveal(), new_password: newPassword });
    expect([changed.status, changed.body.error?.code]).toEqual([200, undefined]);
    const enrol = await admin.call(first.b, 'POST', '/admin/api/me/totp/enrol');
    expect(enrol.status).toBe(200);
    const seed = String(enrol.body.secret);
    expect(seed).toMatch(/^[A-Z2-7]{32}$/);
    const confirmed = await admin.call(first.b, 'POST', '/admin/api/me/totp/confirm', { code: await totpCode(new Secret(seed), ctx.clock.now()) });
    expect([confirmed.status, confirmed.body.setup_required]).toEqual([200, []]);
    expect((await admin.call(first.b, 'DELETE', '/admin/api/session')).status).toBe(204);

    // The code of the next step: the confirmation consumed this one, and one step of drift is accepted.
    const signIn = await admin.call(null, 'POST', '/admin/api/session', { email, password: newPassword, totp: await totpCode(new Secret(seed), ctx.clock.now() + 30_000) });
    expect([signIn.status, signIn.body.error?.code, signIn.body.totp_required]).toEqual([201, undefined, true]);
    const fullToken = sessionTokenOf(signIn.setCookie);
    const b: Browser = { cookie: `anfu_session=${fullToken}`, csrf: String(signIn.body.csrf_token) };
    expect(fullToken).not.toBe(setupToken);
    expect((await admin.call(b, 'GET', '/admin/api/me')).body).toMatchObject({ id: operatorId, session_stage: 'full' });
    const listed = await admin.call(b, 'GET', '/admin/api/payments');
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(JSON.stringify(listed.body)).toContain(created.body.id);
    const adminRotated = await admin.call(b, 'POST', `/admin/api/merchants/${gw.merchant.id}/webhook-endpoint/rotate-secret`);
    expect(adminRotated.status, JSON.stringify(adminRotated.body)).toBe(200);
    expect(String(adminRotated.body.secret)).not.toBe(rotated.body.secret);
    // Key material submitted through the admin API: a new APIv3 key, a staged merchant key pair, a
    // remote signer's token (then back to the local key, which destroys the token).
    const creds = `/admin/api/merchants/${gw.merchant.id}/credentials`;
    const newApiV3Key = ApiV3Key.generateString();
    expect((await admin.call(b, 'POST', `${creds}/apiv3-key`, { apiv3_key: newApiV3Key })).status).toBe(200);
    const staged = merchantPair(gw.sim.sandbox.mchid);
    const stage = await admin.call(b, 'POST', `${creds}/merchant-key/stage`, { certificate_pem: staged.certificatePem, private_key_pem: staged.privateKeyPem });
    expect(stage.status, JSON.stringify(stage.body)).toBe(201);
    const signerToken = `hygiene-signer-token-${process.pid}`.padEnd(48, 'q');
    expect((await admin.call(b, 'PUT', `${creds}/signer`, { mode: 'remote', url: 'http://127.0.0.1:9/', token: signerToken })).status).toBe(200);
    expect((await admin.call(b, 'PUT', `${creds}/signer`, { mode: 'local' })).status).toBe(200);
    const csrf = b.csrf!;
    expect((await admin.call(b, 'DELETE', '/admin/api/session')).status).toBe(204);
    const after = await admin.call({ cookie: `anfu_session=${fullToken}`, csrf }, 'GET', '/admin/api/me');
    expect([after.status, after.body.error?.code]).toEqual([401, 'session_revoked']);
    await new Promise((r) => setTimeout(r, 500));

    const reader = { actor: { type: 'operator' as const, id: 'op_hygiene' }, reason: 'hygiene test' };
    await expect(revealPayerOpenid(ctx, 'mer_someoneelse', created.body.id, reader)).rejects.toMatchObject({ code: 'payment_not_found' });
    const openid = (await revealPayerOpenid(ctx, gw.merchant.id, created.body.id, reader))!;
    expect(openid.length).toBeGreaterThan(8);
    // The view shows only a mask.
    expect(paid!.body.payer_openid).not.toBe(openid);
    expect(paid!.body.payer_openid).toMatch(/\*{4}$/);

    const input = await merchantInputFromSimulatorSandbox(gw.sim.sandboxPath);
    const pemBody = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const watched: WatchedSecret[] = [
      { label: 'APIv3 key', value: input.apiv3Key },
      { label: 'merchant private key (DER)', value: pemBody(input.merchantPrivateKeyPem) },
      { label: 'merchant API key', value: gw.apiKey },
      { label: 'webhook secret (rotated in)', value: rotated.body.secret },
      { label: 'webhook secret (previous)', value: previousWebhookSecret },
      { label: 'webhook secret (rotated in by an operator)', value: String(adminRotated.body.secret) },
      { label: 'payer openid', value: openid },
      { label: 'operator one-time password', value: oneTimePassword.reveal() },
      { label: 'operator password', value: newPassword },
      { label: 'operator TOTP seed (Base32)', value: seed },
      { label: 'operator TOTP seed (bytes)', value: base32Bytes(seed) },
      { label: 'operator session token (setup)', value: setupToken },
      { label: 'operator session token (setup, bytes)', value: Buffer.from(setupToken, 'base64url') },
      { label: 'operator session token (full)', value: fullToken },
      { label: 'operator session token (full, bytes)', value: Buffer.from(fullToken, 'base64url') },
      { label: 'operator CSRF token (setup)', value: setupCsrf },
      { label: 'operator CSRF token (full)', value: csrf },
      { label: 'APIv3 key (changed by an operator)', value: newApiV3Key },
      { label: 'staged merchant private key (DER)', value: pemBody(staged.privateKeyPem) },
      { label: 'remote signer token', value: signerToken },
    ];
    expect(base32Bytes(seed).length).toBe(20);
    expect(logs.length).toBeGreaterThan(0);
    expect(findLeaks(logs, watched), 'secrets found in the logs').toEqual([]);

    // Every column of every table, as JSON text (bytea appears hex-encoded, which the scan covers).
    const tables = await sql<{ schemaname: string; tablename: string }>`
      SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`.execute(t.db);
    let dump = '';
    for (const { schemaname, tablename } of tables.rows) {
      const rows = await sql<{ j: string }>`SELECT row_to_json(x)::text AS j FROM ${sql.table(`${schemaname}.${tablename}`)} x`.execute(t.db);
      dump += rows.rows.map((r) => r.j).join('\n');
    }
    expect(dump).toContain(gw.merchant.id);
    expect(dump).toContain(operatorId);
    // Only the session tokens' SHA-256 is stored.
    for (const token of [setupToken, fullToken]) expect(dump).toContain(createHash('sha256').update(token, 'utf8').digest('hex'));
    expect(findLeaks(dump, watched), 'secrets stored in plaintext').toEqual([]);
    expect(await verifyAuditLog(t.db)).toMatchObject({ ok: true });
    const actions = (await t.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'merchant.created', 'api_key.created', 'refund.created', 'webhook_secret.rotated', 'pii.revealed',
        'operator.created', 'operator.login', 'operator.password_changed', 'operator.totp_enabled', 'operator.logout',
        'credentials.apiv3_key.changed', 'credentials.merchant_key.staged', 'credentials.signer.remote_enabled', 'credentials.signer.local_enabled',
      ]),
    );
    const rotations = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'webhook_secret.rotated').execute();
    expect(rotations).toHaveLength(2);
    const byKey = rotations.find((r) => r.actor_type === 'merchant_api_key')!;
    expect(byKey).toMatchObject({ merchant_id: gw.merchant.id, outcome: 'success' });
    expect(byKey.actor_id).toMatch(/^key_/);
    expect(rotations.find((r) => r.actor_type === 'operator')).toMatchObject({ actor_id: operatorId, merchant_id: gw.merchant.id, outcome: 'success' });
  }, 90_000);
});
