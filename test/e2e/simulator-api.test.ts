import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { merchantClient, startReceiver } from '../../src/simulator/testing/signed-client.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { ResponseValidator } from '../../src/wechatpay/validator.ts';
import { WechatPayKeyStore } from '../../src/wechatpay/verifier.ts';
import { loadPublicKey } from '../../src/wechatpay/keys.ts';
import { formatAuthorization, parseAuthorization } from '../../src/wechatpay/signer.ts';

let sim: RunningSimulator;
let client: ReturnType<typeof merchantClient>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let validator: ResponseValidator;
let seq = 0;

const newNo = (): string => `T${Date.now()}${(seq++).toString().padStart(4, '0')}`;

function order(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    appid: sim.sandbox.appid,
    mchid: sim.sandbox.mchid,
    description: 'Image形象店-深圳腾大-QQ公仔',
    out_trade_no: newNo(),
    notify_url: receiver.url,
    amount: { total: 100, currency: 'CNY' },
    scene_info: { payer_client_ip: '14.23.150.211', h5_info: { type: 'Wap' } },
    ...overrides,
  };
}

beforeAll(async () => {
  receiver = await startReceiver();
  sim = await startSimulator({ stateDir: mkdtempSync(join(tmpdir(), 'anfu-sim-api-')), allowHttpNotifyUrl: true, timeScale: 1000, refundDelaySeconds: 60 });
  client = merchantClient(sim.sandbox);
  const keys = new WechatPayKeyStore().addPublicKey(sim.sandbox.wechatpay_public_key_id, loadPublicKey(readFileSync(sim.sandbox.wechatpay_public_key_path)));
  validator = new ResponseValidator({ verifier: keys, clock: systemClock });
});

afterAll(async () => {
  await sim?.close();
  await receiver?.close();
});

async function createOrder(body = order()) {
  const res = await client.call('POST', '/v3/pay/transactions/h5', body);
  expect(res.status, res.text).toBe(200);
  return { res, body, no: body.out_trade_no as string };
}

describe('request authentication', () => {
  it('accepts a correctly signed order and signs its answer with the WeChat Pay public key', async () => {
    const { res } = await createOrder();
    expect(res.json<{ h5_url: string }>().h5_url).toMatch(new RegExp(`^${sim.baseUrl}/pay/checkmweb\\?prepay_id=wx\\w+&package=\\d+$`));
    expect(res.headers['request-id']).toBeTruthy();
    await expect(validator.validate(res.headers, res.raw)).resolves.toMatchObject({ serial: sim.sandbox.wechatpay_public_key_id });
  });

  it('rejects a bad signature with 401 SIGN_ERROR, a Request-ID and no signature headers', async () => {
    const body = JSON.stringify(order());
    const good = await client.signer.sign('something else\n');
    const auth = formatAuthorization({ mchid: sim.sandbox.mchid, nonce_str: 'n'.repeat(32), timestamp: String(Math.floor(Date.now() / 1000)), serial_no: sim.sandbox.merchant_serial_no, signature: good });
    const res = await client.call('POST', '/v3/pay/transactions/h5', body, { authorization: auth });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ code: 'SIGN_ERROR', detail: { field: 'signature', location: 'authorization' } });
    expect(String(res.headers['request-id'])).toMatch(/-268443699$/);
    expect(res.headers['wechatpay-signature']).toBeUndefined();
  });

  it('rejects a body changed after signing', async () => {
    const body = order();
    const signedFor = JSON.stringify(body);
    const auth = (await import('../../src/wechatpay/signer.ts')).buildAuthorization(client.signer, { method: 'POST', canonicalUrl: '/v3/pay/transactions/h5', body: signedFor, timestamp: Math.floor(Date.now() / 1000) });
    const res = await client.call('POST', '/v3/pay/transactions/h5', JSON.stringify({ ...body, amount: { total: 1 } }), { authorization: await auth });
    expect(res.status).toBe(401);
  });

  it('rejects a serial_no that is not the merchant certificate', async () => {
    const text = JSON.stringify(order());
    const real = await (await import('../../src/wechatpay/signer.ts')).buildAuthorization(client.signer, { method: 'POST', canonicalUrl: '/v3/pay/transactions/h5', body: text, timestamp: Math.floor(Date.now() / 1000) });
    const parts = parseAuthorization(real)!;
    const res = await client.call('POST', '/v3/pay/transactions/h5', text, { authorization: formatAuthorization({ ...parts, serial_no: '1'.repeat(40) }) });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ code: 'SIGN_ERROR', message: expect.stringContaining('证书序列号') });
  });

  it('accepts a timestamp 299 s old and rejects one 300 s old or 300 s ahead', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await client.call('POST', '/v3/pay/transactions/h5', order(), { timestamp: now - 298 })).status).toBe(200);
    for (const ts of [now - 301, now + 301]) {
      const res = await client.call('POST', '/v3/pay/transactions/h5', order(), { timestamp: ts });
      expect(res.status).toBe(401);
      expect(res.json<{ message: string }>().message).toContain('5分钟');
    }
  });

  it('rejects a body mchid different from the Authorization mchid', async () => {
    const res = await client.call('POST', '/v3/pay/transactions/h5', order({ mchid: '1900000999' }));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('mchid') });
  });

  it('rejects an appid not bound to the merchant with APPID_MCHID_NOT_MATCH', async () => {
    const res = await client.call('POST', '/v3/pay/transactions/h5', order({ appid: 'wx0000000000000000' }));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'APPID_MCHID_NOT_MATCH' });
  });
});

