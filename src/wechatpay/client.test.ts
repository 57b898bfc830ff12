import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readFixture } from '../../test/helpers/fixtures.ts';
import { systemClock, unixSeconds } from '../lib/clock.ts';
import { ApiV3Key, sealResource } from './aead.ts';
import { WechatPayApiError } from './api-error.ts';
import { downloadCertificates } from './certificates.ts';
import { KEEP_ALIVE_MS, WechatPayClient, type WechatPayClientOptions } from './client.ts';
import { WechatPayResponseError, WechatPayTransportError, WechatPayVerificationError } from './errors.ts';
import { createH5Order } from './h5.ts';
import { fetchTradeBill } from './bills.ts';
import { loadCertificate, loadPrivateKey } from './keys.ts';
import { requestMessage } from './message.ts';
import { signResponse } from './response-signer.ts';
import { LocalSigner, parseAuthorization } from './signer.ts';
import { closeOrder, queryByOutTradeNo } from './transactions.ts';
import { WechatPayKeyStore, verifySha256WithRsa } from './verifier.ts';
import { CertificateRefresher } from './validator.ts';

const platformCert = loadCertificate(readFixture('official/go-wechatpay_certificate.pem'));
const platformKey = loadPrivateKey(readFixture('official/go-test_private_key.pem'));
const otherKey = loadPrivateKey(readFixture('official/java-wechat_pay_private_key.pem'));
const merchantKey = loadPrivateKey(readFixture('official/java-merchant_private_key.pem'));
const merchantCert = loadCertificate(readFixture('official/java-merchant_certificate.pem'));
const MCHID = '1230000109';
const APIV3 = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  signatureValid: boolean;
}

interface Answer {
  status: number;
  /** A Buffer is sent as raw bytes (the bill file); strings are JSON. */
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** `false` = unsigned; a key = signed with that key; default = the platform key. */
  sign?: false | typeof platformKey;
  hang?: boolean;
}

const servers: Server[] = [];
const clients: WechatPayClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A small WeChat stand-in: checks our Authorization, answers what `handler` says, signs like WeChat. */
async function fakeWechat(handler: (req: Seen, n: number) => Answer): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const auth = parseAuthorization(String(req.headers.authorization ?? ''));
      const signatureValid =
        auth !== null &&
        verifySha256WithRsa(merchantCert.publicKey, Buffer.from(requestMessage(req.method!, req.url!, auth.timestamp, auth.nonce_str, body)), Buffer.from(auth.signature, 'base64'));
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body, signatureValid };
      seen.push(s);
      const a = handler(s, seen.length);
      if (a.hang) return;
      const out = a.body ?? '';
      const headers: Record<string, string> = { 'request-id': `req-${seen.length}`, ...a.headers };
      if (a.sign !== false) Object.assign(headers, signResponse(a.sign ?? platformKey, { serial: platformCert.serial, body: out.toString(), timestamp: unixSeconds(systemClock) }));
      if (out.length > 0) headers['content-type'] = typeof out === 'string' ? 'application/json' : 'application/octet-stream';
      res.writeHead(a.status, headers).end(out);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

