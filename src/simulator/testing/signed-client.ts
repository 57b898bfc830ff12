import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { systemClock, unixSeconds, type Clock } from '../../lib/clock.ts';
import { loadPrivateKey } from '../../wechatpay/keys.ts';
import { buildAuthorization, LocalSigner } from '../../wechatpay/signer.ts';
import type { SandboxJson } from '../sandbox-merchant.ts';

/**
 * Test helpers: a merchant that signs its calls to the simulator, and a notify_url receiver that
 * records what arrives. Deliberately small, so tests exercise the simulator, not the helper.
 */
export interface SimResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export function merchantClient(sandbox: SandboxJson, opts: { clock?: Clock } = {}) {
  const signer = new LocalSigner({ mchid: sandbox.mchid, serialNo: sandbox.merchant_serial_no, privateKey: loadPrivateKey(readFileSync(sandbox.merchant_private_key_path)) });
  const clock = opts.clock ?? systemClock;
  return {
    signer,
    async call(method: string, path: string, body?: unknown, extra: { headers?: Record<string, string>; authorization?: string; timestamp?: number } = {}): Promise<SimResponse> {
      const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      const authorization =
        extra.authorization ?? (await buildAuthorization(signer, { method, canonicalUrl: path, body: text, timestamp: extra.timestamp ?? unixSeconds(clock) }));
      const res = await request(`${sandbox.base_url}${path}`, {
        method: method as 'GET',
        headers: { Authorization: authorization, Accept: 'application/json', 'User-Agent': 'anfu-test', ...(text ? { 'Content-Type': 'application/json' } : {}), ...extra.headers },
        ...(text ? { body: text } : {}),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const raw = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: res.headers, raw, text: raw.toString('utf8'), json: <T>() => JSON.parse(raw.toString('utf8')) as T };
    },
  };
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A notify_url endpoint; `answer(n)` gives the status for the n-th request (0-based). */
export async function startReceiver(answer: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      res.statusCode = answer(n);
      res.setHeader('content-type', 'application/json');
      res.end(res.statusCode < 300 ? '{"code":"SUCCESS","message":"成功"}' : '{"code":"FAIL","message":"失败"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    received,
    async waitFor(count: number, timeoutMs = 5000): Promise<Received[]> {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} notifications, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
