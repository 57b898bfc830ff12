import { describe, expect, it } from 'vitest';
import { readFixture, vector } from '../../test/helpers/fixtures.ts';
import { fixedClock } from '../lib/clock.ts';
import { ApiV3Key, openResourceText, sealResource, type EncryptedResource } from './aead.ts';
import { loadCertificate, loadPrivateKey } from './keys.ts';
import { WechatPayKeyStore } from './verifier.ts';
import { ResponseValidator } from './validator.ts';
import { NotificationParser } from './notification.ts';
import { signResponse } from './response-signer.ts';
import { WechatPayDecryptError, WechatPayNotificationError, WechatPayVerificationError } from './errors.ts';

interface NotificationVector {
  headers: Record<string, string>;
  body: string;
  apiv3_key: string;
  plaintext: string;
}

const TS = 1624523846;
const goCert = loadCertificate(readFixture('official/go-wechatpay_certificate.pem'));
const goKey = loadPrivateKey(readFixture('official/go-test_private_key.pem'));
const KEY = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';

function parser(key = ApiV3Key.from(KEY)): NotificationParser {
  const validator = new ResponseValidator({ verifier: new WechatPayKeyStore().addCertificate(goCert), clock: fixedClock(TS * 1000) });
  return new NotificationParser({ validator, apiV3Key: key });
}

/** Builds a notification as WeChat would send it: sealed resource, signed raw body. */
function notification(eventType: string, plaintext: string, opts: { algorithm?: string; aad?: string } = {}): { headers: Record<string, string>; body: Buffer } {
  const resource = { ...sealResource(ApiV3Key.from(KEY), plaintext, { associatedData: opts.aad ?? 'refund', originalType: 'refund' }) };
  if (opts.algorithm) resource.algorithm = opts.algorithm;
  const body = JSON.stringify({ id: 'EV-1', create_time: '2024-01-01T00:00:00+08:00', resource_type: 'encrypt-resource', event_type: eventType, summary: '退款成功', resource });
  return { headers: { ...signResponse(goKey, { serial: goCert.serial, body, timestamp: TS }) }, body: Buffer.from(body, 'utf8') };
}

const refundPlain = JSON.stringify({
  mchid: '1230000109',
  transaction_id: '4200000000000000000000000001',
  out_trade_no: '1217752501201407033233368018',
  refund_id: '50000000382019052709732678859',
  out_refund_no: 'R1217752501201407033233368018',
  refund_status: 'SUCCESS',
  success_time: '2018-06-08T10:34:56+08:00',
  user_received_account: '招商银行信用卡0403',
  amount: { total: 100, refund: 40, payer_total: 100, payer_refund: 40 },
});

