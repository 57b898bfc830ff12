import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase, type DatabaseHandle } from '../src/db/connect.ts';
import { createLogger } from '../src/lib/logger.ts';
import { createOperator } from '../src/services/operators/create-operator.ts';
import { ensureSeedMerchant, seedPayments } from './seed-payments.ts';

/**
 * Console API latency with 100,000 payments (issue 6 §4: dashboard and list APIs ≤ 200 ms). Seeds the
 * payments with bench/seed-payments.ts, signs in a viewer over the admin API, then times each call
 * through the real HTTP route (auth, scope, SQL, JSON): p50 and p99 over repeated calls, on PGlite and,
 * when it answers at ANFU_TEST_DATABASE_URL, on a scratch PostgreSQL database.
 *   npm run bench -- console        (BENCH_CONSOLE_PAYMENTS=100000, BENCH_CONSOLE_CALLS=60)
 */
const GOAL_MS = 200;
const PAYMENTS = Number(process.env.BENCH_CONSOLE_PAYMENTS ?? 100_000);
const CALLS = Number(process.env.BENCH_CONSOLE_CALLS ?? 60);
const PG_URL = process.env.ANFU_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function adminQuery(text: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    await c.query(text);
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A viewer (no TOTP) through first sign-in and password change: a full session cookie. */
async function signIn(app: App, baseUrl: string): Promise<string> {
  const email = `bench-${randomBytes(3).toString('hex')}@example.com`;
  const { oneTimePassword } = await createOperator(app.ctx, { type: 'cli', id: 'bench' }, { email, name: 'Bench viewer', role: 'viewer' });
  const login = await fetch(`${baseUrl}/admin/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: oneTimePassword.reveal() }) });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrf_token } = (await login.json()) as { csrf_token: string };
  const changed = await fetch(`${baseUrl}/admin/api/me/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf_token },
    body: JSON.stringify({ current_password: oneTimePassword.reveal(), new_password: 'Bench marking staple 2030' }),
  });
  if (changed.status !== 200) throw new Error(`password change failed: ${changed.status} ${await changed.text()}`);
  return cookie;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timeRoute(baseUrl: string, cookie: string, path: string): Promise<{ p50: number; p99: number }> {
  const once = async () => {
    const t0 = performance.now();
    const r = await fetch(`${baseUrl}${path}`, { headers: { cookie } });
    const body = await r.text();
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${body.slice(0, 200)}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 5; i++) await once();
  const ms: number[] = [];
  for (let i = 0; i < CALLS; i++) ms.push(await once());
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

async function runOn(label: string, database: DatabaseHandle): Promise<void> {
  const port = await freePort();
  const config = loadConfig({}, { port, mode: 'sandbox', logLevel: 'silent' });
  const app = await createApp(config, {
    logger: createLogger({ level: 'silent' }),
    database,
    jobs: { supervise: false, schedule: false },
    workers: false,
    admin: { rateLimits: { api: { limit: 1_000_000, windowMs: 60_000 } } },
  });
  try {
    const baseUrl = await app.listen();
    const merchantId = await ensureSeedMerchant(database.db, app.ctx.vault);
    const t0 = performance.now();
    const tag = await seedPayments(database.db, merchantId, PAYMENTS);
    await sql`ANALYZE payments`.execute(database.db); // fresh statistics, as autovacuum would have after a real load
    console.log(`  ${label}: seeded ${PAYMENTS.toLocaleString('en-US')} payments in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const cookie = await signIn(app, baseUrl);
    const first = (await (await fetch(`${baseUrl}/admin/api/payments`, { headers: { cookie } })).json()) as { data: Array<{ id: string }> };
    const cursor = first.data[first.data.length - 1]!.id;
    const d30 = new Date(Date.now() - 30 * 24 * 3600_000).toISOString();
    const routes: Array<[string, string]> = [
      ['dashboard (7 days)', '/admin/api/dashboard'],
      ['dashboard (90 days)', `/admin/api/dashboard?from=${encodeURIComponent(new Date(Date.now() - 90 * 24 * 3600_000).toISOString())}&to=${encodeURIComponent(new Date().toISOString())}`],
      ['payments list (25)', '/admin/api/payments'],
      ['payments list (100)', '/admin/api/payments?limit=100'],
      ['payments by status', '/admin/api/payments?status=closed'],
      ['payments search q', `/admin/api/payments?q=S${tag}${String(Math.floor(PAYMENTS / 2)).padStart(10, '0')}`],
      ['payments amount+time', `/admin/api/payments?min_amount=50000&max_amount=60000&created_gte=${encodeURIComponent(d30)}`],
      ['payments page 2', `/admin/api/payments?starting_after=${cursor}`],
    ];
    console.log(`  ${'route'.padEnd(24)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  goal ≤ ${GOAL_MS} ms`);
    for (const [name, path] of routes) {
      const r = await timeRoute(baseUrl, cookie, path);
      console.log(`  ${name.padEnd(24)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)}  ${r.p99 <= GOAL_MS ? 'ok' : 'OVER'}`);
    }
  } finally {
    await app.close();
  }
}

export default async function consoleApiBench(): Promise<void> {
  console.log(`Console API over HTTP with ${PAYMENTS.toLocaleString('en-US')} payments, ${CALLS} timed calls per route (after 5 warm-up)`);
  const pglite = await openDatabase({ inMemory: true });
  try {
    await runOn('PGlite', pglite);
  } finally {
    await pglite.close();
  }
  const name = `anfu_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  if (!(await adminQuery(`CREATE DATABASE ${name}`))) {
    console.log(`  PostgreSQL: not reachable at ${new URL(PG_URL).host}; skipped`);
    return;
  }
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  const postgres = await openDatabase({ databaseUrl: u.toString() });
  try {
    await runOn('PostgreSQL', postgres);
  } finally {
    await postgres.close();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}
