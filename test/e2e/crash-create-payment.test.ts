import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openVaultFromConfig } from '../../src/services/custody/kms-from-config.ts';
import { createApiKey } from '../../src/services/merchants/api-keys.ts';
import { createMerchant } from '../../src/services/merchants/merchants.ts';
import { merchantInputFromSimulatorSandbox } from '../../src/services/merchants/simulator-import.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { freePort } from '../../src/sandbox/free-port.ts';
import { postgresReachable, REQUIRE_PG, TEST_DATABASE_URL } from '../helpers/db.ts';
import pg from 'pg';

/**
 * Issue §9 / security-and-validation §A5.5: the gateway process is SIGKILLed after WeChat accepted the
 * order and before the gateway recorded the answer; after a restart, the merchant's retry with the same
 * Idempotency-Key must yield exactly one WeChat order, one payment, the same out_trade_no and a
 * working h5_url. Run on PGlite (crash recovery of its data dir) and PostgreSQL when reachable.
 */
const here = dirname(fileURLToPath(import.meta.url));
const ENTRY = join(here, 'crash-gateway-process.ts');

let sim: RunningSimulator;
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'anfu-crash-sim-'));
  sim = await startSimulator({ stateDir, port: 0, allowHttpNotifyUrl: true, timeScale: 1000 });
}, 60_000);

afterAll(async () => {
  await sim?.close();
  await rm(stateDir, { recursive: true, force: true });
});

interface Gateway {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnGateway(env: Record<string, string>): Promise<Gateway> {
  // `node --import tsx` (not the tsx CLI, which would relay the signal as exit code 137): the gateway
  // process itself is the one that dies.
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${stderr}`)), 90_000);
    void exited.then((e) => reject(new Error(`gateway exited early (${e.code ?? e.signal}): ${stderr}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, url: (JSON.parse(line) as { url: string }).url, exited });
    });
  });
}

async function createPayment(url: string, apiKey: string, key: string, body: unknown) {
  const res = await request(`${url}/v1/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'idempotency-key': key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, unknown> };
}

async function simOrders(): Promise<Array<{ out_trade_no: string }>> {
  const res = await request(`${sim.baseUrl}/sim/orders`);
  const body = (await res.body.json()) as Array<{ out_trade_no: string }> | { data: Array<{ out_trade_no: string }> };
  return Array.isArray(body) ? body : body.data;
}

/** Prepares the database the child will use: migrated, with the simulator's merchant and an API key. */
async function prepare(dbEnv: { ANFU_DATA_DIR: string } | { DATABASE_URL: string }): Promise<{ apiKey: string; merchantId: string }> {
  const handle = await openDatabase('DATABASE_URL' in dbEnv ? { databaseUrl: dbEnv.DATABASE_URL } : { dataDir: dbEnv.ANFU_DATA_DIR });
  try {
    await migrateToLatest(handle.db);
    // The same KEK resolution as the spawned gateway (sandbox: the development key file in its data dir).
    const deps = { db: handle.db, clock: systemClock, vault: openVaultFromConfig(loadConfig(dbEnv)) };
    const m = await createMerchant(deps, { ...(await merchantInputFromSimulatorSandbox(sim.sandboxPath)), name: 'Crash test shop' });
    const { token } = await createApiKey(deps, m.id);
    return { apiKey: token, merchantId: m.id };
  } finally {
    await handle.close();
  }
}

async function crashThenRetry(dbEnv: { ANFU_DATA_DIR: string } | { DATABASE_URL: string }): Promise<void> {
  const { apiKey } = await prepare(dbEnv);
  const port = String(await freePort('127.0.0.1'));
  const env = { ...dbEnv, ANFU_PORT: port, ANFU_MODE: 'sandbox', ANFU_LOG_LEVEL: 'silent' };
  const before = new Set((await simOrders()).map((o) => o.out_trade_no));
  const ordersBefore = before.size;
  const key = `crash-${Date.now()}`;
  const body = { amount: 2599, description: '断电测试 crash test', payer_client_ip: '14.23.150.211', h5_type: 'Wap' };

  const first = await spawnGateway({ ...env, ANFU_TEST_CRASH_AFTER_WECHAT_CALL: '1' });
  await expect(createPayment(first.url, apiKey, key, body)).rejects.toThrow();
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
  // WeChat has the order; the gateway never recorded its answer.
  const afterCrash = await simOrders();
  expect(afterCrash.length).toBe(ordersBefore + 1);
  const wechatOrder = afterCrash.find((o) => !before.has(o.out_trade_no))!;

  const second = await spawnGateway(env);
  try {
    // The dead process left the key locked in flight: 409 with Retry-After until the lock goes stale
    // (the idempotency store's lock timeout, 60 s), then the retry takes the lock over and resumes the
    // payment recorded on it — a merchant's ordinary retry loop, as here.
    let retry = await createPayment(second.url, apiKey, key, body);
    expect(retry.status).toBe(409);
    const deadline = Date.now() + 120_000;
    while (retry.status === 409 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000 * Number(retry.headers['retry-after'] ?? 1)));
      retry = await createPayment(second.url, apiKey, key, body);
    }
    expect([200, 201]).toContain(retry.status);
    expect(retry.body.out_trade_no).toBe(wechatOrder.out_trade_no);
    expect(retry.body.status).toBe('pending');
    const h5Url = String(retry.body.h5_url);
    expect(new URL(h5Url).origin).toBe(sim.baseUrl);
    const cashier = await request(h5Url, { headers: { referer: `${second.url}/` } });
    const page = await cashier.body.text();
    expect(cashier.statusCode).toBe(200);
    expect(page).not.toContain('data-error');

    // Exactly one WeChat order and one payment, and a replay now returns the stored answer.
    expect((await simOrders()).length).toBe(ordersBefore + 1);
    const list = await request(`${second.url}/v1/payments?out_trade_no=${wechatOrder.out_trade_no}`, { headers: { authorization: `Bearer ${apiKey}` } });
    const listed = (await list.body.json()) as { data?: Array<{ id: string }>; id?: string };
    const ids = listed.data ? listed.data.map((p) => p.id) : [listed.id];
    expect(ids).toEqual([retry.body.id]);
    const replay = await createPayment(second.url, apiKey, key, body);
    expect(replay.body.id).toBe(retry.body.id);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
}

describe('a gateway killed between the WeChat call and the record', () => {
  it('on PGlite: the retry after restart finds the one WeChat order and records it once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'anfu-crash-db-'));
    try {
      await crashThenRetry({ ANFU_DATA_DIR: dataDir });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 300_000);

  it('on PostgreSQL: the same', async (t) => {
    if (!(await postgresReachable())) {
      if (REQUIRE_PG) throw new Error('PostgreSQL required (ANFU_TEST_REQUIRE_PG=1) but not reachable');
      t.skip();
      return;
    }
    const name = `anfu_crash_${Date.now()}_${process.pid}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const u = new URL(TEST_DATABASE_URL);
    u.pathname = `/${name}`;
    try {
      await crashThenRetry({ DATABASE_URL: u.toString() });
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }, 300_000);
});