describe('NotificationParser', () => {
  it('turns the derived H5 vector into a typed TRANSACTION.SUCCESS event', async () => {
    const v = vector<NotificationVector>('notification-h5-transaction-success');
    const ev = await parser().parse(v.headers, Buffer.from(v.body, 'utf8'));
    expect(ev.kind).toBe('transaction');
    if (ev.kind !== 'transaction') return;
    expect(ev.id).toBe('EV-2018022511223320873');
    expect(ev.transaction).toEqual(JSON.parse(v.plaintext));
    expect(ev.transaction.amount?.total).toBe(100);
    expect(ev.verified.serial).toBe('D7CE59D1F522D701');
  });

  it('returns the Go SDK payscore vector (16-byte key, test-only switch) as an "other" event with its decrypted JSON', async () => {
    const v = vector<NotificationVector>('notification-go-payscore');
    const ev = await parser(ApiV3Key.from(v.apiv3_key, { allowInsecure16ByteKeyForTests: true })).parse(v.headers, Buffer.from(v.body, 'utf8'));
    expect(ev).toMatchObject({ kind: 'other', event_type: 'PAYSCORE.USER_OPEN_SERVICE', resource: JSON.parse(v.plaintext) });
  });

  it('opens the Java SDK notification resource (official/java-wechat_pay_notification.json): the same block as the Go vector', () => {
    const v = vector<NotificationVector>('notification-go-payscore');
    const java = JSON.parse(readFixture('official/java-wechat_pay_notification.json')) as { resource: Record<string, string> };
    expect(java.resource).toEqual((JSON.parse(v.body) as { resource: Record<string, string> }).resource);
    const key = ApiV3Key.from(v.apiv3_key, { allowInsecure16ByteKeyForTests: true });
    expect(JSON.parse(openResourceText(key, java.resource as unknown as EncryptedResource))).toEqual(JSON.parse(v.plaintext));
    expect(() => openResourceText(ApiV3Key.from(KEY), java.resource as unknown as EncryptedResource)).toThrow(WechatPayDecryptError);
  });

  for (const type of ['REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED']) {
    it(`types a ${type} refund notification`, async () => {
      const plain = JSON.stringify({ ...JSON.parse(refundPlain), refund_status: type.slice(7) });
      const { headers, body } = notification(type, plain);
      const ev = await parser().parse(headers, body);
      expect(ev.kind).toBe('refund');
      if (ev.kind === 'refund') {
        expect(ev.event_type).toBe(type);
        expect(ev.refund.amount.refund).toBe(40);
      }
    });
  }

  it('rejects the signature probe before touching the resource', async () => {
    const v = vector<NotificationVector>('signature-probe');
    await expect(parser().parse(v.headers, Buffer.from(v.body, 'utf8'))).rejects.toMatchObject({ reason: 'signature_probe' });
  });

  it('verifies before decrypting: a tampered body fails verification even when the key is wrong too', async () => {
    const v = vector<NotificationVector>('notification-h5-transaction-success');
    const tampered = Buffer.from(v.body.replace('支付成功', '支付失败'), 'utf8');
    await expect(parser(ApiV3Key.from('x'.repeat(32))).parse(v.headers, tampered)).rejects.toBeInstanceOf(WechatPayVerificationError);
  });

  it('fails to decrypt with the wrong APIv3 key', async () => {
    const v = vector<NotificationVector>('notification-h5-transaction-success');
    await expect(parser(ApiV3Key.from('x'.repeat(32))).parse(v.headers, Buffer.from(v.body, 'utf8'))).rejects.toBeInstanceOf(WechatPayDecryptError);
  });

  it('refuses a resource algorithm other than AEAD_AES_256_GCM', async () => {
    const { headers, body } = notification('REFUND.SUCCESS', refundPlain, { algorithm: 'AEAD_SM4_GCM' });
    await expect(parser().parse(headers, body)).rejects.toMatchObject({ reason: 'unsupported_algorithm' });
  });

  it('rejects a signed body that is not JSON or lacks the envelope fields', async () => {
    for (const raw of ['not json', '{"id":"x"}']) {
      const headers = signResponse(goKey, { serial: goCert.serial, body: raw, timestamp: TS });
      await expect(parser().parse({ ...headers }, Buffer.from(raw))).rejects.toMatchObject({ reason: 'malformed_body' });
    }
  });

  it('rejects a refund resource that does not match the spec, without echoing its values', async () => {
    const { headers, body } = notification('REFUND.SUCCESS', JSON.stringify({ ...JSON.parse(refundPlain), amount: { total: '1.00' } }));
    const err = await parser().parse(headers, body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WechatPayNotificationError);
    expect((err as Error).message).toContain('amount');
    expect((err as Error).message).not.toContain('1.00');
  });

  it('rejects a transaction resource with a fractional amount', async () => {
    const plain = JSON.stringify({ appid: 'a', mchid: 'm', out_trade_no: 'o', trade_state: 'SUCCESS', trade_state_desc: 'ok', amount: { total: 1.5 } });
    const { headers, body } = notification('TRANSACTION.SUCCESS', plain, { aad: 'transaction' });
    await expect(parser().parse(headers, body)).rejects.toMatchObject({ reason: 'malformed_resource' });
  });

  it('accepts Wechatpay-Signature-Type WECHATPAY2-SHA256-RSA2048 and refuses any other type', async () => {
    const v = vector<NotificationVector>('notification-h5-transaction-success');
    const body = Buffer.from(v.body, 'utf8');
    await expect(parser().parse({ ...v.headers, 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048' }, body)).resolves.toMatchObject({ kind: 'transaction' });
    await expect(parser().parse({ ...v.headers, 'Wechatpay-Signature-Type': 'WECHATPAY2-SM2-WITH-SM3' }, body)).rejects.toMatchObject({ reason: 'unsupported_signature_type' });
  });
});