describe('H5 order field rules', () => {
  const cases: [string, (o: Record<string, unknown>) => Record<string, unknown>, string][] = [
    ['out_trade_no shorter than 6', (o) => ({ ...o, out_trade_no: 'abc12' }), '/out_trade_no'],
    ['out_trade_no longer than 32', (o) => ({ ...o, out_trade_no: 'a'.repeat(33) }), '/out_trade_no'],
    ['out_trade_no with a forbidden character', (o) => ({ ...o, out_trade_no: 'abc#1234' }), '/out_trade_no'],
    ['empty description', (o) => ({ ...o, description: '' }), '/description'],
    ['description of 128 characters', (o) => ({ ...o, description: '字'.repeat(128) }), '/description'],
    ['notify_url over http', (o) => ({ ...o, notify_url: 'ftp://example.com/n' }), '/notify_url'],
    ['notify_url with a query', (o) => ({ ...o, notify_url: 'https://example.com/n?a=1' }), '/notify_url'],
    ['notify_url of 256 characters', (o) => ({ ...o, notify_url: `https://example.com/${'a'.repeat(236)}` }), '/notify_url'],
    ['amount.total of 0', (o) => ({ ...o, amount: { total: 0 } }), '/amount/total'],
    ['fractional amount.total', (o) => ({ ...o, amount: { total: 1.5 } }), '/amount/total'],
    ['amount.currency other than CNY', (o) => ({ ...o, amount: { total: 1, currency: 'USD' } }), '/amount/currency'],
    ['missing scene_info', (o) => ({ ...o, scene_info: undefined }), '/scene_info'],
    ['missing payer_client_ip', (o) => ({ ...o, scene_info: { h5_info: { type: 'Wap' } } }), '/scene_info/payer_client_ip'],
    ['missing h5_info.type', (o) => ({ ...o, scene_info: { payer_client_ip: '1.2.3.4', h5_info: {} } }), '/scene_info/h5_info/type'],
    ['unknown h5_info.type', (o) => ({ ...o, scene_info: { payer_client_ip: '1.2.3.4', h5_info: { type: 'Web' } } }), '/scene_info/h5_info/type'],
    ['time_expire not RFC 3339', (o) => ({ ...o, time_expire: '2030-01-01 10:00:00' }), '/time_expire'],
    ['time_expire on 30 February', (o) => ({ ...o, time_expire: '2030-02-30T10:00:00+08:00' }), '/time_expire'],
    ['time_expire at 24:00', (o) => ({ ...o, time_expire: '2030-03-01T24:00:00+08:00' }), '/time_expire'],
  ];
  for (const [name, change, field] of cases) {
    it(`rejects ${name} with PARAM_ERROR at ${field}`, async () => {
      const res = await client.call('POST', '/v3/pay/transactions/h5', change(order()));
      expect(res.status, res.text).toBe(400);
      expect(res.json()).toMatchObject({ code: 'PARAM_ERROR', detail: { field, location: 'body' } });
    });
  }

  it('rejects an undeclared field with 参数中含有非法的额外参数', async () => {
    const res = await client.call('POST', '/v3/pay/transactions/h5', order({ limit_pay: ['no_credit'] }));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'PARAM_ERROR', message: '参数中含有非法的额外参数', detail: { field: '/limit_pay' } });
    expect(String(res.headers['request-id'])).toMatch(/-270924358$/);
  });

  it('rejects a body that is not JSON', async () => {
    const res = await client.call('POST', '/v3/pay/transactions/h5', '{"appid":');
    expect(res).toMatchObject({ status: 400 });
    expect(res.json()).toMatchObject({ code: 'PARAM_ERROR' });
  });

  it('accepts the edge values: 6- and 32-character numbers with _-|*, 127-character description, currency omitted', async () => {
    for (const no of [`ab|*-_`, `${newNo()}`.padEnd(32, '_')]) {
      const res = await client.call('POST', '/v3/pay/transactions/h5', order({ out_trade_no: no, description: '字'.repeat(127), amount: { total: 1 } }));
      expect(res.status, res.text).toBe(200);
    }
  });

  it('refuses an http notify_url unless started with allowHttpNotifyUrl', async () => {
    const strict = await startSimulator({ stateDir: mkdtempSync(join(tmpdir(), 'anfu-sim-strict-')) });
    try {
      const c = merchantClient(strict.sandbox);
      const res = await c.call('POST', '/v3/pay/transactions/h5', { ...order(), appid: strict.sandbox.appid, mchid: strict.sandbox.mchid, notify_url: 'http://127.0.0.1/n' });
      expect(res.json()).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/notify_url' } });
    } finally {
      await strict.close();
    }
  });
});

