import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { adminSession, type AdminSession } from '../helpers/admin-session.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { waitFor } from '../helpers/notify-fixtures.ts';
import { merchantPair, PRIVATE_KEY_PEM } from './admin-credentials-keys.ts';

/**
 * The WeChat credentials admin API over HTTP: a status without secret material, stable 400 codes for
 * bad keys and certificates, role refusals (403), merchant scope (404), CSRF, audit entries; and the
 * audited openid reveal (reason required, `pii.revealed`, 403 for roles without personal_data.read).
 */
const DAY = 86_400_000;

describeEachDb('WeChat credentials and openid reveal in the admin API', (t) => {
  let gw: Gateway;
  let admin: AdminSession;
  let viewer: AdminSession;
  let scoped: AdminSession;
  let otherId: string;
  let base: string;
  const logs: string[] = [];
  const submitted: string[] = [];

  beforeAll(async () => {
    // Every log line (request logging included, at debug) captured, to check no submitted secret reaches it.
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => logs.push(c.toString('utf8')));
    gw = await startGateway({ database: t.handle, overrides: { logger: createLogger({ level: 'debug', destination: sink }) } });
    admin = await adminSession(gw, 'admin');
    viewer = await adminSession(gw, 'viewer');
    otherId = (await gw.otherMerchant()).merchant.id;
    scoped = await adminSession(gw, 'owner', { scope: [otherId] });
    base = `/admin/api/merchants/${gw.merchant.id}/credentials`;
  }, 90_000);
  afterAll(async () => gw?.close());

  const audits = (action: string) => t.db.selectFrom('audit_log').select(['action', 'actor_id', 'data']).where('action', '=', action).execute();

  it('shows the status — key mode, serials, validity, public key id, platform certificates — and no secret material', async () => {
    const platformPem = readFileSync(gw.sim.sandbox.platform_certificate_path, 'utf8');
    expect((await admin.call('POST', `${base}/platform-certificates`, { pems: [platformPem] })).status).toBe(200);
    const r = await viewer.call('GET', base);
    expect(r.status).toBe(200);
    expect(r.body.key_mode).toBe('public_key');
    expect(r.body.merchant_key.active.serial).toBe(gw.sim.sandbox.merchant_serial_no);
    expect(r.body.merchant_key.staged).toBeNull();
    expect(r.body.apiv3_key).toEqual({ configured: true, previous_in_grace_until: null });
    expect(r.body.wechatpay_public_key.id).toBe(gw.sim.sandbox.wechatpay_public_key_id);
    expect(r.body.platform_certificates).toHaveLength(1);
    expect(r.body.platform_certificates[0].serial).toBe(gw.sim.merchant.platformCertificate.serial);
    expect(r.body.platform_certificates[0].days_to_expiry).toBeGreaterThan(1000);
    const text = JSON.stringify(r.body);
    expect(text).not.toMatch(PRIVATE_KEY_PEM);
    expect(text).not.toContain(gw.sim.sandbox.apiv3_key);
    expect(text).not.toContain(readFileSync(gw.sim.sandbox.merchant_private_key_path, 'utf8').split('\n')[1]);
  });

  it('warns of a staged certificate expiring within 7 days, and never echoes the submitted private key', async () => {
    const soon = merchantPair(gw.sim.sandbox.mchid, { notAfter: new Date(Date.now() + 5 * DAY) });
    const staged = await admin.call('POST', `${base}/merchant-key/stage`, { certificate_pem: soon.certificatePem, private_key_pem: soon.privateKeyPem });
    expect([staged.status, staged.body.staged_serial]).toEqual([201, soon.serial]);
    expect(JSON.stringify(staged.body)).not.toMatch(PRIVATE_KEY_PEM);
    const s = (await admin.call('GET', base)).body;
    expect(s.merchant_key.staged).toMatchObject({ serial: soon.serial, days_to_expiry: 4, warning: 'expires_in_7d' });
    expect(s.warnings).toContainEqual(expect.objectContaining({ kind: 'staged_merchant_certificate', serial: soon.serial, warning: 'expires_in_7d' }));
    expect(JSON.stringify(s)).not.toMatch(PRIVATE_KEY_PEM);
    const [entry] = (await audits('credentials.merchant_key.staged')).filter((a) => (a.data as { serial?: string }).serial === soon.serial);
    expect(entry?.actor_id).toBe(admin.operatorId);
    expect(JSON.stringify(await audits('credentials.merchant_key.staged'))).not.toMatch(PRIVATE_KEY_PEM);
  });

  it('refuses bad keys and certificates with 400 and their stable codes', async () => {
    const mchid = gw.sim.sandbox.mchid;
    const good = merchantPair(mchid);
    const other = merchantPair(mchid);
    const small = merchantPair(mchid, { bits: 1024 });
    const expired = merchantPair(mchid, { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) });
    const cases: Array<[string, string, unknown]> = [
      ['credential_malformed_pem', 'merchant-key/stage', { certificate_pem: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----', private_key_pem: good.privateKeyPem }],
      ['credential_malformed_pem', 'merchant-key/stage', { certificate_pem: good.certificatePem, private_key_pem: 'hello' }],
      ['credential_key_pair_mismatch', 'merchant-key/stage', { certificate_pem: good.certificatePem, private_key_pem: other.privateKeyPem }],
      ['credential_key_unsupported', 'merchant-key/stage', { certificate_pem: small.certificatePem, private_key_pem: small.privateKeyPem }],
      ['credential_certificate_expired', 'merchant-key/stage', { certificate_pem: expired.certificatePem, private_key_pem: expired.privateKeyPem }],
      ['credential_mchid_mismatch', 'merchant-key/stage', (() => { const p = merchantPair('1900000000'); return { certificate_pem: p.certificatePem, private_key_pem: p.privateKeyPem }; })()],
      ['credential_certificate_expired', 'platform-certificates', { pems: [expired.certificatePem] }],
      ['credential_certificates_count', 'platform-certificates', { pems: [] }],
      ['credential_apiv3_key_length', 'apiv3-key', { apiv3_key: 'short' }],
      ['credential_apiv3_key_length', 'apiv3-key', { apiv3_key: 'a'.repeat(33) }],
      ['credential_public_key_id_malformed', 'public-key', { public_key_id: 'nope', public_key_pem: good.certificatePem }],
      ['credential_private_key_supplied', 'public-key', { public_key_id: gw.sim.sandbox.wechatpay_public_key_id, public_key_pem: good.privateKeyPem }],
      ['invalid_request', 'merchant-key/stage', { certificate_pem: good.certificatePem }],
    ];
    submitted.push(good.privateKeyPem, other.privateKeyPem, small.privateKeyPem);
    for (const [code, path, body] of cases) {
      const r = await admin.call('POST', `${base}/${path}`, body);
      expect([path, r.status, r.body?.error?.code]).toEqual([path, 400, code]);
      expect(JSON.stringify(r.body)).not.toMatch(PRIVATE_KEY_PEM);
    }
    expect((await admin.call('POST', `${base}/merchant-key/retire`)).body.error.code).toBe('credential_nothing_to_retire');
  });

  it('refuses viewers (403), other merchants for a scoped operator (404) and requests without the CSRF token (403)', async () => {
    const p = merchantPair(gw.sim.sandbox.mchid);
    const stage = { certificate_pem: p.certificatePem, private_key_pem: p.privateKeyPem };
    const denied = await viewer.call('POST', `${base}/merchant-key/stage`, stage);
    expect([denied.status, denied.body.error.code, denied.body.error.details.permission]).toEqual([403, 'permission_denied', 'keys.manage']);
    expect((await viewer.call('POST', `${base}/apiv3-key`, { apiv3_key: 'k'.repeat(32) })).status).toBe(403);
    for (const [method, path] of [['GET', base], ['POST', `${base}/merchant-key/switch`], ['POST', `${base}/apiv3-key`]] as const) {
      const r = await scoped.call(method, path, method === 'POST' ? { apiv3_key: 'k'.repeat(32) } : undefined);
      expect([path, r.status, r.body.error.code]).toEqual([path, 404, 'merchant_not_found']);
    }
    expect((await scoped.call('GET', `/admin/api/merchants/${otherId}/credentials`)).status).toBe(200);
    const noCsrf = await admin.call('POST', `${base}/merchant-key/stage`, stage, { csrf: null });
    expect([noCsrf.status, noCsrf.body.error.code]).toEqual([403, 'csrf_token_invalid']);
  });

  it('reveals the payer openid with a reason, audited as pii.revealed; viewers get 403, other merchants 404', async () => {
    const created = await gw.api('POST', '/v1/payments', { body: { amount: 321, description: 'Reveal', payer_client_ip: '36.112.10.8' }, idempotencyKey: `rv-${Date.now()}` });
    expect(created.status).toBe(201);
    const paid = await gw.simPay(created.body.out_trade_no);
    const openid = paid.body.payer.openid as string;
    await waitFor(async () => (await t.db.selectFrom('payments').select('payer_openid_index').where('id', '=', created.body.id).executeTakeFirst())?.payer_openid_index);
    const path = `/admin/api/payments/${created.body.id}/reveal-openid`;

    const noReason = await admin.call('POST', path, {});
    expect([noReason.status, noReason.body.error.code]).toEqual([400, 'reveal_reason_required']);
    const forbidden = await viewer.call('POST', path, { reason: 'curious' });
    expect([forbidden.status, forbidden.body.error.code, forbidden.body.error.details.permission]).toEqual([403, 'permission_denied', 'personal_data.read']);
    expect((await scoped.call('POST', path, { reason: 'dispute 42' })).body.error.code).toBe('payment_not_found');
    expect(await audits('pii.revealed')).toEqual([]);

    const r = await admin.call('POST', path, { reason: 'dispute 42 with the payer' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ payment_id: created.body.id, payer_openid: openid });
    const entries = await audits('pii.revealed');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_id: admin.operatorId, data: { field: 'payer_openid', reason: 'dispute 42 with the payer', present: true } });
    expect(JSON.stringify(entries)).not.toContain(openid);
    const detail = await admin.call('GET', `/admin/api/payments/${created.body.id}`);
    expect(JSON.stringify(detail.body)).not.toContain(openid);
  });

  it('never writes a submitted private key or APIv3 key to the logs', async () => {
    const apiv3 = 'LogProbeApiV3Key0123456789abcdef';
    expect((await admin.call('POST', `${base}/apiv3-key`, { apiv3_key: apiv3 })).status).toBe(200);
    expect((await admin.call('POST', `${base}/apiv3-key`, { apiv3_key: `${apiv3}x` })).status).toBe(400);
    const all = logs.join('');
    expect(all.length).toBeGreaterThan(0);
    expect(all).toContain('/credentials');
    expect(all).not.toMatch(PRIVATE_KEY_PEM);
    for (const s of [...submitted, apiv3, gw.sim.sandbox.apiv3_key]) expect(all).not.toContain(s.split('\n')[1] ?? s);
  });
});
