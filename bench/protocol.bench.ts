import { createDecipheriv, sign as rsaSign, verify as rsaVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import WxPay from 'wechatpay-node-v3';
import { fixedClock } from '../src/lib/clock.ts';
import { ApiV3Key, sealResource } from '../src/wechatpay/aead.ts';
import { loadCertificate, loadPrivateKey } from '../src/wechatpay/keys.ts';
import { requestMessage, responseMessage } from '../src/wechatpay/message.ts';
import { NotificationParser } from '../src/wechatpay/notification.ts';
import { signResponse } from '../src/wechatpay/response-signer.ts';
import { LocalSigner, buildAuthorization, newNonce } from '../src/wechatpay/signer.ts';
import { ResponseValidator } from '../src/wechatpay/validator.ts';
import { WechatPayKeyStore } from '../src/wechatpay/verifier.ts';
import { measure, pairedRatio, printTable, type Contender, type Result } from './harness.ts';

/**
 * Protocol crypto per order (sign a request + verify the signed answer) and per notification
 * (verify + decrypt + parse), for Anfu, for node:crypto used directly with KeyObjects (the ceiling),
 * and for wechatpay-node-v3's own helpers (the peer), measured in the same run.
 */
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'vectors', 'official');
const read = (f: string) => readFileSync(join(fixtures, f), 'utf8');

const MCHID = '1230000109';
const APPID = 'wxd678efh567hg6787';
const APIV3 = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';
const TS = 1_700_000_000;

const merchantPem = read('java-merchant_private_key.pem');
const merchantKey = loadPrivateKey(merchantPem);
const merchantSerial = loadCertificate(read('java-merchant_certificate.pem')).serial;
const platformPem = read('go-wechatpay_certificate.pem');
const platformCert = loadCertificate(platformPem);
const platformKey = loadPrivateKey(read('go-test_private_key.pem'));

const order = {
  appid: APPID,
  mchid: MCHID,
  description: 'Image形象店-深圳腾大-QQ公仔',
  out_trade_no: '1217752501201407033233368018',
  notify_url: 'https://www.weixin.qq.com/wxpay/pay.php',
  amount: { total: 100, currency: 'CNY' },
  scene_info: { payer_client_ip: '14.23.150.211', h5_info: { type: 'Wap' } },
};
const orderPath = '/v3/pay/transactions/h5';
const answerBody = '{"h5_url":"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2016121516420242444321ca0631331346&package=1405458241"}';
const answerHeaders = lower(signResponse(platformKey, { serial: platformCert.serial, body: answerBody, timestamp: TS }));
const answerBuf = Buffer.from(answerBody, 'utf8');

const txPlain = JSON.stringify({
  mchid: MCHID,
  appid: APPID,
  out_trade_no: order.out_trade_no,
  transaction_id: '4200000000000000000000000001',
  trade_type: 'MWEB',
  trade_state: 'SUCCESS',
  trade_state_desc: '支付成功',
  bank_type: 'OTHERS',
  attach: '',
  success_time: '2018-06-08T10:34:56+08:00',
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
});
const notifyBody = JSON.stringify({
  id: 'EV-2018022511223320873',
  create_time: '2015-05-20T13:29:35+08:00',
  resource_type: 'encrypt-resource',
  event_type: 'TRANSACTION.SUCCESS',
  summary: '支付成功',
  resource: { ...sealResource(ApiV3Key.from(APIV3), txPlain, { associatedData: 'transaction', originalType: 'transaction' }) },
});
const notifyHeaders = lower(signResponse(platformKey, { serial: platformCert.serial, body: notifyBody, timestamp: TS }));
const notifyBuf = Buffer.from(notifyBody, 'utf8');

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

// --- Anfu -------------------------------------------------------------------------------------
const clock = fixedClock(TS * 1000);
const store = new WechatPayKeyStore().addCertificate(platformCert);
const validator = new ResponseValidator({ verifier: store, clock });
const signer = new LocalSigner({ mchid: MCHID, serialNo: merchantSerial, privateKey: merchantKey });
const parser = new NotificationParser({ validator, apiV3Key: ApiV3Key.from(APIV3) });

async function anfuOrder(): Promise<void> {
  await buildAuthorization(signer, { method: 'POST', canonicalUrl: orderPath, body: JSON.stringify(order), timestamp: TS });
  await validator.validate(answerHeaders, answerBuf);
}

async function anfuNotification(): Promise<void> {
  await parser.parse(notifyHeaders, notifyBuf);
}

// --- node:crypto ceiling: KeyObjects, no checks beyond the cryptography itself ------------------
const platformPub = platformCert.publicKey;
const aesKey = Buffer.from(APIV3, 'utf8');

function rawOrder(): void {
  const nonce = newNonce();
  const msg = requestMessage('POST', orderPath, String(TS), nonce, JSON.stringify(order));
  rsaSign('sha256', Buffer.from(msg, 'utf8'), merchantKey).toString('base64');
  const m = Buffer.from(responseMessage(answerHeaders['wechatpay-timestamp']!, answerHeaders['wechatpay-nonce']!, answerBody), 'utf8');
  if (!rsaVerify('sha256', m, platformPub, Buffer.from(answerHeaders['wechatpay-signature']!, 'base64'))) throw new Error('raw verify failed');
}

