import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { runCredentialMaintenance } from '../../src/services/credentials/credential-maintenance.ts';
import { adminSession, type AdminSession } from '../helpers/admin-session.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { merchantPair } from './admin-credentials-keys.ts';

const HOUR = 3600_000;

/** A response as WeChat signs it: SHA256withRSA over `timestamp\nnonce\nbody\n`, the key named by Wechatpay-Serial. */
function signedResponse(key: KeyObject, serial: string, body: string): { headers: Record<string, string>; body: string } {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const signature = sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${body}\n`), key).toString('base64');
  return { headers: { 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce, 'wechatpay-signature': signature, 'wechatpay-serial': serial }, body };
}

/**
 * The certificate refresh against a simulator in certificate mode, and the migration from platform
 * certificates to the WeChat Pay public key against one in `both` mode (it signs with whichever key
 * the request's Wechatpay-Serial names, as WeChat does during a migration):
 * - certificate mode refreshes the platform certificates every 12 h, keeping every still-valid one;
 * - adding the public key opens a dual-verification window in which responses signed by either key
 *   verify; the cut-over leaves the public key alone. Payments succeed in every phase, no restart.
 */
describeEachDb('platform certificates to public key, and the 12-hour certificate refresh', (t) => {
  let gw: Gateway;
  let owner: AdminSession;
  let base: string;
  let seq = 0;

  /** A gateway whose merchant is in certificate mode with no public key, as before a migration. */
  async function start(keyMode: 'certificate' | 'both'): Promise<void> {
    await gw?.close();
    gw = await startGateway({ database: t.handle, workers: false, simulator: { keyMode } });
    owner = await adminSession(gw, 'owner');
    base = `/admin/api/merchants/${gw.merchant.id}/credentials`;
    await t.db.updateTable('merchants').set({ key_mode: 'platform_certificate' }).where('id', '=', gw.merchant.id).execute();
    await t.db.updateTable('merchant_credentials').set({ wechatpay_public_key_id: null, wechatpay_public_key_pem: null }).where('merchant_id', '=', gw.merchant.id).execute();
    await gw.app.ctx.wechat.invalidate(gw.merchant.id);
  }
  afterAll(async () => gw?.close());

  const pay = async () => {
    const r = await gw.api('POST', '/v1/payments', { body: { amount: 100 + seq, description: 'Key migration', payer_client_ip: '36.112.10.8' }, idempotencyKey: `mig-${process.pid}-${seq++}` });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  };
  const byCertificate = (body: string) => signedResponse(gw.sim.merchant.platformPrivateKey, gw.sim.sandbox.platform_certificate_serial, body);
  const byPublicKey = (body: string) => signedResponse(gw.sim.merchant.wechatpayPrivateKey, gw.sim.sandbox.wechatpay_public_key_id, body);
  const verifies = async (r: { headers: Record<string, string>; body: string }) => {
    const w = await gw.app.ctx.wechat.forMerchant(gw.merchant.id);
    return w.client.validator.validate(r.headers, r.body).then(
      () => true,
      (e: { reason?: string }) => e.reason ?? String(e),
    );
  };
  const storedSerials = async () =>
    (await t.db.selectFrom('merchant_credentials').select('platform_certificates').where('merchant_id', '=', gw.merchant.id).executeTakeFirstOrThrow()).platform_certificates
      .map((c) => c.serial_no)
      .sort();

  it('certificate mode: refreshes every 12 hours, keeping every still-valid certificate and dropping expired ones', async () => {
    await start('certificate');
    const valid = merchantPair('WeChatPay', { notAfter: new Date(Date.now() + 200 * 24 * HOUR) });
    const expired = merchantPair('WeChatPay', { notBefore: new Date(Date.now() - 400 * 24 * HOUR), notAfter: new Date(Date.now() - 24 * HOUR) });
    const simCert = gw.sim.sandbox.platform_certificate_serial;
    await t.db
      .updateTable('merchant_credentials')
      .set({
        platform_certificates: JSON.stringify([
          { serial_no: valid.serial, pem: valid.certificatePem, expires_at: new Date(Date.now() + 200 * 24 * HOUR).toISOString() },
          { serial_no: expired.serial, pem: expired.certificatePem, expires_at: new Date(Date.now() - 24 * HOUR).toISOString() },
        ]),
        certificates_refreshed_at: null,
      })
      .where('merchant_id', '=', gw.merchant.id)
      .execute();
    await gw.app.ctx.wechat.invalidate(gw.merchant.id);
    expect((await runCredentialMaintenance(gw.app.ctx)).refreshed).toBe(1);
    expect(await storedSerials()).toEqual([simCert, valid.serial].sort());
    // Within 12 hours nothing is downloaded again; at 12 hours it is.
    expect((await runCredentialMaintenance(gw.app.ctx)).refreshed).toBe(0);
    const setRefreshedAgo = (ms: number) =>
      t.db.updateTable('merchant_credentials').set({ certificates_refreshed_at: new Date(Date.now() - ms) }).where('merchant_id', '=', gw.merchant.id).execute();
    await setRefreshedAgo(11 * HOUR);
    expect((await runCredentialMaintenance(gw.app.ctx)).refreshed).toBe(0);
    await setRefreshedAgo(12 * HOUR + 1000);
    expect((await runCredentialMaintenance(gw.app.ctx)).refreshed).toBe(1);
    expect(await storedSerials()).toEqual([simCert, valid.serial].sort());
    // The change of certificates is audited once (the second refresh changed nothing).
    const refreshes = await t.db.selectFrom('audit_log').select(['actor_id', 'data']).where('merchant_id', '=', gw.merchant.id).where('action', '=', 'credentials.platform_certificates.refreshed').execute();
    expect(refreshes).toEqual([{ actor_id: 'credentials-job', data: { added: [simCert], removed: [expired.serial] } }]);

    // Still certificate mode: responses signed by the platform certificate verify, the public key's do not.
    await gw.app.ctx.wechat.invalidate(gw.merchant.id);
    expect(await verifies(byCertificate('{"phase":"certificates"}'))).toBe(true);
    expect(await verifies(byPublicKey('{"phase":"certificates"}'))).toBe('unknown_serial');
    await pay();
  }, 60_000);

  it('adds the public key (dual verification: both keys verify), then cuts over (only the public key verifies)', async () => {
    await start('both');
    expect(await verifies(byCertificate('{"phase":"certificates"}'))).toBe(true);
    expect(await verifies(byPublicKey('{"phase":"certificates"}'))).toBe('unknown_serial');
    await pay();
    const pem = readFileSync(gw.sim.sandbox.wechatpay_public_key_path, 'utf8');
    const bad = await owner.call('POST', `${base}/public-key`, { public_key_id: 'KEY_1', public_key_pem: pem });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'credential_public_key_id_malformed']);
    const added = await owner.call('POST', `${base}/public-key`, { public_key_id: gw.sim.sandbox.wechatpay_public_key_id, public_key_pem: pem });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.wechatpay_public_key.dual_verification_since).toEqual(expect.any(String));
    expect(await verifies(byCertificate('{"phase":"dual"}'))).toBe(true);
    expect(await verifies(byPublicKey('{"phase":"dual"}'))).toBe(true);
    await pay();

    const cut = await owner.call('POST', `${base}/public-key/cut-over`, {});
    expect(cut.status, JSON.stringify(cut.body)).toBe(200);
    expect(cut.body.wechatpay_public_key.dual_verification_since).toBeNull();
    expect((await t.db.selectFrom('merchants').select('key_mode').where('id', '=', gw.merchant.id).executeTakeFirstOrThrow()).key_mode).toBe('public_key');
    expect(await storedSerials()).toEqual([]);
    expect(await verifies(byPublicKey('{"phase":"public key"}'))).toBe(true);
    expect(await verifies(byCertificate('{"phase":"public key"}'))).not.toBe(true);
    await pay();
    // Public-key mode does not refresh certificates.
    expect((await runCredentialMaintenance(gw.app.ctx)).refreshed).toBe(0);

    const actions = (await t.db.selectFrom('audit_log').select('action').where('merchant_id', '=', gw.merchant.id).where('action', 'like', 'credentials.%').orderBy('id').execute()).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['credentials.wechatpay_public_key.added', 'credentials.wechatpay_public_key.cut_over']));
  }, 60_000);
});
