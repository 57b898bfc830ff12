import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { sign as rsaSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase, type DatabaseHandle } from '../src/db/connect.ts';
import { systemClock } from '../src/lib/clock.ts';
import { createLogger } from '../src/lib/logger.ts';
import { createApiKey } from '../src/services/merchants/api-keys.ts';
import { createMerchant } from '../src/services/merchants/merchants.ts';
import { merchantInputFromSimulatorSandbox } from '../src/services/merchants/simulator-import.ts';
import type { RunningSimulator, SandboxJson } from '../src/simulator/index.ts';
import { freePort } from '../src/sandbox/free-port.ts';
import { ApiV3Key } from '../src/wechatpay/aead.ts';
import { loadCertificate, loadPrivateKey, loadPublicKey } from '../src/wechatpay/keys.ts';
import { notifications } from './money-path-notifications.ts';
import { progress } from './money-path-shared.ts';
import type { LoadReply, LoadRequest, LoadSetup } from './money-path-load.ts';

/**
 * The money path end to end on loopback (issue §10): (a) `POST /v1/payments` against the simulator —
 * the gateway-added latency (the same signed H5 order sent straight to the simulator, interleaved in the
 * same run, is subtracted) and orders/s at bounded concurrency; (b) WeChat notifications ingested/s
 * (HTTP → durable → 200) beside a bare INSERT loop on the same database. PGlite always, PostgreSQL
 * when DATABASE_URL or 127.0.0.1:5432 answers (in a scratch database that is dropped afterwards).
 * Counts are bounded (BENCH_ORDERS, BENCH_LATENCY_SAMPLES, BENCH_CONCURRENCY) so it stops by itself.
 *
 * Three processes, so the figures are the gateway's: this one runs only the gateway (and its database
 * client, or PGlite); the simulator runs as `anfu simulator` and the load generator as
 * bench/money-path-load.ts, each a child process. Around the throughput phase the CPU time of each
 * process (and of the PostgreSQL backends serving the bench database) is read, which gives the
 * gateway's CPU per order and the machine-level ceiling: the sum of everyone's CPU per order against
 * the cores there are. The RSA-2048 signing cost is measured in the same run: every order is signed
 * twice (the gateway's request, the simulator's answer), a floor that no gateway change removes.
 */
const env = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const SAMPLES = env('BENCH_LATENCY_SAMPLES', 300);
const ORDERS = env('BENCH_ORDERS', 1000);
const CONCURRENCY = env('BENCH_CONCURRENCY', 16);
const here = dirname(fileURLToPath(import.meta.url));

const GOALS = { addedP50Ms: 1, addedP99Ms: 5, ordersPerSec: 1000, notificationsPerSec: 3000, notificationShareOfInsert: 0.5 };

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

// ---- CPU clocks of other processes (Linux /proc; absent elsewhere, and then shown as —) -----------

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU of a process in µs, or undefined when it cannot be read. */
function processCpuUs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5) (utime, stime), counted from the state field (3rd).
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond()) * 1e6;
  } catch {
    return undefined;
  }
}

function ownCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

// ---- the simulator as its own process ----------------------------------------------------------

interface SimulatorProcess {
  sim: RunningSimulator;
  pid: number | undefined;
}

/**
 * `anfu simulator` in a child process; the RunningSimulator handed to the notification part is rebuilt
 * from the sandbox files it writes (same fields, same keys), and `close()` stops the child.
 */