function rawNotification(): void {
  const m = Buffer.concat([Buffer.from(`${notifyHeaders['wechatpay-timestamp']}\n${notifyHeaders['wechatpay-nonce']}\n`), notifyBuf, Buffer.from('\n')]);
  if (!rsaVerify('sha256', m, platformPub, Buffer.from(notifyHeaders['wechatpay-signature']!, 'base64'))) throw new Error('raw verify failed');
  // Bytes in, as a real receiver gets them: the ceiling decodes the body too.
  const env = JSON.parse(notifyBuf.toString('utf8')) as { resource: { ciphertext: string; nonce: string; associated_data: string } };
  const data = Buffer.from(env.resource.ciphertext, 'base64');
  const d = createDecipheriv('aes-256-gcm', aesKey, Buffer.from(env.resource.nonce, 'utf8'));
  d.setAuthTag(data.subarray(data.length - 16));
  d.setAAD(Buffer.from(env.resource.associated_data, 'utf8'));
  JSON.parse(Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString('utf8'));
}

// --- wechatpay-node-v3 (its own helpers; keys as PEM, as its README shows) ----------------------
interface PeerPay {
  buildAuthorization(method: string, url: string, params?: Record<string, unknown>): string;
  verifySign(p: { timestamp: string; nonce: string; body: string; serial: string; signature: string; apiSecret?: string }): Promise<boolean>;
  decipher_gcm<T>(ciphertext: string, associated_data: string, nonce: string, key?: string): T;
}
const peer = new WxPay({ appid: APPID, mchid: MCHID, publicKey: Buffer.from(read('java-merchant_certificate.pem')), privateKey: Buffer.from(merchantPem), serial_no: merchantSerial, key: APIV3 }) as unknown as PeerPay;
// Its static certificate map (serial → PEM) is what fetchCertificates fills; preload it so nothing is downloaded.
(WxPay as unknown as { certificates: Record<string, string> }).certificates[platformCert.serial] = platformPem;

async function peerOrder(): Promise<void> {
  peer.buildAuthorization('POST', `https://api.mch.weixin.qq.com${orderPath}`, order);
  const ok = await peer.verifySign({ timestamp: answerHeaders['wechatpay-timestamp']!, nonce: answerHeaders['wechatpay-nonce']!, body: answerBody, serial: answerHeaders['wechatpay-serial']!, signature: answerHeaders['wechatpay-signature']! });
  if (!ok) throw new Error('peer verify failed');
}

async function peerNotification(): Promise<void> {
  const ok = await peer.verifySign({ timestamp: notifyHeaders['wechatpay-timestamp']!, nonce: notifyHeaders['wechatpay-nonce']!, body: notifyBody, serial: notifyHeaders['wechatpay-serial']!, signature: notifyHeaders['wechatpay-signature']! });
  if (!ok) throw new Error('peer verify failed');
  const env = JSON.parse(notifyBuf.toString('utf8')) as { resource: { ciphertext: string; nonce: string; associated_data: string } };
  peer.decipher_gcm(env.resource.ciphertext, env.resource.associated_data, env.resource.nonce, APIV3);
}

function ratioNote(anfu: Result, raw: Result, peerR: Result, goalRaw: number, goalPeer: number): string {
  const r = pairedRatio(anfu, raw);
  const p = pairedRatio(anfu, peerR);
  return `Anfu = ${r.toFixed(2)}× raw ceiling (goal ≥ ${goalRaw}×: ${r >= goalRaw ? 'met' : 'NOT met'}), ${p.toFixed(2)}× peer (goal ≥ ${goalPeer}×: ${p >= goalPeer ? 'met' : 'NOT met'}); median of ${anfu.rounds.length} paired rounds`;
}

export default async function protocolBench(): Promise<void> {
  // Sanity: every contender does its job once before being timed.
  await anfuOrder();
  await anfuNotification();
  rawOrder();
  rawNotification();
  await peerOrder();
  await peerNotification();

  for (const [title, contenders] of [
    ['per-order crypto: build + sign Authorization, verify the signed answer', [
      { name: 'anfu', op: anfuOrder },
      { name: 'raw node:crypto (KeyObject)', op: rawOrder },
      { name: 'wechatpay-node-v3', op: peerOrder },
    ]],
    ['per-notification crypto: verify + decrypt + parse', [
      { name: 'anfu', op: anfuNotification },
      { name: 'raw node:crypto (KeyObject)', op: rawNotification },
      { name: 'wechatpay-node-v3', op: peerNotification },
    ]],
  ] as [string, Contender[]][]) {
    const [anfu, raw, peerR] = await measure(contenders);
    printTable(title, [
      { label: anfu!.name, opsPerSec: anfu!.opsPerSec, note: `min ${Math.round(Math.min(...anfu!.rounds))}, max ${Math.round(Math.max(...anfu!.rounds))}` },
      { label: raw!.name, opsPerSec: raw!.opsPerSec, note: 'ceiling' },
      { label: peerR!.name, opsPerSec: peerR!.opsPerSec, note: 'peer' },
    ]);
    console.log(`  ${ratioNote(anfu!, raw!, peerR!, 0.9, 3)}`);
  }
}
