import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { request } from 'undici';
import { startSimulator, CASHIER_MESSAGES, RETRY_SCHEDULE_SECONDS, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { merchantClient, startReceiver } from '../../src/simulator/testing/signed-client.ts';
import { fixedClock, systemClock } from '../../src/lib/clock.ts';
import { ResponseValidator } from '../../src/wechatpay/validator.ts';
import { WechatPayKeyStore } from '../../src/wechatpay/verifier.ts';
import { loadCertificate, loadPublicKey } from '../../src/wechatpay/keys.ts';
import { ApiV3Key, openResourceText } from '../../src/wechatpay/aead.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(opts: Partial<SimulatorOptions> = {}, answer?: (n: number) => number) {
  const receiver = await startReceiver(answer);
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'anfu-sim-flow-'));
  const sim = await startSimulator({ allowHttpNotifyUrl: true, timeScale: 1000, refundDelaySeconds: 30, ...opts, stateDir });
  cleanups.push(() => receiver.close(), () => sim.close());
  const client = merchantClient(sim.sandbox, opts.clock ? { clock: opts.clock } : {});
  let n = 0;
  const createOrder = async (overrides: Record<string, unknown> = {}) => {
    const no = `F${Date.now()}${n++}`;
    const body = {
      appid: sim.sandbox.appid,
      mchid: sim.sandbox.mchid,
      description: '测试商品',
      out_trade_no: no,
      notify_url: receiver.url,
      amount: { total: 250 },
      scene_info: { payer_client_ip: '203.0.113.7', h5_info: { type: 'iOS' } },
      ...overrides,
    };
    const res = await client.call('POST', '/v3/pay/transactions/h5', body);
    expect(res.status, res.text).toBe(200);
    return { no, h5Url: res.json<{ h5_url: string }>().h5_url };
  };
  return { sim, receiver, client, createOrder, stateDir };
}

function validatorFor(sim: RunningSimulator, clock = systemClock): ResponseValidator {
  const keys = new WechatPayKeyStore()
    .addPublicKey(sim.sandbox.wechatpay_public_key_id, loadPublicKey(readFileSync(sim.sandbox.wechatpay_public_key_path)))
    .addCertificate(loadCertificate(readFileSync(sim.sandbox.platform_certificate_path)));
  return new ResponseValidator({ verifier: keys, clock });
}

async function openCashier(url: string, headers: Record<string, string>) {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, html: await res.body.text() };
}

describe('request window and Authorization (fixed clock)', () => {
  it('accepts ±299 s exactly and rejects ±300 s; a missing or malformed Authorization is SIGN_ERROR', async () => {
    const clock = fixedClock(1_750_000_000_000);
    const { sim, client } = await setup({ clock });
    const now = 1_750_000_000;
    for (const ts of [now - 299, now + 299]) expect((await client.call('GET', '/v3/certificates', undefined, { timestamp: ts })).status).toBe(404);
    for (const ts of [now - 300, now + 300]) {
      const res = await client.call('GET', '/v3/certificates', undefined, { timestamp: ts });
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ code: 'SIGN_ERROR', detail: { field: 'timestamp' } });
    }
    const none = await request(`${sim.baseUrl}/v3/certificates`, { headers: { accept: 'application/json' } });
    expect(none.statusCode).toBe(401);
    expect(await none.body.json()).toMatchObject({ code: 'SIGN_ERROR' });
    const bad = await client.call('GET', '/v3/certificates', undefined, { authorization: 'WECHATPAY2-SHA256-RSA2048 mchid="1"' });
    expect(bad.status).toBe(401);
    expect(bad.json()).toMatchObject({ code: 'SIGN_ERROR', detail: { field: 'authorization' } });
  });
});

