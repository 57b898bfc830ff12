import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase, type DatabaseHandle } from '../src/db/connect.ts';
import { compactDeltas, pendingDeltaCount } from '../src/db/dashboard-rollup.ts';
import type { Database } from '../src/db/schema.ts';
import { createLogger } from '../src/lib/logger.ts';
import { dashboard } from '../src/services/admin/dashboard.ts';
import { createOperator } from '../src/services/operators/create-operator.ts';
import { ensureSeedMerchant, seedPayments } from './seed-payments.ts';

/**
 * Console API latency with 100,000 payments (issue 6 §4: dashboard and list APIs ≤ 200 ms). Seeds the
 * payments with bench/seed-payments.ts, signs in a viewer over the admin API, then times each call
 * through the real HTTP route (auth, scope, SQL, JSON): p50 and p99 over repeated calls, on PGlite and,
 * when it answers at ANFU_TEST_DATABASE_URL, on a scratch PostgreSQL database.
 *
 * The dashboard reads the daily roll-up of migration 0008. The seeded rows reach it the real way (the
 * payments triggers write one delta each); they are compacted once, then the routes are timed. A second
 * round adds un-compacted deltas — BENCH_CONSOLE_RECENT orders (default 10,000: ten seconds at 1,000
 * orders/s, one compaction interval) created in the last hour and moved created → pending → paid or
 * closed, plus refunds on older paid orders across the 90 days — and times the dashboard again. Both
 * rounds check that the roll-up figures equal the direct aggregate, and the direct aggregate (the
 * dashboard before 0008) is timed in-process as the baseline.
 *   npm run bench -- console        (BENCH_CONSOLE_PAYMENTS=100000, BENCH_CONSOLE_CALLS=60, BENCH_CONSOLE_RECENT=10000)
 */
