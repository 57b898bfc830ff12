import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOverrides } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.ts';
import type { Merchant } from '../../src/domain/merchant.ts';
import { createLogger } from '../../src/lib/logger.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { createApiKey } from '../../src/services/merchants/api-keys.ts';
import { createMerchant } from '../../src/services/merchants/merchants.ts';
import { merchantInputFromSimulatorSandbox } from '../../src/services/merchants/simulator-import.ts';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { createTestMerchant } from './merchant.ts';
import { findLeaks, type WatchedSecret } from './leak-scan.ts';

/**
 * A running gateway wired to a running simulator, for end-to-end tests: the simulator on loopback, the
 * app (HTTP on a real port, so the simulator's notifications reach it) on the given database (PGlite
 * in memory by default; pass `describeEachDb`'s handle to run on PostgreSQL too), a merchant imported
 * from the simulator's sandbox.json, and an API key for it.
 *
 *   const gw = await startGateway({ database: t.handle });
 *   const res = await gw.api('POST', '/v1/payments', { body, idempotencyKey: 'k1' });
 *   await gw.simPay(res.body.out_trade_no);
 *   await gw.close();
 */
export interface GatewayOptions {
  database?: DatabaseHandle;
  /** Simulator options (stateDir and allowHttpNotifyUrl are set here). Default timeScale 1000. */
  simulator?: Partial<Omit<SimulatorOptions, 'stateDir'>>;
  /** Background workers (app default when undefined). */
  workers?: boolean;
  clock?: Clock;
  /** Per-attempt WeChat timeout (default 2000 ms). */
  wechatpayTimeoutMs?: number;
  /** Extra createApp overrides (e.g. workerOptions). */
  overrides?: Partial<AppOverrides>;
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

/**
 * Issue 4 §7 over the whole end-to-end suite: unless a test brings its own logger, every gateway
 * logs at trace level into memory, and close() fails the test if any secret it knows of appears there —
 * the APIv3 key, the merchant private key (in any encoding), every API key issued through this helper,
 * and every payer openid the simulator handed out through `simPay`.
 */
class LogCapture {
  #text = '';
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, cb) => {
      this.#text += chunk.toString('utf8');
      cb();
    },
  });

  get text(): string {
    return this.#text;
  }
}

// Test bodies are arbitrary JSON read by shape in assertions; a loose default keeps tests terse.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Gateway {
  app: App;
  sim: RunningSimulator;
  baseUrl: string;
  merchant: Merchant;
  apiKey: string;
  /** Calls the merchant API with the merchant's key (or `key`, or none with `key: null`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  api<T = any>(method: string, path: string, opts?: { body?: unknown; idempotencyKey?: string; key?: string | null; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  /** Pays an order at the simulator as a user would; returns the simulator's answer. */
  simPay(outTradeNo: string): Promise<ApiResponse>;
  /** Calls the simulator's control API. */
  sim2(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  setFaults(faults: unknown): Promise<void>;
  clearFaults(): Promise<void>;
  /** Another merchant (not wired to the simulator) with its own key: for cross-merchant checks. */
  otherMerchant(): Promise<{ merchant: Merchant; apiKey: string }>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function call(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<ApiResponse> {
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function startGateway(opts: GatewayOptions = {}): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'anfu-gw-'));
  const sim = await startSimulator({ timeScale: 1000, refundDelaySeconds: 5, h5Domains: ['shop.example.com'], ...opts.simulator, stateDir: join(dir, 'sim'), allowHttpNotifyUrl: true });
  const database = opts.database ?? (await openDatabase({ inMemory: true }));
  const port = await freePort();
  const config = loadConfig({}, { port, mode: 'sandbox', logLevel: opts.logLevel ?? 'silent', wechatpayTimeoutMs: opts.wechatpayTimeoutMs ?? 2000 });
  const capture = opts.overrides?.logger === undefined && opts.logLevel === undefined ? new LogCapture() : undefined;
  const app = await createApp(config, {
    logger: capture ? createLogger({ level: 'trace', destination: capture.stream }) : createLogger({ level: opts.logLevel ?? 'silent' }),
    database,
    jobs: { supervise: false, schedule: false },
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    ...opts.overrides,
  });
  const baseUrl = await app.listen();
  const deps = { db: database.db, clock: app.ctx.clock, vault: app.ctx.vault };
  const merchant = await createMerchant(deps, await merchantInputFromSimulatorSandbox(sim.sandboxPath));
  const { token: apiKey } = await createApiKey(deps, merchant.id, 'e2e');
  const watched: WatchedSecret[] = [
    { label: 'APIv3 key', value: sim.sandbox.apiv3_key },
    { label: 'merchant private key', value: createPrivateKey(readFileSync(sim.sandbox.merchant_private_key_path)).export({ type: 'pkcs8', format: 'der' }) },
    { label: 'merchant API key', value: apiKey },
  ];

  return {
    app,
    sim,
    baseUrl,
    merchant,
    apiKey,
    api(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const key = o.key === undefined ? apiKey : o.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      if (o.idempotencyKey !== undefined) headers['idempotency-key'] = o.idempotencyKey;
      return call(`${baseUrl}${path}`, method, o.body, headers);
    },
    async simPay(no) {
      const res = await call(`${sim.baseUrl}/sim/transactions/${encodeURIComponent(no)}/pay`, 'POST', undefined, {});
      const openid = (res.body as { payer?: { openid?: unknown } } | undefined)?.payer?.openid;
      if (typeof openid === 'string') watched.push({ label: `payer openid of ${no}`, value: openid });
      return res;
    },
    sim2: (method, path, body) => call(`${sim.baseUrl}${path}`, method, body, {}),
    async setFaults(faults) {
      const r = await call(`${sim.baseUrl}/sim/faults`, 'POST', faults, {});
      if (r.status >= 300) throw new Error(`simulator refused faults: ${r.status} ${JSON.stringify(r.body)}`);
    },
    async clearFaults() {
      await call(`${sim.baseUrl}/sim/faults`, 'DELETE', undefined, {});
    },
    async otherMerchant() {
      const m = await createTestMerchant(database.db);
      const { token } = await createApiKey(deps, m.id, 'other');
      watched.push({ label: 'other merchant API key', value: token });
      return { merchant: m, apiKey: token };
    },
    async close() {
      await app.close();
      await sim.close();
      if (!opts.database) await database.close();
      rmSync(dir, { recursive: true, force: true });
      const leaks = capture ? findLeaks(capture.text, watched) : [];
      if (leaks.length > 0) throw new Error(`the gateway logged secrets or personal data: ${leaks.join(', ')}`);
    },
  };
}

let ipSeq = 0;
/**
 * A fresh public payer IP for each test: the default risk rules review and then block bursts from
 * one IP, so tests that are not about risk must not share one address across many orders.
 */
export function freshPayerIp(): string {
  ipSeq++;
  return `36.${112 + ((ipSeq >> 16) & 0x3f)}.${(ipSeq >> 8) & 0xff}.${(ipSeq & 0xff) || 1}`;
}