describe('cashier', () => {
  it('shows WeChat’s messages for no Referer, a foreign Referer or redirect_url, inside WeChat, and a 127.0.0.1 payer', async () => {
    const { sim, createOrder } = await setup();
    const { h5Url } = await createOrder();
    const ref = { referer: 'http://localhost:3000/checkout' };
    expect((await openCashier(h5Url, {})).html).toContain(CASHIER_MESSAGES.noReferer);
    expect((await openCashier(h5Url, { referer: 'https://evil.example/x' })).html).toContain(CASHIER_MESSAGES.domainMismatch);
    expect((await openCashier(`${h5Url}&redirect_url=${encodeURIComponent('https://evil.example/')}`, ref)).html).toContain(CASHIER_MESSAGES.domainMismatch);
    expect((await openCashier(h5Url, { ...ref, 'user-agent': 'Mozilla/5.0 MicroMessenger/8.0' })).html).toContain(CASHIER_MESSAGES.insideWechat);
    const { h5Url: local } = await createOrder({ scene_info: { payer_client_ip: '127.0.0.1', h5_info: { type: 'Wap' } } });
    expect((await openCashier(local, ref)).html).toContain('由于商家传入的H5交易参数有误');
    const ok = await openCashier(h5Url, ref);
    expect(ok.html).toContain('确认支付');
    expect(ok.html).toContain('￥2.50');
    expect(ok.html).not.toMatch(/<script/i);
    expect(String(ok.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(sim.sandbox.h5_domains).toEqual(expect.arrayContaining(['127.0.0.1', 'localhost']));
  });

  it('expires an h5_url five minutes after it was issued', async () => {
    const clock = fixedClock(Date.now());
    const { createOrder } = await setup({ clock });
    const { h5Url } = await createOrder();
    clock.advance(5 * 60_000 + 1000);
    expect((await openCashier(h5Url, { referer: 'http://127.0.0.1/' })).html).toContain(CASHIER_MESSAGES.expired);
  });

  it('pays on 确认支付 and redirects to redirect_url on an H5 domain, notifying the merchant', async () => {
    const { sim, createOrder, receiver, client } = await setup();
    const { no, h5Url } = await createOrder();
    const page = await openCashier(`${h5Url}&redirect_url=${encodeURIComponent('http://localhost:3000/done')}`, { referer: 'http://localhost:3000/checkout' });
    const fields = Object.fromEntries([...page.html.matchAll(/name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]!.replace(/&#(\d+);/g, (_s, c: string) => String.fromCharCode(Number(c)))]));
    const res = await request(`${sim.baseUrl}/pay/checkmweb/confirm`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields as Record<string, string>).toString() });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('http://localhost:3000/done');
    const q = await client.call('GET', `/v3/pay/transactions/out-trade-no/${no}?mchid=${sim.sandbox.mchid}`);
    expect(q.json()).toMatchObject({ trade_state: 'SUCCESS' });
    await receiver.waitFor(1);
  });
  it('without redirect_url, pays and returns to the Referer the cashier was opened from', async () => {
    const { sim, createOrder, receiver } = await setup();
    const { h5Url } = await createOrder();
    const page = await openCashier(h5Url, { referer: 'http://127.0.0.1:3000/checkout?cart=7' });
    const fields = Object.fromEntries([...page.html.matchAll(/name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]!.replace(/&#(\d+);/g, (_s, c: string) => String.fromCharCode(Number(c)))]));
    const res = await request(`${sim.baseUrl}/pay/checkmweb/confirm`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields as Record<string, string>).toString() });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('http://127.0.0.1:3000/checkout?cart=7');
    await receiver.waitFor(1);
    // A forged return_to off the H5 domains is refused like a foreign Referer, and nothing is paid twice.
    const forged = await request(`${sim.baseUrl}/pay/checkmweb/confirm`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...(fields as Record<string, string>), return_to: 'https://evil.example/' }).toString() });
    expect(forged.statusCode).toBe(200);
    expect(await forged.body.text()).toContain(CASHIER_MESSAGES.domainMismatch);
  });
});

describe('time_expire', () => {
  it('refuses to pay once time_expire has passed', async () => {
    const clock = fixedClock(Date.now());
    const { sim, createOrder } = await setup({ clock });
    const expire = new Date(clock.now() + 120_000).toISOString().replace(/\.\d+Z$/, '+00:00');
    const { no, h5Url } = await createOrder({ time_expire: expire });
    clock.advance(119_000);
    expect((await openCashier(h5Url, { referer: 'http://127.0.0.1/' })).html).toContain('确认支付');
    clock.advance(2_000);
    // The h5_url itself is still young (2 min 1 s): the page refuses because the order expired.
    expect((await openCashier(h5Url, { referer: 'http://127.0.0.1/' })).html).toContain(CASHIER_MESSAGES.orderExpired);
    const res = await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'ORDER_EXPIRED' });
  });
});

