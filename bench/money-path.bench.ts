import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { request } from 'undici';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase, type DatabaseHandle } from '../src/db/connect.ts';
import { systemClock, toRfc3339Cst, unixSeconds } from '../src/lib/clock.ts';
import { createLogger } from '../src/lib/logger.ts';
import { createApiKey } from '../src/services/merchants/api-keys.ts';
import { createMerchant } from '../src/services/merchants/merchants.ts';
import { merchantInputFromSimulatorSandbox } from '../src/services/merchants/simulator-import.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { merchantClient } from '../src/simulator/testing/signed-client.ts';
import { freePort } from '../src/sandbox/free-port.ts';
import { notifications } from './money-path-notifications.ts';
import { pool, progress } from './money-path-shared.ts';
import { buildAuthorization } from '../src/wechatpay/signer.ts';

/**
 * The money path end to end on loopback (issue §10): (a) `POST /v1/payments` against the simulator —
 * the gateway-added latency (the same signed H5 order sent straight to the simulator, interleaved in the
 * same run, is subtracted) and orders/s at bounded concurrency; (b) WeChat notifications ingested/s
 * (HTTP → durable → 200) beside a bare INSERT loop on the same database. PGlite always, PostgreSQL
 * when DATABASE_URL or 127.0.0.1:5432 answers (in a scratch database that is dropped afterwards).
 * Counts are bounded (BENCH_ORDERS, BENCH_LATENCY_SAMPLES, BENCH_CONCURRENCY) so it stops by itself.
 */
const env = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const SAMPLES = env('BENCH_LATENCY_SAMPLES', 300);
const ORDERS = env('BENCH_ORDERS', 1000);
const CONCURRENCY = env('BENCH_CONCURRENCY', 16);
const PAYER_IP = '14.23.150.211';
let payerSeq = 0;
/** A different public payer address per order (36.112.0.0/12 is public, unicast). */
function payerIp(): string {
  payerSeq++;
  return `36.${112 + ((payerSeq >> 16) & 0x0f)}.${(payerSeq >> 8) & 0xff}.${(payerSeq & 0xff) || 1}`;
}

const GOALS = { addedP50Ms: 1, addedP99Ms: 5, ordersPerSec: 1000, notificationsPerSec: 3000, notificationShareOfInsert: 0.5 };

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

interface Backend {
  name: string;
  open(): Promise<DatabaseHandle>;
  cleanup(): Promise<void>;
}

async function postgresUrl(): Promise<string | undefined> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    await c.query('select 1');
    return url;
  } catch {
    return undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function backends(): Promise<Backend[]> {
  const dir = await mkdtemp(join(tmpdir(), 'anfu-bench-'));
  const list: Backend[] = [
    { name: 'PGlite (disk)', open: () => openDatabase({ dataDir: dir }), cleanup: () => rm(dir, { recursive: true, force: true }) },
  ];
  const base = await postgresUrl();
  if (base) {
    const name = `anfu_bench_${Date.now()}_${process.pid}`;
    const admin = async (q: string) => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(q);
      } finally {
        await c.end();
      }
    };
    const u = new URL(base);
    u.pathname = `/${name}`;
    list.push({
      name: 'PostgreSQL',
      open: async () => {
        await admin(`create database ${name}`);
        return openDatabase({ databaseUrl: u.toString() });
      },
      cleanup: () => admin(`drop database if exists ${name} with (force)`),
    });
  } else {
    console.log('  (PostgreSQL not reachable at DATABASE_URL or 127.0.0.1:5432: PGlite only)');
  }
  return list;
}

interface Figures {
  backend: string;
  simP50: number;
  simP99: number;
  gwP50: number;
  gwP99: number;
  ordersPerSec: number;
  simOrdersPerSec: number;
  notificationsPerSec?: number;
  insertsPerSec?: number;
  note?: string;
}

