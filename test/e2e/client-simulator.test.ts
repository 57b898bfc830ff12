import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, toRfc3339Cst } from '../../src/lib/clock.ts';
import { startSimulator, type KeyMode, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { ApiV3Key } from '../../src/wechatpay/aead.ts';
import { WechatPayApiError } from '../../src/wechatpay/api-error.ts';
import { downloadCertificates } from '../../src/wechatpay/certificates.ts';
import { WechatPayClient, type WechatPayClientOptions } from '../../src/wechatpay/client.ts';
import { createH5Order, type H5OrderInput } from '../../src/wechatpay/h5.ts';
import { loadCertificate, loadPrivateKey, loadPublicKey, type CertificateInfo } from '../../src/wechatpay/keys.ts';
import { createRefund, queryRefund } from '../../src/wechatpay/refunds.ts';
import { fetchTradeBill } from '../../src/wechatpay/bills.ts';
import { LocalSigner } from '../../src/wechatpay/signer.ts';
import { closeOrder, queryByOutTradeNo, queryByTransactionId } from '../../src/wechatpay/transactions.ts';
import { WechatPayKeyStore } from '../../src/wechatpay/verifier.ts';
import { NotificationParser, type NotificationEvent } from '../../src/wechatpay/notification.ts';

/** The protocol client against the local simulator, over loopback, for every endpoint it serves. */

interface Sim {
  sim: RunningSimulator;
  dir: string;
  signer: LocalSigner;
  close(): Promise<void>;
}

/** Polls a refund until it leaves PROCESSING (the simulator settles it after a delay) or 10 s pass. */
async function settledRefundStatus(client: WechatPayClient, outRefundNo: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  let status = (await queryRefund(client, outRefundNo)).status;
  while (status === 'PROCESSING' && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 20));
    status = (await queryRefund(client, outRefundNo)).status;
  }
  return status;
}

async function boot(keyMode: KeyMode, extra: Partial<SimulatorOptions> = {}): Promise<Sim> {
  const dir = await mkdtemp(join(tmpdir(), 'anfu-e2e-client-'));
  // http notify_url is allowed only so the notification test can listen on loopback.
  const sim = await startSimulator({ stateDir: dir, keyMode, timeScale: 1000, refundDelaySeconds: 5, allowHttpNotifyUrl: true, ...extra });
  const s = sim.sandbox;
  const signer = new LocalSigner({ mchid: s.mchid, serialNo: s.merchant_serial_no, privateKey: loadPrivateKey(await readFile(s.merchant_private_key_path)) });
  return {
    sim,
    dir,
    signer,
    async close() {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function clientFor(s: Sim, verifier: WechatPayKeyStore, extra: Partial<WechatPayClientOptions> = {}): WechatPayClient {
  return new WechatPayClient({
    mchid: s.sim.sandbox.mchid,
    appid: s.sim.sandbox.appid,
    signer: s.signer,
    verifier,
    baseUrls: [s.sim.baseUrl],
    clock: systemClock,
    timeoutMs: 3000,
    sleep: async () => undefined,
    ...extra,
  });
}

async function control(s: Sim, method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${s.sim.baseUrl}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : null });
  if (res.status >= 300) throw new Error(`control ${path} answered ${res.status}`);
  return res;
}

let seq = 0;
function order(overrides: Partial<H5OrderInput> = {}): H5OrderInput {
  seq++;
  return {
    description: 'Anfu 测试商品',
    out_trade_no: `E2E${Date.now()}${seq}`,
    notify_url: 'https://127.0.0.1:9/anfu/notify',
    amount: { total: 1234, currency: 'CNY' },
    scene_info: { payer_client_ip: '14.23.150.211', h5_info: { type: 'Wap' } },
    ...overrides,
  };
}

async function apiError(p: Promise<unknown>): Promise<WechatPayApiError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof WechatPayApiError)) throw new Error(`expected a WechatPayApiError, got ${String(e)}`);
  return e;
}