describe('notifications', () => {
  it('delivers TRANSACTION.SUCCESS signed with the public key and encrypted with the APIv3 key, as spec §3', async () => {
    const { sim, createOrder, receiver } = await setup();
    const { no } = await createOrder({ attach: 'x' });
    await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    const [n] = await receiver.waitFor(1);
    expect(n!.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
    await expect(validatorFor(sim).validate(n!.headers, n!.body)).resolves.toMatchObject({ serial: sim.sandbox.wechatpay_public_key_id });
    const body = JSON.parse(n!.body);
    expect(body).toMatchObject({ resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS', summary: '支付成功', resource: { original_type: 'transaction', associated_data: 'transaction', algorithm: 'AEAD_AES_256_GCM' } });
    expect(body.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    const tx = JSON.parse(openResourceText(ApiV3Key.from(sim.sandbox.apiv3_key), body.resource));
    expect(tx).toMatchObject({ out_trade_no: no, trade_state: 'SUCCESS', trade_type: 'MWEB', attach: 'x', amount: { total: 250, payer_total: 250 } });
  });

  it('retries failed deliveries on the compressed schedule until a 2xx, keeping the same id', async () => {
    const { sim, createOrder, receiver } = await setup({ timeScale: 1000 }, (n) => (n < 3 ? 500 : 200));
    const { no } = await createOrder();
    await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    const got = await receiver.waitFor(4);
    const ids = new Set(got.map((g) => JSON.parse(g.body).id));
    expect(ids.size).toBe(1);
    // 15 s, 15 s, 30 s divided by 1000: each retry waits at least its own interval.
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(14);
    expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(14);
    expect(got[3]!.at - got[2]!.at).toBeGreaterThanOrEqual(29);
    expect(got[3]!.at - got[0]!.at).toBeGreaterThanOrEqual(59);
    const log = (await (await fetch(`${sim.baseUrl}/sim/notifications`)).json()) as { data: { outcome: string; attempt: number }[] };
    expect(log.data.map((d) => d.outcome)).toEqual(['failed', 'failed', 'failed', 'delivered']);
  });

  it('follows WeChat\'s whole schedule (15 retries over 24 h 4 m, compressed) and then gives up', async () => {
    expect(RETRY_SCHEDULE_SECONDS).toEqual([15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600]);
    expect(RETRY_SCHEDULE_SECONDS.reduce((a, b) => a + b, 0)).toBe(24 * 3600 + 4 * 60);
    // 100 000×: the 24 h 4 m take 0.87 s.
    const { sim, createOrder, receiver } = await setup({ timeScale: 100_000 }, () => 503);
    const { no } = await createOrder();
    await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    const got = await receiver.waitFor(16, 10_000);
    for (let i = 1; i < 16; i++) expect(got[i]!.at - got[i - 1]!.at).toBeGreaterThanOrEqual(Math.floor((RETRY_SCHEDULE_SECONDS[i - 1]! * 1000) / 100_000) - 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(16);
    const log = (await (await fetch(`${sim.baseUrl}/sim/notifications`)).json()) as { data: { attempt: number; outcome: string }[] };
    expect(log.data.map((d) => d.attempt)).toEqual([...Array(16).keys()]);
    expect(log.data.every((d) => d.outcome === 'failed')).toBe(true);
  });

  it('sends a signature probe first when asked, duplicates and drops on demand', async () => {
    const { sim, createOrder, receiver } = await setup();
    const post = (b: unknown) => fetch(`${sim.baseUrl}/sim/faults`, { method: 'POST', body: JSON.stringify(b), headers: { 'content-type': 'application/json' } });
    expect((await post({ notifications: { signature_probe: true, duplicate: true } })).status).toBe(200);
    const a = await createOrder();
    await fetch(`${sim.baseUrl}/sim/transactions/${a.no}/pay`, { method: 'POST' });
    const got = await receiver.waitFor(3);
    expect(String(got[0]!.headers['wechatpay-signature'])).toMatch(/^WECHATPAY\/SIGNTEST\//);
    await expect(validatorFor(sim).validate(got[0]!.headers, got[0]!.body)).rejects.toMatchObject({ reason: 'signature_probe' });
    expect(JSON.parse(got[1]!.body).id).toBe(JSON.parse(got[2]!.body).id);
    await post({ notifications: { drop: 1 } });
    const b = await createOrder();
    await fetch(`${sim.baseUrl}/sim/transactions/${b.no}/pay`, { method: 'POST' });
    await new Promise((r) => setTimeout(r, 150));
    expect(receiver.received).toHaveLength(3);
    const log = (await (await fetch(`${sim.baseUrl}/sim/notifications`)).json()) as { data: { outcome: string; out_trade_no: string }[] };
    expect(log.data.find((d) => d.out_trade_no === b.no)).toMatchObject({ outcome: 'dropped' });
  });

  it('reorders notifications held within the window', async () => {
    const { sim, createOrder, receiver } = await setup();
    await fetch(`${sim.baseUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ notifications: { reorder_window_ms: 100 } }) });
    const a = await createOrder();
    const b = await createOrder();
    await fetch(`${sim.baseUrl}/sim/transactions/${a.no}/pay`, { method: 'POST' });
    await fetch(`${sim.baseUrl}/sim/transactions/${b.no}/pay`, { method: 'POST' });
    const got = await receiver.waitFor(2);
    const key = ApiV3Key.from(sim.sandbox.apiv3_key);
    expect(got.map((g) => JSON.parse(openResourceText(key, JSON.parse(g.body).resource)).out_trade_no)).toEqual([b.no, a.no]);
  });

  it('notifies REFUND.SUCCESS and, when injected, REFUND.ABNORMAL with AAD refund', async () => {
    const { sim, createOrder, receiver, client } = await setup();
    const { no } = await createOrder();
    await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    await receiver.waitFor(1);
    await client.call('POST', '/v3/refund/domestic/refunds', { out_trade_no: no, out_refund_no: `${no}-1`, amount: { refund: 50, total: 250, currency: 'CNY' } });
    await fetch(`${sim.baseUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ refunds: { outcome: 'ABNORMAL' } }) });
    await client.call('POST', '/v3/refund/domestic/refunds', { out_trade_no: no, out_refund_no: `${no}-2`, amount: { refund: 50, total: 250, currency: 'CNY' } });
    const got = await receiver.waitFor(3);
    const key = ApiV3Key.from(sim.sandbox.apiv3_key);
    const events = got.slice(1).map((g) => JSON.parse(g.body)).map((b) => ({ type: b.event_type, data: JSON.parse(openResourceText(key, b.resource)) }));
    expect(events).toEqual(
      expect.arrayContaining([
        { type: 'REFUND.SUCCESS', data: expect.objectContaining({ out_refund_no: `${no}-1`, refund_status: 'SUCCESS', amount: expect.objectContaining({ refund: 50 }) }) },
        { type: 'REFUND.ABNORMAL', data: expect.objectContaining({ out_refund_no: `${no}-2`, refund_status: 'ABNORMAL' }) },
      ]),
    );
  });
});

describe('closed refunds', () => {
  it('notifies REFUND.CLOSED (injected or through the control API), and a closed refund frees its amount', async () => {
    const { sim, createOrder, receiver, client } = await setup({ refundDelaySeconds: 3600 });
    const { no } = await createOrder();
    await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    await receiver.waitFor(1);
    const refund = (n: string, amount: number) => client.call('POST', '/v3/refund/domestic/refunds', { out_trade_no: no, out_refund_no: n, amount: { refund: amount, total: 250, currency: 'CNY' } });
    expect((await refund(`${no}-a`, 250)).status).toBe(200);
    expect((await refund(`${no}-b`, 1)).json()).toMatchObject({ code: 'INVALID_REQUEST' });
    const closed = await fetch(`${sim.baseUrl}/sim/refunds/${no}-a/close`, { method: 'POST' });
    expect(await closed.json()).toMatchObject({ status: 'CLOSED' });
    expect((await fetch(`${sim.baseUrl}/sim/refunds/${no}-a/close`, { method: 'POST' })).status).toBe(400);
    const [, first] = await receiver.waitFor(2);
    const key = ApiV3Key.from(sim.sandbox.apiv3_key);
    const body = JSON.parse(first!.body);
    expect(body).toMatchObject({ event_type: 'REFUND.CLOSED', summary: '退款关闭', resource: { original_type: 'refund' } });
    expect(JSON.parse(openResourceText(key, body.resource))).toMatchObject({ out_refund_no: `${no}-a`, refund_status: 'CLOSED' });
    expect((await client.call('GET', `/v3/refund/domestic/refunds/${no}-a`)).json()).toMatchObject({ status: 'CLOSED' });
    // The closed 250 is refundable again; injected CLOSED settles through the delay like any outcome.
    await fetch(`${sim.baseUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ refunds: { outcome: 'CLOSED' } }) });
    expect((await refund(`${no}-c`, 250)).status).toBe(200);
    await fetch(`${sim.baseUrl}/sim/refunds/${no}-c/succeed`, { method: 'POST' });
    expect((await client.call('GET', `/v3/refund/domestic/refunds/${no}-c`)).json()).toMatchObject({ status: 'SUCCESS' });
  });

  it('settles a refund as CLOSED after the delay when faults say so', async () => {
    const { sim, createOrder, receiver, client } = await setup();
    await fetch(`${sim.baseUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ refunds: { outcome: 'CLOSED' } }) });
    const { no } = await createOrder();
    await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    await client.call('POST', '/v3/refund/domestic/refunds', { out_trade_no: no, out_refund_no: `${no}-x`, amount: { refund: 10, total: 250, currency: 'CNY' } });
    const got = await receiver.waitFor(2);
    expect(JSON.parse(got[1]!.body)).toMatchObject({ event_type: 'REFUND.CLOSED' });
  });
});

describe('refund window', () => {
  it('accepts a refund 365 days after payment and refuses one after that', async () => {
    const clock = fixedClock(Date.now());
    const { sim, createOrder, client } = await setup({ clock });
    const { no } = await createOrder();
    await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    clock.advance(365 * 86_400_000);
    const refund = (n: string) => client.call('POST', '/v3/refund/domestic/refunds', { out_trade_no: no, out_refund_no: n, amount: { refund: 1, total: 250, currency: 'CNY' } });
    expect((await refund(`${no}-1`)).status).toBe(200);
    clock.advance(1000);
    const late = await refund(`${no}-2`);
    expect(late.status).toBe(400);
    expect(late.json()).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('一年') });
  });
});