async function startSimulatorProcess(stateDir: string): Promise<SimulatorProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    // No rate limits: the bench measures the simulator's own ceiling, which WeChat's 500 orders/s would cap.
    [join(here, '..', 'bin', 'anfu.js'), 'simulator', '--port', '0', '--state-dir', stateDir, '--time-scale', '1000', '--allow-http-notify-url', '--rate-limit', 'off'],
    { env: { ...process.env, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the simulator did not start within 60 s')), 60_000);
    void exited.then(() => reject(new Error('the simulator exited before it was ready')));
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  const started = JSON.parse(line) as { base_url: string; sandbox: string };
  const json = JSON.parse(await readFile(started.sandbox, 'utf8')) as SandboxJson;
  const read = (path: string) => readFile(path, 'utf8');
  const sim: RunningSimulator = {
    baseUrl: started.base_url,
    sandboxPath: started.sandbox,
    sandbox: json,
    keyMode: 'public-key',
    merchant: {
      json,
      merchantCertificate: loadCertificate(await read(json.merchant_certificate_path)),
      wechatpayPrivateKey: loadPrivateKey(await read(json.wechatpay_private_key_path)),
      wechatpayPublicKey: loadPublicKey(await read(json.wechatpay_public_key_path)),
      platformPrivateKey: loadPrivateKey(await read(json.platform_private_key_path)),
      platformCertificate: loadCertificate(await read(json.platform_certificate_path)),
      apiV3Key: ApiV3Key.from(json.apiv3_key),
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  return { sim, pid: child.pid };
}

// ---- the load generator as its own process ------------------------------------------------------

interface LoadGenerator {
  pid: number | undefined;
  send<P extends LoadRequest['phase']>(msg: Extract<LoadRequest, { phase: P }>): Promise<Extract<LoadReply, { phase: P }>>;
  close(): Promise<void>;
}

function startLoadGenerator(): LoadGenerator {
  const child = fork(join(here, 'money-path-load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    pid: child.pid,
    send(msg) {
      return new Promise((resolve, reject) => {
        const onExit = () => reject(new Error(`the load generator exited during ${msg.phase}`));
        child.once('exit', onExit);
        child.once('message', (reply: LoadReply) => {
          child.off('exit', onExit);
          if (reply.phase === 'error') reject(new Error(reply.message));
          else resolve(reply as never);
        });
        child.send(msg);
      });
    },
    async close() {
      if (child.connected) child.send({ phase: 'exit' } satisfies LoadRequest);
      const t = setTimeout(() => child.kill('SIGTERM'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

// ---- an optional CPU profile of the gateway process, throughput phase only ------------------------

/** With BENCH_CPU_PROFILE=<dir>: a .cpuprofile of this process (the gateway) during the throughput phase. */
async function startProfile(): Promise<{ stop(name: string): Promise<void> } | undefined> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${name}-${Date.now()}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      progress(`CPU profile of the gateway's throughput phase: ${file}`);
    },
  };
}

// ---- the signing floor ----------------------------------------------------------------------------

/** CPU µs of one RSA-2048 SHA256withRSA signature with a parsed key, on this machine, now. */
function rsaSignCostUs(keyPem: string): number {
  const key = loadPrivateKey(keyPem);
  const msg = Buffer.from(`POST\n/v3/pay/transactions/h5\n${Math.floor(Date.now() / 1000)}\n${'n'.repeat(32)}\n${'{"x":1}'.repeat(40)}\n`);
  for (let i = 0; i < 50; i++) rsaSign('sha256', msg, key);
  const start = ownCpuUs();
  let n = 0;
  while (ownCpuUs() - start < 400_000) {
    for (let i = 0; i < 20; i++) rsaSign('sha256', msg, key);
    n += 20;
  }
  return (ownCpuUs() - start) / n;
}

// ---- backends ---------------------------------------------------------------------------------------

interface Backend {
  name: string;
  open(): Promise<DatabaseHandle>;
  /** PostgreSQL: the pids of the backends serving the bench database (their CPU is counted too). */
  serverPids?(): Promise<number[]>;
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
    const admin = async <R extends pg.QueryResultRow>(q: string, values?: unknown[]) => {
      const c = new pg.Client({ connectionString: base });
      // A backend terminated by `drop database … with (force)` must not crash the bench.
      c.on('error', () => undefined);
      await c.connect();
      try {
        return (await c.query<R>(q, values)).rows;
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
      serverPids: async () => (await admin<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [name])).map((r) => r.pid),
      cleanup: async () => {
        // pg-boss closes its pool a moment after stop(); killing those connections first (`with (force)`)
        // would make its pool emit an 'error' that nothing handles. Wait for them, then drop.
        for (let i = 0; i < 60; i++) {
          const [row] = await admin<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
          if (!row || row.n === 0) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        await admin(`drop database if exists ${name} with (force)`);
      },
    });
  } else {
    console.log('  (PostgreSQL not reachable at DATABASE_URL or 127.0.0.1:5432: PGlite only)');
  }
  return list;
}

interface CpuPerOrder {
  /** µs of CPU per order, by process; undefined where it could not be read. */
  gateway: number;
  /** Of which in the kernel (sockets, fsync on PGlite). */
  gatewaySystem: number;
  simulator: number | undefined;
  loadGenerator: number;
  database: number | undefined;
}

interface Figures {
  backend: string;
  simP50: number;
  simP99: number;
  gwP50: number;
  gwP99: number;
  ordersPerSec: number;
  simOrdersPerSec: number;
  /** Throughput phase through the gateway. */
  cpu?: CpuPerOrder;
  /** Simulator-only phase: the simulator's and the load generator's CPU per order. */
  simCpu?: { simulator: number | undefined; loadGenerator: number };
  /** Other WeChat calls the gateway made during the throughput phase (the follow-up sweep's queries). */
  backgroundCalls?: number;
  notificationsPerSec?: number;
  /** Notifications whose effect was applied, per second from the first send (money-path-notifications.ts). */
  appliedPerSec?: number;
  insertsPerSec?: number;
  note?: string;
}

const failed = (backend: string, note: string): Figures => ({ backend, simP50: NaN, simP99: NaN, gwP50: NaN, gwP99: NaN, ordersPerSec: NaN, simOrdersPerSec: NaN, note });

/** WeChat calls the gateway made so far, by endpoint (its own Prometheus histogram's counts). */
async function wechatCalls(app: App): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const v of (await app.metrics.wechatCallDuration.get()).values) {
    if (!v.metricName?.endsWith('_count')) continue;
    const endpoint = String(v.labels.endpoint);
    m.set(endpoint, (m.get(endpoint) ?? 0) + v.value);
  }
  return m;
}

function sumCpu(pids: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const pid of pids) {
    const c = processCpuUs(pid);
    if (c !== undefined) m.set(pid, c);
  }
  return m;
}

async function runBackend(b: Backend, simProcess: SimulatorProcess): Promise<Figures> {
  const { sim } = simProcess;
  const database = await b.open();
  const port = await freePort('127.0.0.1');
  const config = loadConfig({}, { port, logLevel: 'silent', dataDir: tmpdir() });
  const app: App = await createApp(config, { database, logger: createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent', destination: process.stderr }) });
  const load = startLoadGenerator();
  try {
    const gw = await app.listen();
    const deps = { db: database.db, clock: systemClock, vault: app.ctx.vault };
    const merchant = await createMerchant(deps, { ...(await merchantInputFromSimulatorSandbox(sim.sandboxPath)), name: `Bench ${b.name}` });
    const { token } = await createApiKey(deps, merchant.id);
    const notifyUrl = `${gw}/wechatpay/notify/${merchant.id}`;
    const setup: LoadSetup = { gatewayUrl: gw, token, sandboxPath: sim.sandboxPath, samples: SAMPLES, orders: ORDERS, concurrency: CONCURRENCY };

    progress(`${b.name}: gateway on ${gw}, probing POST /v1/payments`);
    try {
      await load.send({ phase: 'setup', setup });
    } catch (e) {
      return failed(b.name, `POST /v1/payments: ${(e as Error).message.slice(0, 200)}`);
    }
    await load.send({ phase: 'warmup' });
    progress(`${b.name}: ${SAMPLES} interleaved latency pairs`);
    const lat = await load.send({ phase: 'latency' });

    progress(`${b.name}: ${ORDERS} orders at concurrency ${CONCURRENCY}, simulator then gateway`);
    const sim0 = processCpuUs(simProcess.pid);
    const simPhase = await load.send({ phase: 'simulator' });
    const sim1 = processCpuUs(simProcess.pid);

    const db0 = sumCpu((await b.serverPids?.()) ?? []);
    const gwSim0 = processCpuUs(simProcess.pid);
    const calls0 = await wechatCalls(app);
    const profiler = await startProfile();
    const own0 = ownCpuUs();
    const split0 = process.cpuUsage();
    const gwPhase = await load.send({ phase: 'gateway' });
    const own1 = ownCpuUs();
    const split = process.cpuUsage(split0);
    await profiler?.stop(`money-path-gateway-${b.name.replace(/\W+/g, '-').toLowerCase()}`);
    // The follow-up sweep queries earlier orders meanwhile (first query 15 s after creation): their cost
    // is in the figures above, as it would be in production; this says how much of it there was.
    let backgroundCalls = 0;
    for (const [endpoint, n] of await wechatCalls(app)) {
      if (!endpoint.includes('/v3/pay/transactions/h5')) backgroundCalls += n - (calls0.get(endpoint) ?? 0);
    }
    const gwSim1 = processCpuUs(simProcess.pid);
    // Backends the pool opened during the phase count in full (their whole life is this phase).
    const db1 = sumCpu((await b.serverPids?.()) ?? []);
    let dbUs: number | undefined;
    if (b.serverPids) {
      dbUs = 0;
      for (const [pid, end] of db1) dbUs += end - (db0.get(pid) ?? 0);
    }
    const per = (us: number | undefined) => (us === undefined ? undefined : us / ORDERS);
    const figures: Figures = {
      backend: b.name,
      simP50: pct(lat.sims, 50),
      simP99: pct(lat.sims, 99),
      gwP50: pct(lat.gws, 50),
      gwP99: pct(lat.gws, 99),
      ordersPerSec: gwPhase.perSec,
      simOrdersPerSec: simPhase.perSec,
      cpu: {
        gateway: (own1 - own0) / ORDERS,
        gatewaySystem: split.system / ORDERS,
        simulator: per(gwSim0 !== undefined && gwSim1 !== undefined ? gwSim1 - gwSim0 : undefined),
        loadGenerator: gwPhase.cpuUs / ORDERS,
        database: per(dbUs),
      },
      simCpu: { simulator: per(sim0 !== undefined && sim1 !== undefined ? sim1 - sim0 : undefined), loadGenerator: simPhase.cpuUs / ORDERS },
      backgroundCalls,
    };
    Object.assign(figures, await notifications(sim, database, notifyUrl, gwPhase.outTradeNos, CONCURRENCY));
    return figures;
  } finally {
    await load.close();
    await app.close();
    await database.close();
    await b.cleanup();
  }
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');
const f0 = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const ms = (us: number | undefined) => (us !== undefined && Number.isFinite(us) ? (us / 1000).toFixed(2) : '—');
const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? '✓' : '✗');

function print(all: Figures[], signUs: number, cores: number): void {
  console.log(`\nMoney path on loopback (${SAMPLES} interleaved latency pairs, ${ORDERS} orders and notifications at concurrency ${CONCURRENCY})`);
  for (const f of all) {
    console.log(`\n  ${f.backend}${f.note ? `  — ${f.note}` : ''}`);
    const addedP50 = f.gwP50 - f.simP50;
    const addedP99 = f.gwP99 - f.simP99;
    const share = f.notificationsPerSec !== undefined && f.insertsPerSec ? f.notificationsPerSec / f.insertsPerSec : undefined;
    const c = f.cpu;
    const total = c && c.simulator !== undefined ? c.gateway + c.simulator + c.loadGenerator + (c.database ?? 0) : undefined;
    const simOnly = f.simCpu?.simulator !== undefined ? f.simCpu.simulator + f.simCpu.loadGenerator : undefined;
    const rows: Array<[string, string, string, string]> = [
      ['POST /v1/payments p50 / p99 (ms)', `${f1(f.gwP50)} / ${f1(f.gwP99)}`, '', ''],
      ['simulator alone p50 / p99 (ms)', `${f1(f.simP50)} / ${f1(f.simP99)}`, '', ''],
      ['gateway-added p50 (ms)', f1(addedP50), `≤ ${GOALS.addedP50Ms}`, mark(Number.isFinite(addedP50) ? addedP50 <= GOALS.addedP50Ms : undefined)],
      ['gateway-added p99 (ms)', f1(addedP99), `≤ ${GOALS.addedP99Ms}`, mark(Number.isFinite(addedP99) ? addedP99 <= GOALS.addedP99Ms : undefined)],
      ['orders/s through the gateway', f0(f.ordersPerSec), `≥ ${GOALS.ordersPerSec}`, mark(Number.isFinite(f.ordersPerSec) ? f.ordersPerSec >= GOALS.ordersPerSec : undefined)],
      ['orders/s straight to the simulator', f0(f.simOrdersPerSec), '', Number.isFinite(f.simOrdersPerSec) ? `ratio ${(f.ordersPerSec / f.simOrdersPerSec).toFixed(2)}` : ''],
      ['CPU ms per order: gateway process', ms(c?.gateway), '', c ? `${f0(1e6 / c.gateway)} orders per gateway CPU-second; ${ms(c.gatewaySystem)} ms of it in the kernel` : ''],
      ['  other WeChat calls meanwhile (sweep)', f0(f.backgroundCalls), '', f.backgroundCalls ? `queries of earlier orders, in the CPU figures (${ORDERS} orders)` : ''],
      ['  simulator / load generator', `${ms(c?.simulator)} / ${ms(c?.loadGenerator)}`, '', f.simCpu ? `(simulator alone: ${ms(f.simCpu.simulator)} / ${ms(f.simCpu.loadGenerator)})` : ''],
      ['  PostgreSQL backends of the bench DB', c?.database !== undefined ? ms(c.database) : 'in gateway', '', ''],
      ['  all processes', ms(total), '', total ? `ceiling ${f0((cores * 1e6) / total)} orders/s on ${cores} cores` : ''],
      ['  simulator + load generator alone', ms(simOnly), '', simOnly ? `ceiling ${f0((cores * 1e6) / simOnly)} orders/s with a gateway costing 0` : ''],
      ['notifications/s (HTTP → durable → 200)', f0(f.notificationsPerSec), `≥ ${GOALS.notificationsPerSec}`, mark(f.notificationsPerSec !== undefined && Number.isFinite(f.notificationsPerSec) ? f.notificationsPerSec >= GOALS.notificationsPerSec : undefined)],
      ['notifications applied/s (effect done, from 1st send)', f0(f.appliedPerSec), '', ''],
      ['bare INSERT/s (same DB, same concurrency)', f0(f.insertsPerSec), '', ''],
      ['notifications ÷ bare INSERT', share !== undefined ? `${(share * 100).toFixed(0)} %` : '—', `≥ ${GOALS.notificationShareOfInsert * 100} %`, mark(share !== undefined ? share >= GOALS.notificationShareOfInsert : undefined)],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [k, v, goal, ok] of rows) console.log(`    ${k.padEnd(w)}  ${v.padStart(15)}  ${goal.padEnd(8)} ${ok}`);
  }
  const signFloor = (cores * 1e6) / (2 * signUs);
  console.log(`\n  Machine ceiling: ${cores} cores shared by the simulator, the gateway, the load generator and the database.`);
  console.log(`  RSA-2048 sign costs ${(signUs / 1000).toFixed(3)} ms of CPU here (measured in this run); every order is signed twice`);
  console.log(`  (the gateway's request, the simulator's answer), so signing alone caps this machine at ${f0(signFloor)} orders/s`);
  console.log(`  before any HTTP, JSON or SQL — against the goal of ${f0(GOALS.ordersPerSec)}. The "all processes" row is the measured bound.`);
  console.log('  Added latency = gateway percentile − simulator percentile, sampled in alternation (the gateway also signs');
  console.log(`  its request, ${(signUs / 1000).toFixed(2)} ms, which the direct simulator call signs before its timer starts).`);
}

export default async function run(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'anfu-bench-sim-'));
  const simProcess = await startSimulatorProcess(stateDir);
  const cores = availableParallelism();
  const all: Figures[] = [];
  let signUs = NaN;
  try {
    signUs = rsaSignCostUs(await readFile(simProcess.sim.sandbox.merchant_private_key_path, 'utf8'));
    for (const b of await backends()) {
      try {
        all.push(await runBackend(b, simProcess));
      } catch (e) {
        all.push(failed(b.name, `failed: ${(e as Error).message}`));
      }
    }
  } finally {
    await simProcess.sim.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  print(all, signUs, cores);
}
