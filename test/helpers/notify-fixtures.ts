import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { insertPayment, updatePaymentGuarded, type PaymentRow } from '../../src/db/payments.ts';
import { ApiV3Key, sealResource } from '../../src/wechatpay/aead.ts';
import { signResponse } from '../../src/wechatpay/response-signer.ts';
import { newId } from '../../src/lib/ids.ts';

/**
 * Acting as WeChat in notification tests: our own "WeChat Pay public key" pair and APIv3 key, so a
 * test can seal and sign any notification (valid, tampered, stale, for the wrong amount), plus a local
 * webhook receiver standing in for the merchant.
 */
export interface FakeWechat {
  privateKey: KeyObject;
  publicKeyPem: string;
  publicKeyId: string;
  apiv3Key: string;
}

export function fakeWechat(): FakeWechat {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    publicKeyId: `PUB_KEY_ID_${randomBytes(14).toString('hex').slice(0, 28).replace(/[a-f]/g, '1')}`,
    apiv3Key: randomBytes(16).toString('hex'),
  };
}

export interface SignedNotification {
  headers: Record<string, string>;
  body: string;
}

export function signedNotification(
  w: FakeWechat,
  opts: { id?: string; eventType?: string; resource: Record<string, unknown>; originalType?: string; timestampSec?: number; serial?: string },
): SignedNotification {
  const eventType = opts.eventType ?? 'TRANSACTION.SUCCESS';
  const aad = eventType.startsWith('REFUND') ? 'refund' : 'transaction';
  const body = JSON.stringify({
    id: opts.id ?? randomUUID(),
    create_time: '2025-01-01T10:00:00+08:00',
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: '支付成功',
    resource: sealResource(ApiV3Key.from(w.apiv3Key), JSON.stringify(opts.resource), { associatedData: aad, originalType: opts.originalType ?? aad }),
  });
  const signed = signResponse(w.privateKey, { serial: opts.serial ?? w.publicKeyId, body, timestamp: opts.timestampSec ?? Math.floor(Date.now() / 1000) });
  return {
    headers: { ...signed, 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048', 'Content-Type': 'application/json' },
    body,
  };
}

export function successTransaction(m: { mchid: string; appid: string }, p: { out_trade_no: string; amount: number }, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    appid: m.appid,
    mchid: m.mchid,
    out_trade_no: p.out_trade_no,
    transaction_id: `42000${randomBytes(10).toString('hex').replace(/[a-f]/g, '7').slice(0, 23)}`,
    trade_type: 'MWEB',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    success_time: '2025-01-01T10:00:00+08:00',
    payer: { openid: 'o_test_openid' },
    amount: { total: p.amount, payer_total: p.amount, currency: 'CNY', payer_currency: 'CNY' },
    ...overrides,
  };
}

/** A pending payment as if create-payment had reached WeChat (no WeChat call: notification tests only). */
export async function pendingPayment(db: Kysely<Database>, merchantId: string, amount = 1234, expiresInMs = 3600_000): Promise<PaymentRow> {
  const now = new Date();
  const p = await insertPayment(db, {
    id: newId('pay'),
    merchant_id: merchantId,
    out_trade_no: `T${randomBytes(8).toString('hex')}`,
    amount,
    description: 'Test order',
    payer_client_ip: '203.0.113.9',
    h5_type: 'Wap',
    redirect_url: null,
    attach: null,
    metadata: { order: '42' },
    expires_at: new Date(now.getTime() + expiresInMs),
    next_query_at: new Date(now.getTime() + 3600_000),
    created_at: now,
  });
  if (!p) throw new Error('payment not inserted');
  const pending = await updatePaymentGuarded(db, p.id, ['created'], { status: 'pending' }, now);
  if (!pending) throw new Error('payment not pending');
  return pending;
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A merchant endpoint on 127.0.0.1 whose answer a test can change (status, redirect). */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  respond: { status: number; location?: string };
  close(): Promise<void>;
}

export async function startReceiver(path = '/hooks'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const respond: WebhookReceiver['respond'] = { status: 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = respond.status;
      if (respond.location) res.setHeader('location', respond.location);
      res.end(respond.status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${addr.port}${path}`,
    received,
    respond,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