describe('faults on API calls', () => {
  it('answers with the chosen error, resets connections, and recovers after DELETE /sim/faults', async () => {
    const { sim, client } = await setup();
    await fetch(`${sim.baseUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ rules: [{ path: '/v3/certificates', error: { status: 429, code: 'FREQUENCY_LIMITED' }, times: 1 }, { path: '/v3/refund/*', reset: true }] }) });
    const limited = await client.call('GET', '/v3/certificates');
    expect(limited.status).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'FREQUENCY_LIMITED' });
    expect((await client.call('GET', '/v3/certificates')).status).toBe(404);
    await expect(client.call('GET', '/v3/refund/domestic/refunds/x')).rejects.toThrow();
    expect((await fetch(`${sim.baseUrl}/sim/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await client.call('GET', '/v3/refund/domestic/refunds/x')).status).toBe(404);
  });

  it('delays matching calls by latency_ms and leaves other paths alone', async () => {
    const { sim, client } = await setup();
    await fetch(`${sim.baseUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ rules: [{ path: '/v3/certificates', method: 'GET', latency_ms: 400 }] }) });
    let t = performance.now();
    expect((await client.call('GET', '/v3/certificates')).status).toBe(404);
    expect(performance.now() - t).toBeGreaterThanOrEqual(390);
    t = performance.now();
    expect((await client.call('GET', '/v3/refund/domestic/refunds/none')).status).toBe(404);
    expect(performance.now() - t).toBeLessThan(390);
  });

  it('fails only the configured share of calls with error rate', async () => {
    const { sim, client } = await setup();
    await fetch(`${sim.baseUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ rules: [{ path: '/v3/certificates', error: { status: 500, code: 'SYSTEM_ERROR' }, rate: 0.5 }] }) });
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await client.call('GET', '/v3/certificates')).status);
    const failed = statuses.filter((s) => s === 500).length;
    // Binomial(60, 0.5): outside 10..50 has probability below 1e-7.
    expect(failed).toBeGreaterThan(10);
    expect(failed).toBeLessThan(50);
    expect(statuses.every((s) => s === 500 || s === 404)).toBe(true);
  });

  it('rejects a malformed fault description with PARAM_ERROR', async () => {
    const { sim } = await setup();
    const res = await fetch(`${sim.baseUrl}/sim/faults`, { method: 'POST', body: JSON.stringify({ rules: [{ path: '/v3/*', error: { status: 200, code: 'X' } }] }) });
    expect(res.status).toBe(400);
  });
});