function client(baseUrls: [string] | [string, string], extra: Partial<WechatPayClientOptions> = {}): { c: WechatPayClient; delays: number[]; store: WechatPayKeyStore } {
  const delays: number[] = [];
  const store = new WechatPayKeyStore().addCertificate(platformCert);
  const c = new WechatPayClient({
    mchid: MCHID,
    appid: 'wxd678efh567hg6787',
    signer: new LocalSigner({ mchid: MCHID, serialNo: merchantCert.serial, privateKey: merchantKey }),
    verifier: store,
    baseUrls,
    clock: systemClock,
    timeoutMs: 2000,
    userAgent: 'anfu-test/1',
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
  clients.push(c);
  return { c, delays, store };
}

const order = {
  description: 'Image形象店-深圳腾大-QQ公仔',
  out_trade_no: '1217752501201407033233368018',
  notify_url: 'https://merchant.example.com/notify',
  amount: { total: 100, currency: 'CNY' as const },
  scene_info: { payer_client_ip: '14.23.150.211', h5_info: { type: 'Wap' as const } },
};
const H5 = JSON.stringify({ h5_url: 'https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1&package=1' });

describe('WechatPayClient requests', () => {
  it('signs exactly the bytes it sends and sends the protocol headers', async () => {
    const w = await fakeWechat(() => ({ status: 200, body: H5 }));
    const { c } = client([w.url]);
    const res = await createH5Order(c, order);
    expect(res.h5_url).toContain('prepay_id=wx1');
    const s = w.seen[0]!;
    expect(s.signatureValid).toBe(true);
    expect(s.headers['accept']).toBe('application/json');
    expect(s.headers['content-type']).toBe('application/json');
    expect(s.headers['user-agent']).toBe('anfu-test/1');
    expect(s.headers['wechatpay-serial']).toBe(platformCert.serial);
    expect(JSON.parse(s.body)).toMatchObject({ appid: 'wxd678efh567hg6787', mchid: MCHID, out_trade_no: order.out_trade_no });
  });

  it('puts ?mchid= into the signed canonical URL of a query', async () => {
    const tx = JSON.stringify({ appid: 'wx', mchid: MCHID, out_trade_no: order.out_trade_no, trade_state: 'NOTPAY', trade_state_desc: '未支付', amount: { total: 100, currency: 'CNY' } });
    const w = await fakeWechat(() => ({ status: 200, body: tx }));
    const { c } = client([w.url]);
    expect((await queryByOutTradeNo(c, order.out_trade_no)).trade_state).toBe('NOTPAY');
    expect(w.seen[0]).toMatchObject({ method: 'GET', url: `/v3/pay/transactions/out-trade-no/${order.out_trade_no}?mchid=${MCHID}`, body: '', signatureValid: true });
    expect(w.seen[0]!.headers['content-type']).toBeUndefined();
  });

  it('refuses to send an order that breaks the field rules', async () => {
    const w = await fakeWechat(() => ({ status: 200, body: H5 }));
    const { c } = client([w.url]);
    await expect(createH5Order(c, { ...order, amount: { total: 0 } })).rejects.toMatchObject({ name: 'WechatPayInputError', field: '/amount/total' });
    await expect(createH5Order(c, { ...order, notify_url: 'https://m.example.com/n?x=1' })).rejects.toMatchObject({ field: '/notify_url' });
    // Days that do not exist: Date.parse would roll them into March, WeChat answers PARAM_ERROR.
    await expect(createH5Order(c, { ...order, time_expire: '2024-02-30T10:00:00+08:00' })).rejects.toMatchObject({ field: '/time_expire' });
    await expect(createH5Order(c, { ...order, time_expire: '2024-06-08T24:00:00+08:00' })).rejects.toMatchObject({ field: '/time_expire' });
    await expect(fetchTradeBill(c, { bill_date: '2023-02-29' })).rejects.toMatchObject({ name: 'WechatPayInputError', field: '/bill_date' });
    expect(w.seen).toHaveLength(0);
  });
});

describe('WechatPayClient retries', () => {
  it('retries a 5xx with the identical body, re-signed with a fresh nonce', async () => {
    const w = await fakeWechat((_, n) => (n === 1 ? { status: 500, body: '{"code":"SYSTEM_ERROR","message":"系统错误"}', sign: false } : { status: 200, body: H5 }));
    const { c, delays } = client([w.url]);
    await createH5Order(c, order);
    expect(w.seen).toHaveLength(2);
    expect(w.seen[1]!.body).toBe(w.seen[0]!.body);
    expect(w.seen.every((s) => s.signatureValid)).toBe(true);
    expect(parseAuthorization(String(w.seen[1]!.headers.authorization))!.nonce_str).not.toBe(parseAuthorization(String(w.seen[0]!.headers.authorization))!.nonce_str);
    expect(delays).toEqual([150]);
  });

  it('gives up after maxAttempts on repeated 5xx with the last WeChat error', async () => {
    const w = await fakeWechat(() => ({ status: 500, body: '{"code":"SYSTEMERROR","message":"系统错误"}', sign: false }));
    const { c } = client([w.url], { retry: { maxAttempts: 3 } });
    const err = await createH5Order(c, order).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WechatPayApiError);
    expect((err as WechatPayApiError).is('SYSTEM_ERROR')).toBe(true);
    expect(w.seen).toHaveLength(3);
  });

  it('backs off on 429 as long as Retry-After says', async () => {
    const w = await fakeWechat((_, n) => (n === 1 ? { status: 429, body: '{"code":"FREQUENCY_LIMITED","message":"频率超限"}', headers: { 'retry-after': '2' }, sign: false } : { status: 200, body: H5 }));
    const { c, delays } = client([w.url]);
    await createH5Order(c, order);
    expect(delays).toEqual([2000]);
  });

  it('never retries a 4xx and exposes code, detail.field and Request-ID', async () => {
    const w = await fakeWechat(() => ({ status: 400, body: JSON.stringify({ code: 'PARAM_ERROR', message: '参数错误', detail: { field: '/scene_info/payer_client_ip', location: 'body' } }), sign: false }));
    const { c } = client([w.url]);
    const err = (await createH5Order(c, order).catch((e: unknown) => e)) as WechatPayApiError;
    expect(err).toMatchObject({ status: 400, code: 'PARAM_ERROR', requestId: 'req-1', detail: { field: '/scene_info/payer_client_ip' } });
    expect(err.message).not.toContain(order.out_trade_no);
    expect(w.seen).toHaveLength(1);
  });

  it('fails over to the backup host when the primary refuses connections', async () => {
    const dead = await closedPortUrl();
    const w = await fakeWechat(() => ({ status: 200, body: H5 }));
    const { c } = client([dead, w.url]);
    await createH5Order(c, order);
    expect(w.seen).toHaveLength(1);
    expect(w.seen[0]!.signatureValid).toBe(true);
  });

  it('does not fail over on HTTP errors', async () => {
    const primary = await fakeWechat(() => ({ status: 503, body: '', sign: false }));
    const backup = await fakeWechat(() => ({ status: 200, body: H5 }));
    const { c } = client([primary.url, backup.url], { retry: { maxAttempts: 2 } });
    await expect(createH5Order(c, order)).rejects.toMatchObject({ status: 503, code: 'HTTP_503' });
    expect(primary.seen).toHaveLength(2);
    expect(backup.seen).toHaveLength(0);
  });

  it('times out a request that gets no answer and reports a transport error', async () => {
    const w = await fakeWechat(() => ({ status: 200, hang: true }));
    const { c } = client([w.url], { timeoutMs: 150, retry: { maxAttempts: 2 } });
    const err = await createH5Order(c, order).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WechatPayTransportError);
    expect(err).toMatchObject({ reason: 'timeout', attempts: 2 });
    expect(w.seen).toHaveLength(2);
  });

  it('reports a connection failure when every host is down', async () => {
    const { c } = client([await closedPortUrl()], { retry: { maxAttempts: 2 } });
    await expect(createH5Order(c, order)).rejects.toMatchObject({ name: 'WechatPayTransportError', reason: 'connection', attempts: 2 });
  });
});

