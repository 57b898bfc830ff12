import { expect, it } from 'vitest';
import { inspect } from 'node:util';
import { describeEachDb } from '../../../test/helpers/db.ts';
import { sampleMerchantInput } from '../../../test/helpers/merchant.ts';
import { testVault } from '../../../test/helpers/vault.ts';
import { fixedClock } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { createMerchant, getMerchant, listMerchants, loadMerchantCredentials } from './merchants.ts';

const clock = fixedClock(Date.parse('2025-03-01T00:00:00Z'));

describeEachDb('merchants', (t) => {
  const deps = () => ({ db: t.db, clock, vault: testVault() });

  it('creates a merchant, lists it and shows it without secrets', async () => {
    const input = sampleMerchantInput({ name: 'Tea House' });
    const m = await createMerchant(deps(), input);
    expect(m.id).toMatch(/^mer_[A-Za-z0-9]{22}$/);
    expect(m).toMatchObject({ name: 'Tea House', mchid: input.mchid, mode: 'sandbox', keyMode: 'public_key' });
    expect(m.createdAt.getTime()).toBe(clock.now());
    expect(await getMerchant(deps(), m.id)).toEqual(m);
    expect((await listMerchants(deps())).map((x) => x.id)).toContain(m.id);
    const shown = JSON.stringify(m);
    expect(shown).not.toContain('PRIVATE KEY');
    expect(shown).not.toContain(input.apiv3Key);
  });

  it('loads credentials wrapped so they never print', async () => {
    const input = sampleMerchantInput();
    const m = await createMerchant(deps(), input);
    const c = await loadMerchantCredentials(deps(), m.id);
    expect(c.apiv3Key.reveal()).toBe(input.apiv3Key);
    expect(c.merchantPrivateKeyPem.reveal()).toBe(input.merchantPrivateKeyPem);
    expect(c.webhookSecrets).toHaveLength(1);
    expect(c.webhookSecrets[0]?.reveal()).toMatch(/^whsec_/);
    const printed = `${JSON.stringify(c)} ${inspect(c)}`;
    expect(printed).not.toContain(input.apiv3Key);
    expect(printed).not.toContain('PRIVATE KEY');
    expect(printed).not.toContain('whsec_');
  });

  it('refuses a second merchant for the same mchid and appid with merchant_exists', async () => {
    const input = sampleMerchantInput();
    await createMerchant(deps(), input);
    await expect(createMerchant(deps(), { ...input, name: 'Other' })).rejects.toMatchObject({ kind: 'conflict', code: 'merchant_exists' });
  });

  it('rejects invalid fields with invalid_merchant, naming fields but never echoing secret values', async () => {
    const badKey = 'not-a-key-0123456789abcdefghijklmnopq';
    const err = await createMerchant(deps(), sampleMerchantInput({ mchid: '12ab', h5Domains: ['https://shop.example.com/x'], merchantPrivateKeyPem: badKey, apiv3Key: 'short' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.code).toBe('invalid_merchant');
    const paths = (e.details?.issues as Array<{ path: string }>).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['mchid', 'h5Domains.0', 'merchantPrivateKeyPem', 'apiv3Key']));
    expect(JSON.stringify(e.details)).not.toContain(badKey);
  });

  it('holds live merchants to https and public H5 domains', async () => {
    const err = await createMerchant(deps(), sampleMerchantInput({ mode: 'live', h5Domains: ['localhost'], webhookUrl: 'http://shop.example.com/h' })).catch((e: unknown) => e as AppError);
    const paths = ((err as AppError).details?.issues as Array<{ path: string }>).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['h5Domains.0', 'webhookUrl', 'wechatApiBaseUrl']));
  });

  it('requires the WeChat Pay public key in public_key mode and certificates in certificate mode', async () => {
    const noPub = await createMerchant(deps(), sampleMerchantInput({ wechatpayPublicKeyId: undefined, wechatpayPublicKeyPem: undefined })).catch((e: unknown) => e as AppError);
    expect((noPub as AppError).code).toBe('invalid_merchant');
    const noCert = await createMerchant(deps(), sampleMerchantInput({ keyMode: 'platform_certificate', platformCertificates: [] })).catch((e: unknown) => e as AppError);
    expect((noCert as AppError).code).toBe('invalid_merchant');
  });

  it('answers merchant_not_found for an unknown id', async () => {
    await expect(getMerchant(deps(), 'mer_nope')).rejects.toMatchObject({ kind: 'not_found', code: 'merchant_not_found' });
  });
});