describe('key modes', () => {
  it('certificate mode serves the platform certificate encrypted under the APIv3 key and signs with the platform key', async () => {
    const { sim, client } = await setup({ keyMode: 'certificate' });
    const res = await client.call('GET', '/v3/certificates');
    expect(res.status).toBe(200);
    await expect(validatorFor(sim).validate(res.headers, res.raw)).resolves.toMatchObject({ serial: sim.sandbox.platform_certificate_serial });
    const item = res.json<{ data: { serial_no: string; encrypt_certificate: { ciphertext: string; nonce: string; associated_data: string; algorithm: string } }[] }>().data[0]!;
    expect(item.encrypt_certificate.associated_data).toBe('certificate');
    const pem = openResourceText(ApiV3Key.from(sim.sandbox.apiv3_key), item.encrypt_certificate);
    expect(loadCertificate(pem).serial).toBe(item.serial_no);
  });

  it('both mode signs with the key named by Wechatpay-Serial, the public key otherwise', async () => {
    const { sim, client } = await setup({ keyMode: 'both' });
    const byCert = await client.call('GET', '/v3/certificates', undefined, { headers: { 'Wechatpay-Serial': sim.sandbox.platform_certificate_serial } });
    expect(byCert.headers['wechatpay-serial']).toBe(sim.sandbox.platform_certificate_serial);
    const byDefault = await client.call('GET', '/v3/certificates');
    expect(byDefault.headers['wechatpay-serial']).toBe(sim.sandbox.wechatpay_public_key_id);
    await validatorFor(sim).validate(byDefault.headers, byDefault.raw);
  });
});

