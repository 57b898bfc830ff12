import { describe, expect, it } from 'vitest';
import { describeEachDb } from '../../../test/helpers/db.ts';
import { createTestMerchant } from '../../../test/helpers/merchant.ts';
import { testVault } from '../../../test/helpers/vault.ts';
import { verifyAuditLog } from '../../audit/verify.ts';
import { fixedClock } from '../../lib/clock.ts';
import { ApiV3Key, sealResource } from '../../wechatpay/aead.ts';
import { NotificationParser } from '../../wechatpay/notification.ts';
import type { ResponseValidator } from '../../wechatpay/validator.ts';
import { findVaultSecret } from '../../db/vault-secrets.ts';
import type { WechatGateway } from '../wechat-gateway.ts';
import { loadMerchantCredentials } from '../merchants/merchants.ts';
import { secretIds } from '../custody/secrets.ts';
import { changeApiV3Key, expireApiV3Grace } from './apiv3-key-change.ts';
import { addWechatPayPublicKey, cutOverToPublicKey, retireMerchantKey, switchMerchantKey } from './merchant-key-change.ts';
import { generateKeyPairSync } from 'node:crypto';

const by = { actor: { type: 'operator' as const, id: 'op_test' }, ip: '10.0.0.1' };

describeEachDb('credential lifecycle', (t) => {
  const clock = fixedClock(Date.parse('2025-03-01T00:00:00Z'));
  const invalidated: string[] = [];
  const wechat = { invalidate: async (id: string) => void invalidated.push(id) } as unknown as WechatGateway;
  const ctx = () => ({ db: t.db, clock, vault: testVault(), wechat });

  it('changes the APIv3 key with a grace window in which the previous key still loads, then destroys it', async () => {
    const m = await createTestMerchant(t.db, {}, clock);
    const oldKey = (await loadMerchantCredentials(ctx(), m.id)).apiv3Key.reveal();
    await expect(changeApiV3Key(ctx(), m.id, 'short', by)).rejects.toMatchObject({ code: 'credential_apiv3_key_length' });
    await expect(changeApiV3Key(ctx(), m.id, oldKey, by)).rejects.toMatchObject({ code: 'credential_apiv3_key_unchanged' });
    const next = ApiV3Key.generateString();
    await changeApiV3Key(ctx(), m.id, next, by);
    expect(invalidated).toContain(m.id);
    const during = await loadMerchantCredentials(ctx(), m.id);
    expect(during.apiv3Key.reveal()).toBe(next);
    expect(during.apiv3KeyPrevious?.key.reveal()).toBe(oldKey);
    expect(await expireApiV3Grace(ctx(), m.id)).toBe(false);
    clock.advance(73 * 3600_000);
    expect((await loadMerchantCredentials(ctx(), m.id)).apiv3KeyPrevious).toBeUndefined();
    expect(await expireApiV3Grace(ctx(), m.id)).toBe(true);
    expect(await findVaultSecret(t.db, secretIds.apiv3KeyPrevious(m.id))).toBeUndefined();
    const actions = (await t.db.selectFrom('audit_log').select('action').where('merchant_id', '=', m.id).execute()).map((r) => r.action);
    expect(actions).toEqual(['merchant.created', 'credentials.apiv3_key.changed', 'credentials.apiv3_key.previous_destroyed']);
  });

  it('refuses to switch or retire with nothing staged, with stable codes', async () => {
    const m = await createTestMerchant(t.db, {}, clock);
    await expect(switchMerchantKey(ctx(), m.id, by)).rejects.toMatchObject({ code: 'credential_nothing_staged' });
    await expect(retireMerchantKey(ctx(), m.id, by)).rejects.toMatchObject({ code: 'credential_nothing_to_retire' });
  });

  it('migrates platform certificates to the public key: dual verification, then cut-over', async () => {
    const m = await createTestMerchant(t.db, {}, clock);
    await t.db.updateTable('merchants').set({ key_mode: 'platform_certificate' }).where('id', '=', m.id).execute();
    const pub = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(addWechatPayPublicKey(ctx(), m.id, { publicKeyId: 'nope', publicKeyPem: pub }, by)).rejects.toMatchObject({ code: 'credential_public_key_id_malformed' });
    await addWechatPayPublicKey(ctx(), m.id, { publicKeyId: 'PUB_KEY_ID_0114232134912410000000000000', publicKeyPem: pub }, by);
    const c = await t.db.selectFrom('merchant_credentials').selectAll().where('merchant_id', '=', m.id).executeTakeFirstOrThrow();
    expect(c.dual_verification_since).not.toBeNull();
    await cutOverToPublicKey(ctx(), m.id, by);
    const after = await t.db.selectFrom('merchants').select('key_mode').where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(after.key_mode).toBe('public_key');
    expect(await verifyAuditLog(t.db)).toMatchObject({ ok: true });
  });
});

describe('notification parser during an APIv3 key change', () => {
  const validator = { validate: async () => ({ serial: 'x', timestamp: 0, nonce: 'n' }) } as unknown as ResponseValidator;
  const oldKey = ApiV3Key.from(ApiV3Key.generateString());
  const newKey = ApiV3Key.from(ApiV3Key.generateString());
  const body = (key: ApiV3Key) =>
    Buffer.from(
      JSON.stringify({
        id: 'n1',
        create_time: '2025-01-01T00:00:00+08:00',
        event_type: 'SOMETHING.ELSE',
        resource_type: 'encrypt-resource',
        resource: sealResource(key, '{"a":1}', { associatedData: 'transaction' }),
      }),
    );

  it('opens with the previous key only while it is offered, and fails closed afterwards', async () => {
    let offered = [oldKey];
    const parser = new NotificationParser({ validator, apiV3Key: newKey, previousKeys: () => offered });
    expect(await parser.parse({}, body(newKey))).toMatchObject({ kind: 'other', resource: { a: 1 } });
    expect(await parser.parse({}, body(oldKey))).toMatchObject({ kind: 'other', resource: { a: 1 } });
    offered = [];
    await expect(parser.parse({}, body(oldKey))).rejects.toThrow();
  });
});