describe('client ↔ simulator, public-key mode', () => {
  let s: Sim;
  let client: WechatPayClient;

  beforeAll(async () => {
    s = await boot('public-key');
    const store = new WechatPayKeyStore().addPublicKey(s.sim.sandbox.wechatpay_public_key_id, loadPublicKey(await readFile(s.sim.sandbox.wechatpay_public_key_path)));
    client = clientFor(s, store);
  });
  afterAll(async () => {
    await client?.close();
    await s?.close();
  });

  it('creates an H5 order, re-enters it for a fresh h5_url, and refuses changed parameters with OUT_TRADE_NO_USED', async () => {
    const o = order();
    const first = await createH5Order(client, o);
    const again = await createH5Order(client, o);
    expect(first.h5_url).toMatch(/prepay_id=/);
    expect(again.h5_url).not.toBe(first.h5_url);
    const e = await apiError(createH5Order(client, { ...o, amount: { total: 999 } }));
    expect(e).toMatchObject({ status: 403, code: 'OUT_TRADE_NO_USED' });
  });

  it('surfaces PARAM_ERROR with detail.field', async () => {
    const e = await apiError(createH5Order(client, order({ scene_info: { payer_client_ip: '999.1.1.1', h5_info: { type: 'Wap' } } })));
    expect(e).toMatchObject({ status: 400, code: 'PARAM_ERROR' });
    expect(e.detail?.field).toContain('payer_client_ip');
  });

  it('queries an unpaid order by out_trade_no, and an unknown one gives ORDER_NOT_EXIST', async () => {
    const o = order();
    await createH5Order(client, o);
    const tx = await queryByOutTradeNo(client, o.out_trade_no);
    expect(tx).toMatchObject({ out_trade_no: o.out_trade_no, trade_state: 'NOTPAY', mchid: s.sim.sandbox.mchid, amount: { total: 1234 } });
    expect(await apiError(queryByOutTradeNo(client, 'NOSUCHORDER123'))).toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
    expect((await apiError(queryByTransactionId(client, '4200000000000000000000000999'))).is('ORDERNOTEXIST')).toBe(true);
  });

  it('sees a paid order by both numbers; closing it gives ORDER_PAID', async () => {
    const o = order();
    await createH5Order(client, o);
    await control(s, 'POST', `/sim/transactions/${o.out_trade_no}/pay`);
    const paid = await queryByOutTradeNo(client, o.out_trade_no);
    expect(paid.trade_state).toBe('SUCCESS');
    expect(paid.transaction_id).toBeTruthy();
    const byId = await queryByTransactionId(client, paid.transaction_id!);
    expect(byId.out_trade_no).toBe(o.out_trade_no);
    expect(await apiError(closeOrder(client, o.out_trade_no))).toMatchObject({ status: 403, code: 'ORDER_PAID' });
  });

  it('closes an unpaid order with a verified 204, re-entrantly; ordering it again gives ORDER_CLOSED', async () => {
    const o = order();
    await createH5Order(client, o);
    await closeOrder(client, o.out_trade_no);
    await closeOrder(client, o.out_trade_no);
    expect((await queryByOutTradeNo(client, o.out_trade_no)).trade_state).toBe('CLOSED');
    expect(await apiError(createH5Order(client, o))).toMatchObject({ code: 'ORDER_CLOSED' });
  });

  it('refunds a paid order idempotently and sees it settle; an unknown refund is RESOURCE_NOT_EXISTS', async () => {
    const o = order();
    await createH5Order(client, o);
    await control(s, 'POST', `/sim/transactions/${o.out_trade_no}/pay`);
    const req = { out_trade_no: o.out_trade_no, out_refund_no: `R${o.out_trade_no}`, amount: { refund: 234, total: 1234, currency: 'CNY' as const } };
    const r = await createRefund(client, req);
    expect(r).toMatchObject({ out_refund_no: req.out_refund_no, out_trade_no: o.out_trade_no, amount: { refund: 234, total: 1234 } });
    expect(['PROCESSING', 'SUCCESS']).toContain(r.status);
    const same = await createRefund(client, req);
    expect(same.refund_id).toBe(r.refund_id);
    expect(await settledRefundStatus(client, req.out_refund_no)).toBe('SUCCESS');
    expect(await apiError(queryRefund(client, 'NO_SUCH_REFUND'))).toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
  });

  it('retries a SYSTEM_ERROR and a FREQUENCY_LIMITED answer injected by faults, then succeeds', async () => {
    try {
      await control(s, 'POST', '/sim/faults', { rules: [{ path: '/v3/pay/transactions/h5', error: { status: 500, code: 'SYSTEM_ERROR' }, times: 1 }] });
      expect((await createH5Order(client, order())).h5_url).toBeTruthy();
      await control(s, 'POST', '/sim/faults', { rules: [{ path: '/v3/pay/transactions/h5', error: { status: 429, code: 'FREQUENCY_LIMITED' }, times: 1 }] });
      expect((await createH5Order(client, order())).h5_url).toBeTruthy();
    } finally {
      await control(s, 'DELETE', '/sim/faults');
    }
  });

  it('reports FREQUENCY_LIMITED once attempts run out', async () => {
    const once = clientFor(s, new WechatPayKeyStore().addPublicKey(s.sim.sandbox.wechatpay_public_key_id, loadPublicKey(await readFile(s.sim.sandbox.wechatpay_public_key_path))), { retry: { maxAttempts: 1 } });
    try {
      await control(s, 'POST', '/sim/faults', { rules: [{ path: '/v3/pay/transactions/h5', error: { status: 429, code: 'FREQUENCY_LIMITED' } }] });
      expect(await apiError(createH5Order(once, order()))).toMatchObject({ status: 429, code: 'FREQUENCY_LIMITED' });
    } finally {
      await control(s, 'DELETE', '/sim/faults');
      await once.close();
    }
  });

  it('retries after the simulator resets the connection', async () => {
    try {
      await control(s, 'POST', '/sim/faults', { rules: [{ path: '/v3/pay/transactions/h5', reset: true, times: 1 }] });
      expect((await createH5Order(client, order())).h5_url).toBeTruthy();
    } finally {
      await control(s, 'DELETE', '/sim/faults');
    }
  });

  it('fetches today\'s trade bill, plain and gzip, hash-checked and in fen, with the paid order and its refund', async () => {
    const o = order({ amount: { total: 2345, currency: 'CNY' } });
    await createH5Order(client, o);
    await control(s, 'POST', `/sim/transactions/${o.out_trade_no}/pay`);
    await createRefund(client, { out_trade_no: o.out_trade_no, out_refund_no: `B${o.out_trade_no}`, amount: { refund: 345, total: 2345, currency: 'CNY' } });
    // A refund enters the bill once it has settled (PROCESSING → SUCCESS after the simulated delay).
    expect(await settledRefundStatus(client, `B${o.out_trade_no}`)).toBe('SUCCESS');
    const billDate = toRfc3339Cst(Date.now()).slice(0, 10);
    for (const tar of [undefined, 'GZIP' as const]) {
      const bill = await fetchTradeBill(client, { bill_date: billDate, ...(tar ? { tar_type: tar } : {}) });
      const rows = bill.rows.filter((r) => r.out_trade_no === o.out_trade_no);
      expect(rows.find((r) => r.trade_state === 'SUCCESS')).toMatchObject({ settlement_total_fen: 2345, mchid: s.sim.sandbox.mchid });
      expect(rows.find((r) => r.out_refund_no === `B${o.out_trade_no}`)).toMatchObject({ refund_fen: 345 });
      expect(bill.summary.trade_count).toBe(bill.rows.length);
    }
  });

  it('answers NO_STATEMENT_EXIST for a bill date with no trades', async () => {
    expect(await apiError(fetchTradeBill(client, { bill_date: '2001-01-01' }))).toMatchObject({ status: 400, code: 'NO_STATEMENT_EXIST' });
  });

  it('learns public-key mode from the 404 of /v3/certificates', async () => {
    const r = await downloadCertificates(client, { apiV3Key: ApiV3Key.from(s.sim.sandbox.apiv3_key), store: new WechatPayKeyStore(), clock: systemClock });
    expect(r).toEqual({ mode: 'public-key' });
  });

  it('gets SIGN_ERROR for a wrong signing key or a clock 5 minutes off, and APPID_MCHID_NOT_MATCH for a foreign appid, each without a retry', async () => {
    const store = new WechatPayKeyStore().addPublicKey(s.sim.sandbox.wechatpay_public_key_id, loadPublicKey(await readFile(s.sim.sandbox.wechatpay_public_key_path)));
    const calls: (number | string)[] = [];
    const onCall = (c: { status: number | string }): void => void calls.push(c.status);
    const wrongKey = new LocalSigner({ mchid: s.sim.sandbox.mchid, serialNo: s.sim.sandbox.merchant_serial_no, privateKey: loadPrivateKey(await readFile(s.sim.sandbox.wechatpay_private_key_path)) });
    const clients = [
      clientFor(s, store, { signer: wrongKey, onCall }),
      clientFor(s, store, { clock: { now: () => Date.now() - 300_000 }, onCall }),
      clientFor(s, store, { onCall }),
    ];
    try {
      expect(await apiError(createH5Order(clients[0]!, order()))).toMatchObject({ status: 401, code: 'SIGN_ERROR' });
      expect(await apiError(createH5Order(clients[1]!, order()))).toMatchObject({ status: 401, code: 'SIGN_ERROR' });
      expect(await apiError(createH5Order(clients[2]!, order({ appid: 'wx00000000000000ff' })))).toMatchObject({ status: 400, code: 'APPID_MCHID_NOT_MATCH' });
      expect(calls).toEqual([401, 401, 400]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('rejects the answers when the client trusts a different WeChat Pay key', async () => {
    const wrong = clientFor(s, new WechatPayKeyStore().addPublicKey(s.sim.sandbox.wechatpay_public_key_id, loadPublicKey(await readFile(s.sim.sandbox.merchant_certificate_path))));
    try {
      await expect(createH5Order(wrong, order())).rejects.toMatchObject({ name: 'WechatPayVerificationError', reason: 'signature_mismatch' });
    } finally {
      await wrong.close();
    }
  });
});

describe('client ↔ simulator, WeChat\'s rate limits', () => {
  let s: Sim;
  let keys: WechatPayKeyStore;
  beforeAll(async () => {
    // Two orders per second instead of WeChat's 500, so a test can reach the limit.
    s = await boot('public-key', { rateLimits: { order: 2 } });
    keys = new WechatPayKeyStore().addPublicKey(s.sim.sandbox.wechatpay_public_key_id, loadPublicKey(await readFile(s.sim.sandbox.wechatpay_public_key_path)));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers 429 FREQUENCY_LIMITED past the per-merchant limit; the client backs off and gets through', async () => {
    const once = clientFor(s, keys, { retry: { maxAttempts: 1 } });
    // Real sleeps: the 429 backoff must outlast the simulator's one-second bucket refill.
    const patient = clientFor(s, keys, { sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)) });
    try {
      expect((await createH5Order(once, order())).h5_url).toBeTruthy();
      expect((await createH5Order(once, order())).h5_url).toBeTruthy();
      expect(await apiError(createH5Order(once, order()))).toMatchObject({ status: 429, code: 'FREQUENCY_LIMITED' });
      // Queries are a family of their own, unlimited by default.
      await expect(queryByOutTradeNo(once, 'NOPE123456')).rejects.toMatchObject({ code: 'ORDER_NOT_EXIST' });
      const t0 = Date.now();
      expect((await createH5Order(patient, order())).h5_url).toBeTruthy();
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    } finally {
      await once.close();
      await patient.close();
    }
  });
});

describe('client ↔ simulator, certificate mode', () => {
  let s: Sim;

  beforeAll(async () => {
    s = await boot('certificate');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('downloads, decrypts and verifies the platform certificate, then verifies answers with it', async () => {
    const store = new WechatPayKeyStore();
    const client = clientFor(s, store);
    try {
      const r = await downloadCertificates(client, { apiV3Key: ApiV3Key.from(s.sim.sandbox.apiv3_key), store, clock: systemClock });
      expect(r.mode).toBe('certificate');
      expect(store.certificateSerials()).toEqual([s.sim.sandbox.platform_certificate_serial]);
      const o = order();
      await createH5Order(client, o);
      expect((await queryByOutTradeNo(client, o.out_trade_no)).trade_state).toBe('NOTPAY');
    } finally {
      await client.close();
    }
  });
});

describe('simulator notifications → NotificationParser', () => {
  let s: Sim;
  let client: WechatPayClient;
  let receiver: Server;
  let notifyUrl: string;
  const received: { headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];

  beforeAll(async () => {
    s = await boot('public-key');
    client = clientFor(s, new WechatPayKeyStore().addPublicKey(s.sim.sandbox.wechatpay_public_key_id, loadPublicKey(await readFile(s.sim.sandbox.wechatpay_public_key_path))));
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":"SUCCESS","message":"成功"}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
  });
  afterAll(async () => {
    await client?.close();
    await s?.close();
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
  });

  async function next(count: number): Promise<void> {
    for (let i = 0; i < 200 && received.length < count; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received.length).toBeGreaterThanOrEqual(count);
  }

  it('verifies, decrypts and types the payment and refund notifications the simulator sends', async () => {
    const parser = new NotificationParser({ validator: client.validator, apiV3Key: ApiV3Key.from(s.sim.sandbox.apiv3_key) });
    const o = order();
    // Sent through the raw client because the sandbox accepts the http notify_url that production rules refuse.
    await client.send({ method: 'POST', path: '/v3/pay/transactions/h5', body: { ...o, notify_url: notifyUrl, appid: s.sim.sandbox.appid, mchid: s.sim.sandbox.mchid } });
    await control(s, 'POST', `/sim/transactions/${o.out_trade_no}/pay`);
    await next(1);
    const paid: NotificationEvent = await parser.parse(received[0]!.headers, received[0]!.body);
    expect(paid.kind).toBe('transaction');
    if (paid.kind === 'transaction') expect(paid.transaction).toMatchObject({ out_trade_no: o.out_trade_no, trade_state: 'SUCCESS', amount: { total: 1234 }, mchid: s.sim.sandbox.mchid });

    await client.send({ method: 'POST', path: '/v3/refund/domestic/refunds', body: { out_trade_no: o.out_trade_no, out_refund_no: `M${o.out_trade_no}`, notify_url: notifyUrl, amount: { refund: 100, total: 1234, currency: 'CNY' } } });
    await next(2);
    const refunds = await Promise.all(received.slice(1).map((r) => parser.parse(r.headers, r.body)));
    const mine = refunds.find((e) => e.kind === 'refund' && e.refund.out_refund_no === `M${o.out_trade_no}`);
    expect(mine).toMatchObject({ kind: 'refund', event_type: 'REFUND.SUCCESS', refund: { refund_status: 'SUCCESS', amount: { refund: 100, total: 1234 } } });
  });

  it('types the simulator\'s REFUND.ABNORMAL and REFUND.CLOSED notifications', async () => {
    const parser = new NotificationParser({ validator: client.validator, apiV3Key: ApiV3Key.from(s.sim.sandbox.apiv3_key) });
    const o = order();
    await client.send({ method: 'POST', path: '/v3/pay/transactions/h5', body: { ...o, notify_url: notifyUrl, appid: s.sim.sandbox.appid, mchid: s.sim.sandbox.mchid } });
    await control(s, 'POST', `/sim/transactions/${o.out_trade_no}/pay`);
    const before = received.length;
    try {
      for (const outcome of ['ABNORMAL', 'CLOSED']) {
        await control(s, 'POST', '/sim/faults', { refunds: { outcome } });
        await client.send({ method: 'POST', path: '/v3/refund/domestic/refunds', body: { out_trade_no: o.out_trade_no, out_refund_no: `${outcome}${o.out_trade_no}`, notify_url: notifyUrl, amount: { refund: 10, total: 1234, currency: 'CNY' } } });
      }
      await next(before + 3);
    } finally {
      await control(s, 'DELETE', '/sim/faults');
    }
    const events = await Promise.all(received.slice(before).map((r) => parser.parse(r.headers, r.body)));
    for (const outcome of ['ABNORMAL', 'CLOSED']) {
      expect(events.find((e) => e.kind === 'refund' && e.refund.out_refund_no === `${outcome}${o.out_trade_no}`)).toMatchObject({ kind: 'refund', event_type: `REFUND.${outcome}`, refund: { refund_status: outcome } });
    }
  });

  it('rejects the simulator\'s WECHATPAY/SIGNTEST/ probes', async () => {
    const parser = new NotificationParser({ validator: client.validator, apiV3Key: ApiV3Key.from(s.sim.sandbox.apiv3_key) });
    const before = received.length;
    try {
      await control(s, 'POST', '/sim/faults', { notifications: { signature_probe: true } });
      const o = order();
      await client.send({ method: 'POST', path: '/v3/pay/transactions/h5', body: { ...o, notify_url: notifyUrl, appid: s.sim.sandbox.appid, mchid: s.sim.sandbox.mchid } });
      await control(s, 'POST', `/sim/transactions/${o.out_trade_no}/pay`);
      await next(before + 2);
    } finally {
      await control(s, 'DELETE', '/sim/faults');
    }
    const results = await Promise.all(received.slice(before).map((r) => parser.parse(r.headers, r.body).then(() => 'ok', (e: { reason?: string }) => e.reason)));
    expect(results).toContain('signature_probe');
    expect(results).toContain('ok');
  });
});

describe('client ↔ simulator, migration (both keys live)', () => {
  let s: Sim;

  beforeAll(async () => {
    s = await boot('both');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('downloads certificates signed with the public key it already holds, then verifies answers signed by either key', async () => {
    const pub = loadPublicKey(await readFile(s.sim.sandbox.wechatpay_public_key_path));
    const both = new WechatPayKeyStore().addPublicKey(s.sim.sandbox.wechatpay_public_key_id, pub);
    const bothClient = clientFor(s, both);
    try {
      // The download answer is signed with the public key (the one our Wechatpay-Serial asks for).
      const r = await downloadCertificates(bothClient, { apiV3Key: ApiV3Key.from(s.sim.sandbox.apiv3_key), store: both, clock: systemClock });
      expect(r.mode).toBe('certificate');
      expect(both.certificateSerials()).toEqual([s.sim.sandbox.platform_certificate_serial]);
      expect(both.acceptSerial()).toBe(s.sim.sandbox.wechatpay_public_key_id);
      const o = order();
      await createH5Order(bothClient, o);

      // A client that holds only the certificate asks for it by serial and verifies the certificate-signed answers.
      const certOnly = new WechatPayKeyStore().addCertificate(await certificateOf(s));
      const certClient = clientFor(s, certOnly);
      try {
        expect(certOnly.acceptSerial()).toBe(s.sim.sandbox.platform_certificate_serial);
        expect((await queryByOutTradeNo(certClient, o.out_trade_no)).trade_state).toBe('NOTPAY');
      } finally {
        await certClient.close();
      }
    } finally {
      await bothClient.close();
    }
  });

  it('fails closed when the first certificate download is signed by a key it does not hold', async () => {
    // Nothing held, so no Wechatpay-Serial: the migrating platform signs with the public key.
    const empty = new WechatPayKeyStore();
    const c = clientFor(s, empty);
    try {
      await expect(downloadCertificates(c, { apiV3Key: ApiV3Key.from(s.sim.sandbox.apiv3_key), store: empty, clock: systemClock })).rejects.toMatchObject({ reason: 'unknown_serial' });
      expect(empty.serials()).toEqual([]);
    } finally {
      await c.close();
    }
  });
});

async function certificateOf(s: Sim): Promise<CertificateInfo> {
  return loadCertificate(await readFile(s.sim.sandbox.platform_certificate_path));
}