describe('restart', () => {
  it('keeps the merchant and its orders across a restart in the same state dir', async () => {
    const first = await setup();
    const { no } = await first.createOrder();
    await fetch(`${first.sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    const mchid = first.sim.sandbox.mchid;
    await first.sim.close();
    const second = await startSimulator({ stateDir: first.stateDir, allowHttpNotifyUrl: true });
    cleanups.push(() => second.close());
    expect(second.sandbox.mchid).toBe(mchid);
    const q = await merchantClient(second.sandbox).call('GET', `/v3/pay/transactions/out-trade-no/${no}?mchid=${mchid}`);
    expect(q.json()).toMatchObject({ trade_state: 'SUCCESS' });
    expect(JSON.parse(readFileSync(second.sandboxPath, 'utf8')).base_url).toBe(second.baseUrl);
  });
});

describe('restart with a refund in flight', () => {
  it('settles a refund left PROCESSING by the previous run and notifies it after the restart', async () => {
    const first = await setup({ refundDelaySeconds: 400 });
    const { no } = await first.createOrder();
    await fetch(`${first.sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    await first.receiver.waitFor(1);
    const created = await first.client.call('POST', '/v3/refund/domestic/refunds', { out_trade_no: no, out_refund_no: `${no}-r`, amount: { refund: 100, total: 250, currency: 'CNY' } });
    expect(created.json()).toMatchObject({ status: 'PROCESSING' });
    await first.sim.close();
    const second = await startSimulator({ stateDir: first.stateDir, allowHttpNotifyUrl: true, timeScale: 1000 });
    cleanups.push(() => second.close());
    const client = merchantClient(second.sandbox);
    const deadline = Date.now() + 5000;
    let status = 'PROCESSING';
    while (status === 'PROCESSING' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      status = (await client.call('GET', `/v3/refund/domestic/refunds/${no}-r`)).json<{ status: string }>().status;
    }
    expect(status).toBe('SUCCESS');
    const got = await first.receiver.waitFor(2);
    expect(got.map((g) => JSON.parse(g.body).event_type)).toContain('REFUND.SUCCESS');
  });

  it('goes on retrying a notification the previous run failed to deliver, with the same id and body', async () => {
    let failing = true;
    // 100×: the first retry is due 150 ms after the failure, after the restart below.
    const first = await setup({ timeScale: 100 }, () => (failing ? 503 : 200));
    const { no } = await first.createOrder();
    await fetch(`${first.sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    const deadline = Date.now() + 5000;
    const failed = async () => ((await (await fetch(`${first.sim.baseUrl}/sim/notifications`)).json()) as { data: { outcome: string }[] }).data.some((d) => d.outcome === 'failed');
    while (!(await failed()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await first.sim.close();
    failing = false;
    const second = await startSimulator({ stateDir: first.stateDir, allowHttpNotifyUrl: true, timeScale: 100 });
    cleanups.push(() => second.close());
    const got = await first.receiver.waitFor(2);
    expect(got[1]!.body).toBe(got[0]!.body);
    await validatorFor(second).validate(got[1]!.headers, got[1]!.body);
    const log = (await (await fetch(`${second.baseUrl}/sim/notifications`)).json()) as { data: { attempt: number; outcome: string }[] };
    expect(log.data).toEqual([expect.objectContaining({ attempt: 1, outcome: 'delivered' })]);
    // Delivered: a third run has nothing left to send.
    await second.close();
    const third = await startSimulator({ stateDir: first.stateDir, allowHttpNotifyUrl: true, timeScale: 100 });
    cleanups.push(() => third.close());
    await new Promise((r) => setTimeout(r, 300));
    expect(first.receiver.received).toHaveLength(2);
  });
});

describe('interoperability with wechatpay-node-v3', () => {
  const require = createRequire(import.meta.url);
  const Pay = require('wechatpay-node-v3') as new (o: Record<string, unknown>) => {
    getSignature(method: string, nonce: string, ts: string, url: string, body?: string): string;
    getAuthorization(nonce: string, ts: string, signature: string): string;
    decipher_gcm<T>(ciphertext: string, aad: string, nonce: string, key?: string): T;
  };

  type SdkOutput = { status: number; data?: Record<string, unknown>; error?: string };
  const Sdk = require('wechatpay-node-v3') as new (o: Record<string, unknown>) => {
    createHttp(service: unknown): void;
    transactions_h5(p: Record<string, unknown>): Promise<SdkOutput>;
    query(p: { out_trade_no: string }): Promise<SdkOutput>;
    close(no: string): Promise<SdkOutput>;
    refunds(p: Record<string, unknown>): Promise<SdkOutput>;
    find_refunds(no: string): Promise<SdkOutput>;
    verifySign(p: { timestamp: string; nonce: string; body: string; serial: string; signature: string; apiSecret?: string }): Promise<boolean>;
  };

  /** The SDK's constructor options for the sandbox merchant (keys as PEM bytes, as its README shows). */
  const sdkOptions = (sim: RunningSimulator) => ({
    appid: sim.sandbox.appid,
    mchid: sim.sandbox.mchid,
    serial_no: sim.sandbox.merchant_serial_no,
    publicKey: readFileSync(sim.sandbox.merchant_certificate_path),
    privateKey: readFileSync(sim.sandbox.merchant_private_key_path),
    key: sim.sandbox.apiv3_key,
  });

  /** The SDK hard-codes WeChat's host; its pluggable HTTP layer sends the bytes it signed to the simulator instead. */
  function sdkFor(sim: RunningSimulator) {
    const pay = new Sdk(sdkOptions(sim));
    const send = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>, params?: Record<string, unknown>): Promise<SdkOutput> => {
      const res = await request(url.replace('https://api.mch.weixin.qq.com', sim.baseUrl), { method, headers, ...(params ? { body: JSON.stringify(params) } : {}) });
      const text = await res.body.text();
      return res.statusCode < 300 ? { status: res.statusCode, ...(text ? { data: JSON.parse(text) as Record<string, unknown> } : {}) } : { status: res.statusCode, error: text };
    };
    pay.createHttp({
      post: (url: string, params: Record<string, unknown>, headers: Record<string, string>) => send('POST', url, headers, params),
      get: (url: string, headers: Record<string, string>) => send('GET', url, headers),
      upload: () => Promise.reject(new Error('not used')),
    });
    return pay;
  }

  it('in certificate mode, its verifySign fetches our certificates through its HTTP layer and accepts our notification', async () => {
    const { sim, receiver, createOrder } = await setup({ keyMode: 'certificate' });
    const pay = sdkFor(sim);
    const { no } = await createOrder();
    await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    const [n] = await receiver.waitFor(1);
    const h = n!.headers as Record<string, string>;
    const params = { timestamp: h['wechatpay-timestamp']!, nonce: h['wechatpay-nonce']!, body: n!.body, serial: h['wechatpay-serial']!, signature: h['wechatpay-signature']! };
    expect(params.serial).toBe(sim.sandbox.platform_certificate_serial);
    await expect(pay.verifySign(params)).resolves.toBe(true);
    await expect(pay.verifySign({ ...params, body: n!.body.replace('"id":"', '"id":"x') })).resolves.toBe(false);
  });

  it('its own API methods, with its HTTP layer plugged in to reach the simulator, order, query, refund and close', async () => {
    const { sim, receiver } = await setup();
    const pay = sdkFor(sim);
    const no = `SDK${Date.now()}`;
    const created = await pay.transactions_h5({ description: 'peer sdk', out_trade_no: no, notify_url: receiver.url, amount: { total: 300 }, scene_info: { payer_client_ip: '198.51.100.2', h5_info: { type: 'Wap' } } });
    expect(created.status, created.error).toBe(200);
    expect(String(created.data?.h5_url)).toContain('/pay/checkmweb?prepay_id=');
    const queried = await pay.query({ out_trade_no: no });
    expect(queried.status, queried.error).toBe(200);
    expect(queried.data).toMatchObject({ out_trade_no: no, trade_state: 'NOTPAY' });
    await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    const refund = await pay.refunds({ out_trade_no: no, out_refund_no: `${no}R`, amount: { refund: 100, total: 300, currency: 'CNY' } });
    expect(refund.status, refund.error).toBe(200);
    expect((await pay.find_refunds(`${no}R`)).data).toMatchObject({ out_refund_no: `${no}R` });
    const other = `SDK${Date.now()}C`;
    await pay.transactions_h5({ description: 'to close', out_trade_no: other, notify_url: receiver.url, amount: { total: 1 }, scene_info: { payer_client_ip: '198.51.100.2', h5_info: { type: 'Wap' } } });
    const closed = await pay.close(other);
    expect(closed.status, closed.error).toBe(204);
  });

  it('accepts an order signed by its helpers, and its decrypt helper opens our notification', async () => {
    const { sim, receiver } = await setup();
    const pay = new Pay(sdkOptions(sim));
    const no = `KLOVER${Date.now()}`;
    const body = JSON.stringify({ appid: sim.sandbox.appid, mchid: sim.sandbox.mchid, description: 'peer sdk', out_trade_no: no, notify_url: receiver.url, amount: { total: 1 }, scene_info: { payer_client_ip: '198.51.100.1', h5_info: { type: 'Wap' } } });
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = 'abcdefghijklmnopqrstuvwxyz012345';
    const auth = pay.getAuthorization(nonce, ts, pay.getSignature('POST', nonce, ts, '/v3/pay/transactions/h5', body));
    const res = await request(`${sim.baseUrl}/v3/pay/transactions/h5`, { method: 'POST', body, headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' } });
    expect(res.statusCode, await res.body.text()).toBe(200);
    await fetch(`${sim.baseUrl}/sim/transactions/${no}/pay`, { method: 'POST' });
    const [n] = await receiver.waitFor(1);
    const r = JSON.parse(n!.body).resource;
    const tx = pay.decipher_gcm<{ out_trade_no: string } | string>(r.ciphertext, r.associated_data, r.nonce);
    expect(typeof tx === 'string' ? JSON.parse(tx) : tx).toMatchObject({ out_trade_no: no, trade_state: 'SUCCESS' });
  });
});