const GOAL_MS = 200;
const PAYMENTS = Number(process.env.BENCH_CONSOLE_PAYMENTS ?? 100_000);
const CALLS = Number(process.env.BENCH_CONSOLE_CALLS ?? 60);
const RECENT = Number(process.env.BENCH_CONSOLE_RECENT ?? 10_000);
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
  return timeCalls(async () => {
    const r = await fetch(`${baseUrl}${path}`, { headers: { cookie } });
    const body = await r.text();
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${body.slice(0, 200)}`);
  });
}

async function timeCalls(call: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const once = async () => {
    const t0 = performance.now();
    await call();
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
    const db = database.db;
    const t0 = performance.now();
    const tag = await seedPayments(db, merchantId, PAYMENTS);
    const seededDeltas = await pendingDeltaCount(db);
    const t1 = performance.now();
    const folded = await compactDeltas(db, { maxBatches: 1_000 });
    const t2 = performance.now();
    // Fresh statistics, as autovacuum would have after a real load.
    await sql`ANALYZE payments, payment_day_rollup, payment_day_deltas`.execute(db);
    console.log(`  ${label}: seeded ${PAYMENTS.toLocaleString('en-US')} payments in ${((t1 - t0) / 1000).toFixed(1)} s; the triggers wrote ${seededDeltas.toLocaleString('en-US')} deltas, compacted into ${folded.days} day rows in ${((t2 - t1) / 1000).toFixed(1)} s`);
    const cookie = await signIn(app, baseUrl);
    const first = (await (await fetch(`${baseUrl}/admin/api/payments`, { headers: { cookie } })).json()) as { data: Array<{ id: string }> };
    const cursor = first.data[first.data.length - 1]!.id;
    const d30 = new Date(Date.now() - 30 * 24 * 3600_000).toISOString();
    // As the console asks: the period ends at the next whole minute.
    const to = new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000);
    const period90 = { from: new Date(to.getTime() - 90 * 86_400_000).toISOString(), to: to.toISOString() };
    const dashboard90 = `/admin/api/dashboard?from=${encodeURIComponent(period90.from)}&to=${encodeURIComponent(period90.to)}`;
    const dashboards: Array<[string, string]> = [
      ['dashboard (7 days)', '/admin/api/dashboard'],
      ['dashboard (90 days)', dashboard90],
    ];
    const routes: Array<[string, string]> = [
      ...dashboards,
      ['payments list (25)', '/admin/api/payments'],
      ['payments list (100)', '/admin/api/payments?limit=100'],
      ['payments by status', '/admin/api/payments?status=closed'],
      ['payments search q', `/admin/api/payments?q=S${tag}${String(Math.floor(PAYMENTS / 2)).padStart(10, '0')}`],
      ['payments amount+time', `/admin/api/payments?min_amount=50000&max_amount=60000&created_gte=${encodeURIComponent(d30)}`],
      ['payments page 2', `/admin/api/payments?starting_after=${cursor}`],
    ];
    const line = (name: string, r: { p50: number; p99: number }, note = r.p99 <= GOAL_MS ? 'ok' : 'OVER') =>
      console.log(`  ${name.padEnd(44)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)}  ${note}`);
    await expectRollupExact(app, db, period90);
    console.log(`  ${'route'.padEnd(44)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  goal ≤ ${GOAL_MS} ms`);
    for (const [name, path] of routes) line(name, await timeRoute(baseUrl, cookie, path));
    // Baseline, in-process (no HTTP): the 90-day figures computed from payments alone, as before 0008.
    const direct = await timeCalls(() => dashboard(app.ctx, null, period90, { source: 'direct' }));
    const rollup = await timeCalls(() => dashboard(app.ctx, null, period90));
    line('  in-process 90 days: direct (before 0008)', direct, 'baseline');
    line('  in-process 90 days: roll-up', rollup, `${(direct.p50 / rollup.p50).toFixed(1)}× faster (p50)`);

    const recentDeltas = await recentTraffic(db, merchantId, tag, RECENT);
    await expectRollupExact(app, db, period90);
    console.log(`  with ${recentDeltas.toLocaleString('en-US')} un-compacted deltas (${RECENT.toLocaleString('en-US')} orders in the last hour, created → pending → paid/closed, ${Math.round(RECENT / 10).toLocaleString('en-US')} refunds across 90 days):`);
    for (const [name, path] of dashboards) line(name, await timeRoute(baseUrl, cookie, path));
  } finally {
    await app.close();
  }
}

/** The dashboard from the roll-up equals the direct aggregate (the bench measures a correct read). */
async function expectRollupExact(app: App, db: Kysely<Database>, period: { from: string; to: string }): Promise<void> {
  const [a, b] = [await dashboard(app.ctx, null, period), await dashboard(app.ctx, null, period, { source: 'direct' })];
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('dashboard roll-up differs from the direct aggregate');
  if (a.volume < 1) throw new Error(`no payments in the period (${await pendingDeltaCount(db)} deltas)`);
}

/**
 * Un-compacted deltas as the write path leaves them between two compactions: `orders` new payments in
 * the last hour, each moved created → pending → succeeded (70 %) or closed (20 %), and refunds on
 * orders / 10 older paid payments spread over the 90 days. Returns the pending delta count.
 */
async function recentTraffic(db: Kysely<Database>, merchantId: string, tag: string, orders: number): Promise<number> {
  if (orders < 1) return pendingDeltaCount(db);
  await sql`
    insert into payments (id, merchant_id, out_trade_no, amount, description, status, payer_client_ip, h5_type, expires_at, created_at, updated_at)
    select 'pay_recent' || ${tag} || lpad(g::text, 10, '0'), ${merchantId}, 'R' || ${tag} || lpad(g::text, 10, '0'),
           100 + (g::bigint * 7919) % 99900, 'Recent order ' || g, 'created', '14.23.150.211', 'Wap',
           c.at + interval '2 hours', c.at, c.at
      from generate_series(1, ${orders}::int) g
     cross join lateral (select now() - ((g::bigint * 7919) % 3600) * interval '1 second' as at) c`.execute(db);
  await sql`update payments set status = 'pending' where id like ${`pay_recent${tag}%`}`.execute(db);
  await sql`
    update payments set status = case when substr(id, length(id)) < '7' then 'succeeded' else 'closed' end,
           transaction_id = case when substr(id, length(id)) < '7' then '43' || substr(id, 11) end,
           paid_at = case when substr(id, length(id)) < '7' then created_at + interval '30 seconds' end,
           wechat_trade_state = case when substr(id, length(id)) < '7' then 'SUCCESS' else 'CLOSED' end
     where id like ${`pay_recent${tag}%`} and substr(id, length(id)) < '9'`.execute(db);
  await sql`
    update payments set refunded_amount = refunded_amount + 1, refund_count = refund_count + 1, status = 'partially_refunded'
     where id in (select id from payments where id like ${`pay_seed${tag}%`} and status = 'succeeded' and amount > 1
                  order by md5(id) limit ${Math.floor(orders / 10)})`.execute(db);
  return pendingDeltaCount(db);
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
