import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminSession } from '../helpers/admin-session.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { createSigningService } from '../../src/credentials/signing-service.ts';
import { Secret } from '../../src/lib/secret.ts';
import { listPaymentEvents } from '../../src/db/payment-events.ts';
import { queryPaymentAtWechat } from '../../src/services/payments/query-payment.ts';
import { useLocalSigner, useRemoteSigner } from '../../src/services/credentials/signer-mode.ts';
import { loadPrivateKey } from '../../src/wechatpay/keys.ts';

const body = (over: Record<string, unknown> = {}) => ({ amount: 880, description: 'Remote signed 远程签名', payer_client_ip: '36.112.10.8', ...over });
const TOKEN = 'signer-token-'.padEnd(48, 'x');
const WRONG = 'wrong-token-'.padEnd(48, 'y');
const by = { actor: { type: 'system' as const, id: 'remote-signer-test' } };

describeEachDb('merchant signs through a remote signing service', (t) => {
  let gw: Gateway;
  let service: Server;
  let serviceUrl: string;
  let signed = 0;

  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, workers: false });
    // The reference signing service on loopback, holding the simulator merchant's key (from sandbox.json).
    const sandbox = JSON.parse(readFileSync(gw.sim.sandboxPath, 'utf8')) as { merchant_serial_no: string; merchant_private_key_path: string };
    const pem = readFileSync(resolve(dirname(gw.sim.sandboxPath), sandbox.merchant_private_key_path), 'utf8');
    service = createSigningService({ keys: { [gw.merchant.merchantSerial]: loadPrivateKey(pem) }, token: new Secret(TOKEN) });
    service.on('request', () => signed++);
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await gw?.close();
    await new Promise((r) => service?.close(r));
  });

  const row = () => t.db.selectFrom('merchant_credentials').select(['signer_mode', 'remote_signer_url']).where('merchant_id', '=', gw.merchant.id).executeTakeFirstOrThrow();

  it('refuses a non-https URL outside loopback and a short token, changing nothing', async () => {
    await expect(useRemoteSigner(gw.app.ctx, gw.merchant.id, { url: 'http://signer.example.com', token: TOKEN }, by)).rejects.toMatchObject({ code: 'url_must_be_https' });
    await expect(useRemoteSigner({ ...gw.app.ctx, mode: 'live' }, gw.merchant.id, { url: serviceUrl, token: TOKEN }, by)).rejects.toMatchObject({ code: 'url_must_be_https' });
    await expect(useRemoteSigner(gw.app.ctx, gw.merchant.id, { url: serviceUrl, token: 'short' }, by)).rejects.toMatchObject({ code: 'remote_signer_token_invalid' });
    await expect(useRemoteSigner(gw.app.ctx, gw.merchant.id, { url: serviceUrl }, by)).rejects.toMatchObject({ code: 'remote_signer_config_invalid' });
    await expect(useLocalSigner(gw.app.ctx, gw.merchant.id, by)).rejects.toMatchObject({ code: 'signer_already_local' });
    expect(await row()).toEqual({ signer_mode: 'local', remote_signer_url: null });
  });

  it('signs through the service: the simulator accepts the signature and the order is created', async () => {
    await useRemoteSigner(gw.app.ctx, gw.merchant.id, { url: serviceUrl, token: TOKEN }, by);
    expect(await row()).toMatchObject({ signer_mode: 'remote' });
    const sealed = await t.db.selectFrom('vault_secrets').select('envelope').where('id', '=', `merchant:${gw.merchant.id}:remote_signer_token`).executeTakeFirstOrThrow();
    expect(JSON.stringify(sealed)).not.toContain(TOKEN);
    const before = signed;
    const res = await gw.api('POST', '/v1/payments', { body: body(), idempotencyKey: 'remote-1' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.status).toBe('pending');
    expect(signed).toBeGreaterThan(before);
    // Querying at WeChat (signed remotely too) proves the simulator holds the order.
    const q = await queryPaymentAtWechat(gw.app.ctx, gw.merchant.id, res.body.id);
    expect(q.found).toBe(true);
  });

  it('a wrong token: the payment fails with remote_signer_unauthorized before WeChat, the reserved row stays created', async () => {
    await useRemoteSigner(gw.app.ctx, gw.merchant.id, { url: serviceUrl, token: WRONG }, by);
    const res = await gw.api('POST', '/v1/payments', { body: body({ out_trade_no: 'REMOTEWRONG0001' }), idempotencyKey: 'remote-wrong' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('remote_signer_unauthorized');
    const p = await t.db.selectFrom('payments').select(['id', 'status', 'h5_url']).where('out_trade_no', '=', 'REMOTEWRONG0001').executeTakeFirstOrThrow();
    // Reserved (committed) before the call; nothing reached WeChat, so nothing else is written.
    expect(p).toMatchObject({ status: 'created', h5_url: null });
    expect((await listPaymentEvents(t.db, p.id)).map((e) => e.kind)).toEqual(['created']);

    // Back to the local key: the same request re-enters and heals the reserved payment.
    await useLocalSigner(gw.app.ctx, gw.merchant.id, by);
    expect(await row()).toEqual({ signer_mode: 'local', remote_signer_url: null });
    expect(await t.db.selectFrom('vault_secrets').select('id').where('id', '=', `merchant:${gw.merchant.id}:remote_signer_token`).executeTakeFirst()).toBeUndefined();
    const before = signed;
    const again = await gw.api('POST', '/v1/payments', { body: body({ out_trade_no: 'REMOTEWRONG0001' }), idempotencyKey: 'remote-wrong' });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body).toMatchObject({ id: p.id, status: 'pending' });
    expect(signed).toBe(before);

    const audit = await t.db.selectFrom('audit_log').select(['action', 'data']).where('action', 'like', 'credentials.signer.%').orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['credentials.signer.remote_enabled', 'credentials.signer.remote_enabled', 'credentials.signer.local_enabled']);
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
    expect(JSON.stringify(audit)).not.toContain(WRONG);
  });

  it('is selected from the admin API (keys.manage): remote with url and token, then local again; the token never comes back', async () => {
    const owner = await adminSession(gw, 'owner');
    const viewer = await adminSession(gw, 'viewer');
    const path = `/admin/api/merchants/${gw.merchant.id}/credentials/signer`;
    const denied = await viewer.call('PUT', path, { mode: 'remote', url: serviceUrl, token: TOKEN });
    expect([denied.status, denied.body.error.code]).toEqual([403, 'permission_denied']);
    const noCsrf = await owner.call('PUT', path, { mode: 'remote', url: serviceUrl, token: TOKEN }, { csrf: null });
    expect([noCsrf.status, noCsrf.body.error.code]).toEqual([403, 'csrf_token_invalid']);
    for (const [input, code] of [
      [{ mode: 'remote', url: serviceUrl, token: 'short' }, 'remote_signer_token_invalid'],
      [{ mode: 'remote', url: 'http://signer.example.com', token: TOKEN }, 'url_must_be_https'],
      [{ mode: 'hsm' }, 'invalid_request'],
    ] as const) {
      const r = await owner.call('PUT', path, input);
      expect([r.status, r.body.error.code]).toEqual([400, code]);
    }
    expect(await row()).toEqual({ signer_mode: 'local', remote_signer_url: null });

    const remote = await owner.call('PUT', path, { mode: 'remote', url: serviceUrl, token: TOKEN });
    expect([remote.status, remote.body.signer]).toEqual([200, { mode: 'remote', url: `${serviceUrl}/` }]);
    expect(JSON.stringify(remote.body)).not.toContain(TOKEN);
    expect((await viewer.call('GET', `/admin/api/merchants/${gw.merchant.id}/credentials`)).body.signer.mode).toBe('remote');
    const before = signed;
    const res = await gw.api('POST', '/v1/payments', { body: body(), idempotencyKey: 'remote-admin-1' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(signed).toBeGreaterThan(before);

    const local = await owner.call('PUT', path, { mode: 'local' });
    expect([local.status, local.body.signer]).toEqual([200, { mode: 'local', url: null }]);
    const audit = await t.db.selectFrom('audit_log').select(['action', 'actor_id']).where('action', 'like', 'credentials.signer.%').orderBy('id', 'desc').limit(2).execute();
    expect(audit).toEqual([
      { action: 'credentials.signer.local_enabled', actor_id: owner.operatorId },
      { action: 'credentials.signer.remote_enabled', actor_id: owner.operatorId },
    ]);
  });
});
