import { generateKeyPairSync } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDb } from '../../../test/helpers/db.ts';
import { createTestMerchant } from '../../../test/helpers/merchant.ts';
import { testVault } from '../../../test/helpers/vault.ts';
import { fixedClock } from '../../lib/clock.ts';
import { createLogger } from '../../lib/logger.ts';
import { buildSelfSignedCertificate } from '../../simulator/x509.ts';
import type { JobBoss } from '../../db/jobs.ts';
import type { WechatGateway } from '../wechat-gateway.ts';
import { loadMerchantCredentials } from '../merchants/merchants.ts';
import { runCredentialMaintenance } from './credential-maintenance.ts';
import { importPlatformCertificates, retireMerchantKey, stageMerchantKey, switchMerchantKey } from './merchant-key-change.ts';
import { findVaultSecret } from '../../db/vault-secrets.ts';
import { secretIds } from '../custody/secrets.ts';

const DAY = 86_400_000;
const by = { actor: { type: 'cli' as const, id: 'tester' } };

function certFor(mchid: string, notAfter: Date, serialHex: string): { certificatePem: string; privateKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificatePem = buildSelfSignedCertificate({ serialHex, subject: { commonName: mchid }, notBefore: new Date(notAfter.getTime() - 365 * DAY), notAfter, publicKey, signingKey: privateKey });
  return { certificatePem, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

describeEachDb('merchant key rotation and expiry warnings', (t) => {
  const clock = fixedClock(Date.parse('2025-06-01T00:00:00Z'));
  const sent: unknown[] = [];
  const jobs = { send: async (...a: unknown[]) => void sent.push(a) } as unknown as JobBoss;
  const wechat = { invalidate: async () => undefined } as unknown as WechatGateway;
  const ctx = () => ({ db: t.db, clock, vault: testVault(), wechat, jobs, logger: createLogger({ level: 'silent' }) });

  it('stages, switches and retires a merchant key, then warns once per threshold before the certificate expires', async () => {
    const m = await createTestMerchant(t.db, {}, clock);
    const oldPem = (await loadMerchantCredentials(ctx(), m.id)).merchantPrivateKeyPem.reveal();
    const next = certFor(m.mchid, new Date(clock.now() + 40 * DAY), 'ABCDEF0123');
    await expect(stageMerchantKey(ctx(), m.id, { certificatePem: next.certificatePem, privateKeyPem: oldPem }, by)).rejects.toMatchObject({ code: 'credential_key_pair_mismatch' });
    await expect(stageMerchantKey(ctx(), m.id, { certificatePem: 'garbage', privateKeyPem: next.privateKeyPem }, by)).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(stageMerchantKey(ctx(), m.id, certFor('999', new Date(clock.now() + 40 * DAY), '01'), by)).rejects.toMatchObject({ code: 'credential_mchid_mismatch' });
    expect(await stageMerchantKey(ctx(), m.id, next, by)).toMatchObject({ staged_serial: 'ABCDEF0123' });
    // Staged only: requests still sign with the old key.
    expect((await loadMerchantCredentials(ctx(), m.id)).merchantPrivateKeyPem.reveal()).toBe(oldPem);
    expect(await switchMerchantKey(ctx(), m.id, by)).toMatchObject({ active_serial: 'ABCDEF0123', retired_serial: m.merchantSerial });
    expect((await loadMerchantCredentials(ctx(), m.id)).merchantPrivateKeyPem.reveal()).toBe(next.privateKeyPem);
    expect(await findVaultSecret(t.db, secretIds.merchantPrivateKeyRetired(m.id))).toBeDefined();
    await retireMerchantKey(ctx(), m.id, by);
    expect(await findVaultSecret(t.db, secretIds.merchantPrivateKeyRetired(m.id))).toBeUndefined();

    // 40 days left: nothing yet. 29 days: the 30-day warning, once.
    expect((await runCredentialMaintenance(ctx())).warnings).toBe(0);
    clock.advance(11 * DAY);
    expect((await runCredentialMaintenance(ctx())).warnings).toBe(1);
    expect((await runCredentialMaintenance(ctx())).warnings).toBe(0);
    clock.advance(23 * DAY);
    expect((await runCredentialMaintenance(ctx())).warnings).toBe(1);
    const events = await t.db.selectFrom('outbox_events').select(['type', 'payload']).where('merchant_id', '=', m.id).orderBy('created_at').execute();
    expect(events.map((e) => (e.payload as { data: { warning: string } }).data.warning)).toEqual(['expires_in_30d', 'expires_in_7d']);
    expect(events.every((e) => e.type === 'credential.expiring')).toBe(true);
    const actions = (await t.db.selectFrom('audit_log').select('action').where('merchant_id', '=', m.id).orderBy('id').execute()).map((r) => r.action);
    expect(actions).toEqual(['merchant.created', 'credentials.merchant_key.staged', 'credentials.merchant_key.switched', 'credentials.merchant_key.retired']);
  });

  it('imports platform certificates, keeping those still valid and refusing expired or malformed ones', async () => {
    const m = await createTestMerchant(t.db, {}, clock);
    const a = certFor('WeChatPay', new Date(clock.now() + 300 * DAY), '0A0A');
    const b = certFor('WeChatPay', new Date(clock.now() + 350 * DAY), '0B0B');
    const expired = certFor('WeChatPay', new Date(clock.now() - DAY), '0C0C');
    await expect(importPlatformCertificates(ctx(), m.id, [], by)).rejects.toMatchObject({ code: 'credential_certificates_count' });
    await expect(importPlatformCertificates(ctx(), m.id, ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'], by)).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(importPlatformCertificates(ctx(), m.id, [expired.certificatePem], by)).rejects.toMatchObject({ kind: 'invalid_input' });
    await importPlatformCertificates(ctx(), m.id, [a.certificatePem], by);
    expect(await importPlatformCertificates(ctx(), m.id, [b.certificatePem], by)).toEqual({ serials: ['0B0B'] });
    const c = await t.db.selectFrom('merchant_credentials').select('platform_certificates').where('merchant_id', '=', m.id).executeTakeFirstOrThrow();
    expect(c.platform_certificates.map((x) => x.serial_no).sort()).toEqual(['0A0A', '0B0B']);
  });
});