describe('WechatPayClient connections', () => {
  it('keeps connections alive between calls and closes them itself before WeChat\'s 8 s idle close', async () => {
    // A server that would keep connections for a minute: only the client's own idle timer can close them.
    const closes: number[] = [];
    let connections = 0;
    const server = createServer((_req, res) => {
      const headers = { 'content-type': 'application/json', ...signResponse(platformKey, { serial: platformCert.serial, body: H5, timestamp: unixSeconds(systemClock) }) };
      res.writeHead(200, headers).end(H5);
    });
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      connections++;
      socket.on('close', () => closes.push(performance.now()));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { c } = client([`http://127.0.0.1:${(server.address() as AddressInfo).port}`]);
    await createH5Order(c, order);
    await createH5Order(c, { ...order, out_trade_no: `${order.out_trade_no}2` });
    const idleFrom = performance.now();
    const deadline = idleFrom + 12_000;
    while (closes.length < connections && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(closes).toHaveLength(connections);
    for (const at of closes) {
      // Not closed at once (keep-alive is on), and closed by us before WeChat would close it.
      expect(at - idleFrom).toBeGreaterThan(KEEP_ALIVE_MS - 1_000);
      expect(at - idleFrom).toBeLessThan(8_000);
    }
  }, 20_000);
});

describe('WechatPayClient verification', () => {
  it('rejects a 2xx answer signed with the wrong key and does not retry it', async () => {
    const w = await fakeWechat(() => ({ status: 200, body: H5, sign: otherKey }));
    const { c } = client([w.url]);
    await expect(createH5Order(c, order)).rejects.toMatchObject({ reason: 'signature_mismatch' });
    expect(w.seen).toHaveLength(1);
  });

  it('refuses verify:false on any endpoint but the bill file and the certificate download, sending nothing', async () => {
    const w = await fakeWechat(() => ({ status: 200, body: H5, sign: false }));
    const { c } = client([w.url]);
    for (const path of ['/v3/pay/transactions/h5', '/v3/certificates/../pay/transactions/h5', '/v3/billdownload/file2']) {
      await expect(c.send({ method: 'POST', path, body: {}, verify: false })).rejects.toThrow(TypeError);
    }
    expect(w.seen).toHaveLength(0);
    await expect(c.send({ method: 'GET', path: '/v3/billdownload/file?token=x', verify: false })).resolves.toMatchObject({ status: 200 });
  });

  it('rejects an unsigned 2xx answer', async () => {
    const w = await fakeWechat(() => ({ status: 200, body: H5, sign: false }));
    const { c } = client([w.url]);
    await expect(createH5Order(c, order)).rejects.toBeInstanceOf(WechatPayVerificationError);
  });

  it('verifies the empty 204 of a close, and rejects it unsigned', async () => {
    const ok = await fakeWechat(() => ({ status: 204 }));
    await closeOrder(client([ok.url]).c, order.out_trade_no);
    expect(JSON.parse(ok.seen[0]!.body)).toEqual({ mchid: MCHID });
    expect(ok.seen[0]!.url).toBe(`/v3/pay/transactions/out-trade-no/${order.out_trade_no}/close`);
    const unsigned = await fakeWechat(() => ({ status: 204, sign: false }));
    await expect(closeOrder(client([unsigned.url]).c, order.out_trade_no)).rejects.toMatchObject({ reason: 'missing_header' });
  });

  it('rejects a 2xx answer whose JSON does not match the spec', async () => {
    const w = await fakeWechat(() => ({ status: 200, body: '{"h5_url":42}' }));
    await expect(createH5Order(client([w.url]).c, order)).rejects.toMatchObject({ reason: 'unexpected_shape' });
  });
});

const CSV = [
  '交易时间,公众账号ID,商户号,微信订单号,商户订单号,交易状态,应结订单金额,退款金额,手续费,订单金额',
  ['2024-01-02 10:00:00', 'wx', MCHID, '4200001', 'ORDER_0001', 'SUCCESS', '1.01', '0.00', '0.01', '1.01'].map((v) => '`' + v).join(','),
  '总交易单数,应结订单总金额,退款总金额,手续费总金额,订单总金额',
  ['1', '1.01', '0.00', '0.01', '1.01'].map((v) => '`' + v).join(','),
  '',
].join('\r\n');

/** The bill JSON is signed; the file itself comes as raw bytes without signature headers (spec §2.1). */
function billServer(file: Buffer, hashOf: string) {
  return (s: Seen): Answer => {
    if (s.url.startsWith('/v3/bill/tradebill')) {
      const host = String(s.headers.host);
      return { status: 200, body: JSON.stringify({ hash_type: 'SHA1', hash_value: createHash('sha1').update(hashOf).digest('hex'), download_url: `http://${host}/v3/billdownload/file?token=abc&tartype=gzip` }) };
    }
    return { status: 200, body: file, sign: false };
  };
}

describe('trade bill', () => {
  it('downloads a gzip bill unsigned, checks SHA-1 of the decompressed CSV and parses fen', async () => {
    const gz = gzipSync(CSV);
    const raw = await fakeWechat(billServer(gz, CSV));
    const { c } = client([raw.url]);
    const bill = await fetchTradeBill(c, { bill_date: '2024-01-02', tar_type: 'GZIP' });
    expect(bill.rows[0]).toMatchObject({ out_trade_no: 'ORDER_0001', settlement_total_fen: 101, fee_fen: 1 });
    expect(bill.summary.trade_count).toBe(1);
    expect(raw.seen.map((s) => s.url)).toEqual(['/v3/bill/tradebill?bill_date=2024-01-02&tar_type=GZIP', '/v3/billdownload/file?token=abc&tartype=gzip']);
    expect(raw.seen.every((s) => s.signatureValid)).toBe(true);
  });

  it('rejects a bill whose SHA-1 does not match hash_value', async () => {
    const raw = await fakeWechat(billServer(Buffer.from(CSV), CSV.replace('1.01', '9.99')));
    await expect(fetchTradeBill(client([raw.url]).c, { bill_date: '2024-01-02' })).rejects.toMatchObject({ reason: 'bill_hash_mismatch' });
  });

  it('rejects a GZIP bill whose file is not gzip', async () => {
    const raw = await fakeWechat(billServer(Buffer.from(CSV), CSV));
    await expect(fetchTradeBill(client([raw.url]).c, { bill_date: '2024-01-02', tar_type: 'GZIP' })).rejects.toMatchObject({ reason: 'bill_gzip' });
  });

  it('refuses a download_url on a host other than the configured ones', async () => {
    const w = await fakeWechat(() => ({ status: 200, body: JSON.stringify({ hash_type: 'SHA1', hash_value: 'a'.repeat(40), download_url: 'https://evil.example.com/v3/billdownload/file?token=x' }) }));
    await expect(fetchTradeBill(client([w.url]).c, { bill_date: '2024-01-02' })).rejects.toBeInstanceOf(WechatPayResponseError);
    expect(w.seen).toHaveLength(1);
  });
});

describe('certificate download', () => {
  const sealed = sealResource(ApiV3Key.from(APIV3), platformCert.pem, { associatedData: 'certificate' });
  const body = JSON.stringify({ data: [{ serial_no: platformCert.serial, effective_time: '2021-04-27T00:00:00+08:00', expire_time: '2031-04-25T00:00:00+08:00', encrypt_certificate: sealed }] });

  it('decrypts, verifies the answer with the decrypted certificate and loads it', async () => {
    const w = await fakeWechat(() => ({ status: 200, body }));
    const { c } = client([w.url]);
    const store = new WechatPayKeyStore();
    const r = await downloadCertificates(c, { apiV3Key: ApiV3Key.from(APIV3), store, clock: systemClock });
    expect(r.mode).toBe('certificate');
    expect(store.certificateSerials()).toEqual([platformCert.serial]);
    expect(w.seen[0]!.url).toBe('/v3/certificates');
  });

  it('rejects an answer not signed by the certificates it carries, loading nothing', async () => {
    const w = await fakeWechat(() => ({ status: 200, body, sign: otherKey }));
    const store = new WechatPayKeyStore();
    await expect(downloadCertificates(client([w.url]).c, { apiV3Key: ApiV3Key.from(APIV3), store, clock: systemClock })).rejects.toBeInstanceOf(WechatPayVerificationError);
    expect(store.serials()).toEqual([]);
  });

  it('fails to decrypt with the wrong APIv3 key', async () => {
    const w = await fakeWechat(() => ({ status: 200, body }));
    await expect(downloadCertificates(client([w.url]).c, { apiV3Key: ApiV3Key.from('z'.repeat(32)), store: new WechatPayKeyStore(), clock: systemClock })).rejects.toMatchObject({ reason: 'auth_failed' });
  });

  it('reports public-key mode on 404', async () => {
    const w = await fakeWechat(() => ({ status: 404, body: '{"code":"RESOURCE_NOT_EXISTS","message":"无可用的平台证书"}', sign: false }));
    expect(await downloadCertificates(client([w.url]).c, { apiV3Key: ApiV3Key.from(APIV3), store: new WechatPayKeyStore(), clock: systemClock })).toEqual({ mode: 'public-key' });
  });
});

describe('certificate mode: unknown serial', () => {
  const sealed = sealResource(ApiV3Key.from(APIV3), platformCert.pem, { associatedData: 'certificate' });
  const certBody = JSON.stringify({ data: [{ serial_no: platformCert.serial, effective_time: '2021-04-27T00:00:00+08:00', expire_time: '2031-04-25T00:00:00+08:00', encrypt_certificate: sealed }] });

  async function setup(serveCertificates: boolean) {
    const w = await fakeWechat((s) => (s.url === '/v3/certificates' ? (serveCertificates ? { status: 200, body: certBody } : { status: 500, body: '', sign: false }) : { status: 200, body: H5 }));
    // The client knows only an older certificate; WeChat now signs with a new one.
    const store = new WechatPayKeyStore().addCertificate(loadCertificate(readFixture('official/java-wechat_pay_certificate.pem')));
    const refresher = new CertificateRefresher({
      clock: systemClock,
      minIntervalMs: 60_000,
      refresh: async () => {
        await downloadCertificates(c, { apiV3Key: ApiV3Key.from(APIV3), store, clock: systemClock });
      },
    });
    const c: WechatPayClient = client([w.url], { verifier: store, onUnknownSerial: refresher.hook, retry: { maxAttempts: 1 } }).c;
    return { w, c, store };
  }

  it('downloads the certificates once, then verifies the answer signed by the new one', async () => {
    const { w, c, store } = await setup(true);
    await createH5Order(c, order);
    await createH5Order(c, order);
    expect(store.certificateSerials()).toContain(platformCert.serial);
    expect(w.seen.filter((s) => s.url === '/v3/certificates')).toHaveLength(1);
  });

  it('rejects answers when the refresh cannot help, downloading at most once per interval', async () => {
    const { w, c } = await setup(false);
    for (let i = 0; i < 5; i++) await expect(createH5Order(c, order)).rejects.toMatchObject({ reason: 'unknown_serial' });
    expect(w.seen.filter((s) => s.url === '/v3/certificates')).toHaveLength(1);
  });
});
