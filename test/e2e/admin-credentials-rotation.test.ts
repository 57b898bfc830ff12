import { afterAll, beforeAll, expect, it } from 'vitest';
import { expireApiV3Grace } from '../../src/services/credentials/apiv3-key-change.ts';
import { loadCertificate } from '../../src/wechatpay/keys.ts';
import { adminSession, type AdminSession } from '../helpers/admin-session.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { waitFor } from '../helpers/notify-fixtures.ts';
import { merchantPair, PRIVATE_KEY_PEM } from './admin-credentials-keys.ts';

/**
 * Rotations driven through the admin API against the simulator, no restart:
 * - merchant key: stage a fresh pair → payments still signed with the old key → switch → retire,
 *   with a payment succeeding end to end on the new key;
 * - APIv3 key: after a change, a notification still encrypted with the old key (WeChat's queued
 *   retries) applies during the grace window, and no longer once the grace has ended.
 *
 * The simulator knows one merchant certificate (WeChat's merchant platform, where a merchant uploads
 * a new certificate, has no simulator control API), so the test plays that step by replacing the
 * simulator's in-memory merchant certificate at the moment of the switch.
 */
describeEachDb('credential rotations through the admin API against the simulator', (t) => {
  let gw: Gateway;
  let owner: AdminSession;
  let base: string;
  let seq = 0;

  beforeAll(async () => {
    gw = await startGateway({ database: t.handle });
    owner = await adminSession(gw, 'owner');
    base = `/admin/api/merchants/${gw.merchant.id}/credentials`;
  }, 90_000);
  afterAll(async () => gw?.close());

  const create = () =>
    gw.api('POST', '/v1/payments', { body: { amount: 100 + seq, description: 'Rotation', payer_client_ip: '36.112.10.8' }, idempotencyKey: `rot-${process.pid}-${seq++}` });
  const status = async (id: string) => (await t.db.selectFrom('payments').select('status').where('id', '=', id).executeTakeFirst())?.status;
  const notifyLog = async (outTradeNo: string) =>
    ((await gw.sim2('GET', '/sim/notifications')).body.data as Array<{ out_trade_no: string; status: number }>).filter((n) => n.out_trade_no === outTradeNo);

  it('stages, switches and retires the merchant key; a payment succeeds end to end on the new key', async () => {
    const oldSerial = gw.sim.sandbox.merchant_serial_no;
    const next = merchantPair(gw.sim.sandbox.mchid);

    const staged = await owner.call('POST', `${base}/merchant-key/stage`, { certificate_pem: next.certificatePem, private_key_pem: next.privateKeyPem });
    expect([staged.status, staged.body.staged_serial]).toEqual([201, next.serial]);
    // Staged only: requests are still signed with the active (old) key, which WeChat accepts.
    expect((await create()).status).toBe(201);

    const switched = await owner.call('POST', `${base}/merchant-key/switch`);
    expect([switched.status, switched.body]).toEqual([200, { active_serial: next.serial, retired_serial: oldSerial }]);
    // The gateway now signs with the new serial: WeChat, not yet told of the new certificate, refuses.
    expect((await create()).status).not.toBe(201);

    gw.sim.merchant.merchantCertificate = loadCertificate(next.certificatePem);
    const p = await create();
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    expect((await gw.simPay(p.body.out_trade_no)).status).toBe(200);
    await waitFor(async () => (await status(p.body.id)) === 'succeeded');

    const mid = (await owner.call('GET', base)).body;
    expect(mid.merchant_key).toMatchObject({ active: { serial: next.serial }, staged: null, retired: { serial: oldSerial } });
    expect(mid.merchant_key.active.days_to_expiry).toBeGreaterThan(300);

    const retired = await owner.call('POST', `${base}/merchant-key/retire`);
    expect([retired.status, retired.body]).toEqual([200, { retired_serial: oldSerial }]);
    expect((await owner.call('GET', base)).body.merchant_key.retired).toBeNull();
    const after = await create();
    expect(after.status).toBe(201);

    const actions = await t.db.selectFrom('audit_log').select(['action', 'actor_id', 'data']).where('action', 'like', 'credentials.merchant_key.%').orderBy('id').execute();
    expect(actions.map((a) => [a.action, a.actor_id])).toEqual([
      ['credentials.merchant_key.staged', owner.operatorId],
      ['credentials.merchant_key.switched', owner.operatorId],
      ['credentials.merchant_key.retired', owner.operatorId],
    ]);
    expect(JSON.stringify(actions)).not.toMatch(PRIVATE_KEY_PEM);
  });

  it('changes the APIv3 key: notifications under the old key still apply in the grace window, not after it', async () => {
    const newKey = 'N3wApiV3Key0123456789abcdefABCDE';
    expect(newKey).toHaveLength(32);
    const changed = await owner.call('POST', `${base}/apiv3-key`, { apiv3_key: newKey });
    expect(changed.status).toBe(200);
    expect(JSON.stringify(changed.body)).not.toContain(newKey);
    const until = Date.parse(changed.body.previous_key_expires_at);
    expect(until - Date.now()).toBeGreaterThan(71 * 3600_000);
    expect((await owner.call('GET', base)).body.apiv3_key).toEqual({ configured: true, previous_in_grace_until: changed.body.previous_key_expires_at });
    expect((await owner.call('POST', `${base}/apiv3-key`, { apiv3_key: newKey })).body.error.code).toBe('credential_apiv3_key_unchanged');

    // The simulator still encrypts with the sandbox (old) key, as WeChat does for queued notifications.
    const inGrace = await create();
    expect(inGrace.status).toBe(201);
    await gw.simPay(inGrace.body.out_trade_no);
    await waitFor(async () => (await notifyLog(inGrace.body.out_trade_no)).some((n) => n.status === 200 || n.status === 204));
    await waitFor(async () => (await status(inGrace.body.id)) === 'succeeded');

    // The grace window ends: the old key is destroyed and a notification under it is refused.
    await t.db.updateTable('merchant_credentials').set({ apiv3_key_previous_expires_at: new Date(Date.now() - 1000) }).where('merchant_id', '=', gw.merchant.id).execute();
    expect(await expireApiV3Grace(gw.app.ctx, gw.merchant.id)).toBe(true);
    expect((await owner.call('GET', base)).body.apiv3_key.previous_in_grace_until).toBeNull();
    const late = await create();
    expect(late.status).toBe(201);
    await gw.simPay(late.body.out_trade_no);
    const refused = await waitFor(async () => {
      const l = await notifyLog(late.body.out_trade_no);
      return l.length > 0 ? l : undefined;
    });
    expect(refused.every((n) => n.status >= 400)).toBe(true);
    expect(await t.db.selectFrom('audit_log').select('action').where('action', 'in', ['credentials.apiv3_key.changed', 'credentials.apiv3_key.previous_destroyed']).orderBy('id').execute()).toEqual([
      { action: 'credentials.apiv3_key.changed' },
      { action: 'credentials.apiv3_key.previous_destroyed' },
    ]);
  });
});