describe('re-entry, query and close', () => {
  it('returns a fresh h5_url for identical parameters (any key order) and OUT_TRADE_NO_USED for different ones', async () => {
    const { res, body } = await createOrder();
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await client.call('POST', '/v3/pay/transactions/h5', reordered);
    expect(again.status).toBe(200);
    expect(again.json<{ h5_url: string }>().h5_url).not.toBe(res.json<{ h5_url: string }>().h5_url);
    const changed = await client.call('POST', '/v3/pay/transactions/h5', { ...body, amount: { total: 101, currency: 'CNY' } });
    expect(changed.status).toBe(403);
    expect(changed.json()).toMatchObject({ code: 'OUT_TRADE_NO_USED' });
  });

  it('queries an unpaid order by out_trade_no only, then by transaction_id once paid', async () => {
    const { no } = await createOrder(order({ attach: 'a=1' }));
    const q = await client.call('GET', `/v3/pay/transactions/out-trade-no/${no}?mchid=${sim.sandbox.mchid}`);
    expect(q.status).toBe(200);
    await validator.validate(q.headers, q.raw);
    expect(q.json()).toMatchObject({ out_trade_no: no, trade_type: 'MWEB', trade_state: 'NOTPAY', attach: 'a=1', amount: { total: 100 } });
    expect(q.json().transaction_id).toBeUndefined();
    const paid = await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    const tx = (await paid.json()) as { transaction_id: string };
    const byId = await client.call('GET', `/v3/pay/transactions/id/${tx.transaction_id}?mchid=${sim.sandbox.mchid}`);
    expect(byId.json()).toMatchObject({ trade_state: 'SUCCESS', transaction_id: tx.transaction_id, payer: { openid: expect.any(String) }, amount: { total: 100, payer_total: 100 } });
    expect(byId.json<{ success_time: string }>().success_time).toMatch(/\+08:00$/);
  });

  it('answers ORDER_NOT_EXIST for unknown orders and requires the mchid query', async () => {
    const res = await client.call('GET', `/v3/pay/transactions/out-trade-no/NOPE123456?mchid=${sim.sandbox.mchid}`);
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ code: 'ORDER_NOT_EXIST' });
    expect((await client.call('GET', '/v3/pay/transactions/id/4200000000000000000000000001?mchid=' + sim.sandbox.mchid)).status).toBe(404);
    const missing = await client.call('GET', `/v3/pay/transactions/out-trade-no/NOPE123456`);
    expect(missing.json()).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'mchid', location: 'query' } });
  });

  it('closes with a signed 204, re-entrantly, then refuses re-ordering and paying', async () => {
    const { no, body } = await createOrder();
    for (let i = 0; i < 2; i++) {
      const res = await client.call('POST', `/v3/pay/transactions/out-trade-no/${no}/close`, { mchid: sim.sandbox.mchid });
      expect(res.status).toBe(204);
      await validator.validate(res.headers, res.raw);
    }
    expect((await client.call('POST', '/v3/pay/transactions/h5', body)).json()).toMatchObject({ code: 'ORDER_CLOSED' });
    expect((await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' })).status).toBe(400);
  });

  it('refuses to close a paid order with ORDER_PAID', async () => {
    const { no } = await createOrder();
    await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    const res = await client.call('POST', `/v3/pay/transactions/out-trade-no/${no}/close`, { mchid: sim.sandbox.mchid });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ORDER_PAID' });
  });

  it('bumps a time_expire earlier than one minute after ordering, so the order is still payable', async () => {
    const past = new Date(Date.now() - 3600_000).toISOString().replace('Z', '+00:00').replace(/\.\d+/, '');
    const { no } = await createOrder(order({ time_expire: past }));
    // Bumped to one minute after ordering (spec §4.1): still payable now.
    expect((await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' })).status).toBe(200);
  });
});

async function paidOrder(total = 100): Promise<{ no: string; transactionId: string }> {
  const { no } = await createOrder(order({ amount: { total } }));
  const tx = (await (await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' })).json()) as { transaction_id: string };
  return { no, transactionId: tx.transaction_id };
}

const refundBody = (no: string, refund: number, total = 100, outRefundNo = `R${newNo()}`) => ({ out_trade_no: no, out_refund_no: outRefundNo, amount: { refund, total, currency: 'CNY' } });

describe('refunds', () => {
  it('accepts a refund as PROCESSING, settles it to SUCCESS after the scaled delay, and marks the order REFUND', async () => {
    const { no } = await paidOrder();
    const res = await client.call('POST', '/v3/refund/domestic/refunds', refundBody(no, 30));
    expect(res.status, res.text).toBe(200);
    await validator.validate(res.headers, res.raw);
    const r = res.json<{ out_refund_no: string; status: string; refund_id: string }>();
    expect(r.status).toBe('PROCESSING');
    await new Promise((ok) => setTimeout(ok, 200));
    const q = await client.call('GET', `/v3/refund/domestic/refunds/${r.out_refund_no}`);
    expect(q.json()).toMatchObject({ status: 'SUCCESS', refund_id: r.refund_id, amount: { refund: 30, total: 100 }, success_time: expect.stringMatching(/\+08:00$/) });
    const o = await client.call('GET', `/v3/pay/transactions/out-trade-no/${no}?mchid=${sim.sandbox.mchid}`);
    expect(o.json()).toMatchObject({ trade_state: 'REFUND' });
  });

  it('treats the same out_refund_no as the same refund and refuses it with other parameters', async () => {
    const { no } = await paidOrder();
    const body = refundBody(no, 10);
    const a = (await client.call('POST', '/v3/refund/domestic/refunds', body)).json<{ refund_id: string }>();
    const b = (await client.call('POST', '/v3/refund/domestic/refunds', body)).json<{ refund_id: string }>();
    expect(b.refund_id).toBe(a.refund_id);
    const c = await client.call('POST', '/v3/refund/domestic/refunds', { ...body, amount: { refund: 11, total: 100, currency: 'CNY' } });
    expect(c.status).toBe(400);
  });

  it('refuses cumulative refunds above the total, a wrong total, unpaid orders and unknown refunds', async () => {
    const { no, transactionId } = await paidOrder();
    expect((await client.call('POST', '/v3/refund/domestic/refunds', refundBody(no, 60))).status).toBe(200);
    const over = await client.call('POST', '/v3/refund/domestic/refunds', { ...refundBody(no, 41), out_trade_no: undefined, transaction_id: transactionId });
    expect(over.json()).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((await client.call('POST', '/v3/refund/domestic/refunds', refundBody(no, 40))).status).toBe(200);
    expect((await client.call('POST', '/v3/refund/domestic/refunds', refundBody(no, 1, 99))).json()).toMatchObject({ code: 'INVALID_REQUEST' });
    const { no: unpaid } = await createOrder();
    expect((await client.call('POST', '/v3/refund/domestic/refunds', refundBody(unpaid, 1))).json()).toMatchObject({ code: 'RESOURCE_NOT_EXISTS' });
    const missing = await client.call('GET', '/v3/refund/domestic/refunds/NOPE');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'RESOURCE_NOT_EXISTS' });
  });

  it('allows at most 50 refunds per order', async () => {
    const { no } = await paidOrder(1000);
    for (let i = 0; i < 50; i++) expect((await client.call('POST', '/v3/refund/domestic/refunds', refundBody(no, 1, 1000))).status).toBe(200);
    const res = await client.call('POST', '/v3/refund/domestic/refunds', refundBody(no, 1, 1000));
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ code: 'RULE_LIMIT' });
  });

  it('requires one of transaction_id and out_trade_no', async () => {
    const res = await client.call('POST', '/v3/refund/domestic/refunds', { out_refund_no: 'R1', amount: { refund: 1, total: 1, currency: 'CNY' } });
    expect(res.json()).toMatchObject({ code: 'PARAM_ERROR' });
  });
});