async function runBackend(b: Backend, sim: RunningSimulator): Promise<Figures> {
  const database = await b.open();
  const port = await freePort('127.0.0.1');
  const config = loadConfig({}, { port, logLevel: 'silent', dataDir: tmpdir() });
  const app: App = await createApp(config, { database, logger: createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent', destination: process.stderr }) });
  try {
    const gw = await app.listen();
    const deps = { db: database.db, clock: systemClock, vault: app.ctx.vault };
    const merchant = await createMerchant(deps, { ...(await merchantInputFromSimulatorSandbox(sim.sandboxPath)), name: `Bench ${b.name}` });
    const { token } = await createApiKey(deps, merchant.id);
    const direct = merchantClient(sim.sandbox);
    const notifyUrl = `${gw}/wechatpay/notify/${merchant.id}`;

    const viaGateway = async (): Promise<{ ms: number; status: number; body: string }> => {
      const t0 = performance.now();
      const res = await request(`${gw}/v1/payments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
        // Many payers, as in production: one shared IP would (rightly) trip the IP-burst risk rule.
        body: JSON.stringify({ amount: 100, description: 'bench order', payer_client_ip: payerIp(), h5_type: 'Wap' }),
      });
      const body = await res.body.text();
      return { ms: performance.now() - t0, status: res.statusCode, body };
    };
    // The simulator's share: the same kind of signed H5 order, signed before the timer starts.
    const viaSimulator = async (): Promise<number> => {
      const order = {
        appid: sim.sandbox.appid,
        mchid: sim.sandbox.mchid,
        description: 'bench order',
        out_trade_no: `B${randomUUID().replace(/-/g, '').slice(0, 30)}`,
        time_expire: toRfc3339Cst(Date.now() + 3600_000),
        notify_url: 'https://127.0.0.1/notify',
        amount: { total: 100, currency: 'CNY' },
        scene_info: { payer_client_ip: PAYER_IP, h5_info: { type: 'Wap' } },
      };
      const body = JSON.stringify(order);
      const authorization = await buildAuthorization(direct.signer, { method: 'POST', canonicalUrl: '/v3/pay/transactions/h5', body, timestamp: unixSeconds(systemClock) });
      const t0 = performance.now();
      const res = await direct.call('POST', '/v3/pay/transactions/h5', body, { authorization });
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`simulator answered ${res.status}: ${res.text}`);
      return ms;
    };

    progress(`${b.name}: gateway on ${gw}, probing POST /v1/payments`);
    const probe = await viaGateway();
    if (probe.status !== 201) {
      return { backend: b.name, simP50: NaN, simP99: NaN, gwP50: NaN, gwP99: NaN, ordersPerSec: NaN, simOrdersPerSec: NaN, note: `POST /v1/payments answered ${probe.status}: ${probe.body.slice(0, 160)}` };
    }
    for (let i = 0; i < 50; i++) {
      await viaGateway();
      await viaSimulator();
    }
    progress(`${b.name}: ${SAMPLES} interleaved latency pairs`);
    const sims: number[] = [];
    const gws: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      sims.push(await viaSimulator());
      const g = await viaGateway();
      if (g.status !== 201) throw new Error(`gateway answered ${g.status}: ${g.body.slice(0, 200)}`);
      gws.push(g.ms);
    }
    progress(`${b.name}: ${ORDERS} orders at concurrency ${CONCURRENCY}, simulator then gateway`);
    const simOrdersPerSec = await pool(ORDERS, CONCURRENCY, async () => void (await viaSimulator()));
    const created: string[] = [];
    const ordersPerSec = await pool(ORDERS, CONCURRENCY, async () => {
      const g = await viaGateway();
      if (g.status !== 201) throw new Error(`gateway answered ${g.status}: ${g.body.slice(0, 200)}`);
      created.push((JSON.parse(g.body) as { out_trade_no: string }).out_trade_no);
    });

    const figures: Figures = { backend: b.name, simP50: pct(sims, 50), simP99: pct(sims, 99), gwP50: pct(gws, 50), gwP99: pct(gws, 99), ordersPerSec, simOrdersPerSec };
    Object.assign(figures, await notifications(sim, database, notifyUrl, created, CONCURRENCY));
    return figures;
  } finally {
    await app.close();
    await database.close();
    await b.cleanup();
  }
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');
const f0 = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? '✓' : '✗');

function print(all: Figures[]): void {
  console.log(`\nMoney path on loopback (${SAMPLES} interleaved latency pairs, ${ORDERS} orders and notifications at concurrency ${CONCURRENCY})`);
  for (const f of all) {
    console.log(`\n  ${f.backend}${f.note ? `  — ${f.note}` : ''}`);
    const addedP50 = f.gwP50 - f.simP50;
    const addedP99 = f.gwP99 - f.simP99;
    const share = f.notificationsPerSec !== undefined && f.insertsPerSec ? f.notificationsPerSec / f.insertsPerSec : undefined;
    const rows: Array<[string, string, string, string]> = [
      ['POST /v1/payments p50 / p99 (ms)', `${f1(f.gwP50)} / ${f1(f.gwP99)}`, '', ''],
      ['simulator alone p50 / p99 (ms)', `${f1(f.simP50)} / ${f1(f.simP99)}`, '', ''],
      ['gateway-added p50 (ms)', f1(addedP50), `≤ ${GOALS.addedP50Ms}`, mark(Number.isFinite(addedP50) ? addedP50 <= GOALS.addedP50Ms : undefined)],
      ['gateway-added p99 (ms)', f1(addedP99), `≤ ${GOALS.addedP99Ms}`, mark(Number.isFinite(addedP99) ? addedP99 <= GOALS.addedP99Ms : undefined)],
      ['orders/s through the gateway', f0(f.ordersPerSec), `≥ ${GOALS.ordersPerSec}`, mark(Number.isFinite(f.ordersPerSec) ? f.ordersPerSec >= GOALS.ordersPerSec : undefined)],
      ['orders/s straight to the simulator', f0(f.simOrdersPerSec), '', Number.isFinite(f.simOrdersPerSec) ? `ratio ${(f.ordersPerSec / f.simOrdersPerSec).toFixed(2)}` : ''],
      ['notifications/s (HTTP → durable → 200)', f0(f.notificationsPerSec), `≥ ${GOALS.notificationsPerSec}`, mark(f.notificationsPerSec !== undefined && Number.isFinite(f.notificationsPerSec) ? f.notificationsPerSec >= GOALS.notificationsPerSec : undefined)],
      ['bare INSERT/s (same DB, same concurrency)', f0(f.insertsPerSec), '', ''],
      ['notifications ÷ bare INSERT', share !== undefined ? `${(share * 100).toFixed(0)} %` : '—', `≥ ${GOALS.notificationShareOfInsert * 100} %`, mark(share !== undefined ? share >= GOALS.notificationShareOfInsert : undefined)],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [k, v, goal, ok] of rows) console.log(`    ${k.padEnd(w)}  ${v.padStart(15)}  ${goal.padEnd(8)} ${ok}`);
  }
  console.log('\n  Added latency = gateway percentile − simulator percentile, sampled in alternation; the simulator, the');
  console.log('  gateway and the load generator share one process and the 2 cores, so absolute figures are conservative.');
}

export default async function run(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'anfu-bench-sim-'));
  const sim = await startSimulator({ stateDir, port: 0, allowHttpNotifyUrl: true, timeScale: 1000 });
  const all: Figures[] = [];
  try {
    for (const b of await backends()) {
      try {
        all.push(await runBackend(b, sim));
      } catch (e) {
        all.push({ backend: b.name, simP50: NaN, simP99: NaN, gwP50: NaN, gwP99: NaN, ordersPerSec: NaN, simOrdersPerSec: NaN, note: `failed: ${(e as Error).message}` });
      }
    }
  } finally {
    await sim.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  print(all);
}
