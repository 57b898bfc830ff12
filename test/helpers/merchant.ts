import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { NewMerchantInput } from '../../src/services/merchants/merchant-input.ts';
import { createMerchant } from '../../src/services/merchants/merchants.ts';
import type { Merchant } from '../../src/domain/merchant.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { systemClock, type Clock } from '../../src/lib/clock.ts';
import { testVault } from './vault.ts';
import { openSecret, secretIds } from '../../src/services/custody/secrets.ts';

/** Keys generated once per test file: RSA generation is the slow part of making a merchant. */
let keys: { merchantPrivatePem: string; wechatpayPublicPem: string } | undefined;
function testKeys(): NonNullable<typeof keys> {
  if (!keys) {
    const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const wechatpay = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keys = {
      merchantPrivatePem: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      wechatpayPublicPem: wechatpay.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    };
  }
  return keys;
}

let seq = 0;

/** A valid sandbox merchant input with a fresh mchid/appid pair; override any field. */
export function sampleMerchantInput(overrides: Partial<NewMerchantInput> = {}): NewMerchantInput {
  const k = testKeys();
  seq++;
  return {
    name: `Test shop ${seq}`,
    mchid: `19${String(Date.now() % 1e6).padStart(6, '0')}${String(seq).padStart(2, '0')}`,
    appid: `wx${randomBytes(8).toString('hex')}`,
    mode: 'sandbox',
    h5Domains: ['shop.example.com', '127.0.0.1'],
    webhookUrl: 'https://shop.example.com/hooks/anfu',
    wechatApiBaseUrl: 'http://127.0.0.1:9999',
    keyMode: 'public_key',
    merchantSerial: randomBytes(20).toString('hex').toUpperCase(),
    merchantPrivateKeyPem: k.merchantPrivatePem,
    apiv3Key: randomBytes(16).toString('hex'),
    wechatpayPublicKeyId: `PUB_KEY_ID_${randomBytes(8).toString('hex')}`,
    wechatpayPublicKeyPem: k.wechatpayPublicPem,
    ...overrides,
  };
}

/** The merchant's current webhook signing secret (tests verify signatures with it). */
export async function currentWebhookSecret(db: Kysely<Database>, merchantId: string): Promise<string> {
  return (await openSecret({ db, vault: testVault() }, secretIds.webhookSecretCurrent(merchantId))).reveal();
}

export async function createTestMerchant(db: Kysely<Database>, overrides: Partial<NewMerchantInput> = {}, clock: Clock = systemClock): Promise<Merchant> {
  return createMerchant({ db, clock, vault: testVault() }, sampleMerchantInput(overrides));
}