describe('trade bill', () => {
  it('serves today’s bill: hash over the CSV, back-ticked rows, yuan amounts, summary rows, gzip on request', async () => {
    const { no } = await paidOrder(1234);
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const res = await client.call('GET', `/v3/bill/tradebill?bill_date=${today}&bill_type=ALL`);
    expect(res.status, res.text).toBe(200);
    await validator.validate(res.headers, res.raw);
    const info = res.json<{ hash_type: string; hash_value: string; download_url: string }>();
    expect(info.hash_type).toBe('SHA1');
    const path = info.download_url.slice(sim.baseUrl.length);
    const file = await client.call('GET', path);
    expect(file.status).toBe(200);
    expect(file.headers['wechatpay-signature']).toBeUndefined();
    expect(createHash('sha1').update(file.raw).digest('hex')).toBe(info.hash_value);
    const csv = file.text;
    expect(csv.startsWith('\uFEFF交易时间,公众账号ID,商户号')).toBe(true);
    const lines = csv.trim().split('\r\n');
    const mine = lines.find((l) => l.includes(`\`${no}`))!;
    expect(mine).toContain('`SUCCESS');
    expect(mine).toContain('`12.34');
    expect(lines.at(-2)).toMatch(/^总交易单数,应结订单总金额/);
    expect(lines.at(-1)!.split(',').every((v) => v.startsWith('`'))).toBe(true);

    const gz = (await client.call('GET', `/v3/bill/tradebill?bill_date=${today}&tar_type=GZIP`)).json<{ hash_value: string; download_url: string }>();
    expect(gz.download_url).toContain('tartype=gzip');
    const zipped = await client.call('GET', gz.download_url.slice(sim.baseUrl.length));
    expect(createHash('sha1').update(gunzipSync(zipped.raw)).digest('hex')).toBe(gz.hash_value);
  });

  it('answers NO_STATEMENT_EXIST for a day without trades and PARAM_ERROR for a bad date', async () => {
    const res = await client.call('GET', '/v3/bill/tradebill?bill_date=2020-01-01');
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'NO_STATEMENT_EXIST' });
    expect((await client.call('GET', '/v3/bill/tradebill?bill_date=20200101')).json()).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'bill_date', location: 'query' } });
    // Dates that Date.parse would roll over into the next month are not dates.
    for (const d of ['2024-02-30', '2023-02-29', '2024-04-31', '2024-13-01', '2024-00-10']) {
      expect((await client.call('GET', `/v3/bill/tradebill?bill_date=${d}`)).json(), d).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'bill_date' } });
    }
  });

  it('rejects an unknown download token', async () => {
    expect((await client.call('GET', '/v3/billdownload/file?token=nope')).json()).toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

describe('certificates in public-key mode', () => {
  it('answers 404 RESOURCE_NOT_EXISTS with WeChat’s message', async () => {
    const res = await client.call('GET', '/v3/certificates');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ code: 'RESOURCE_NOT_EXISTS', message: '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥' });
  });
});
