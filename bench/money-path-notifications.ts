import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { sql } from 'kysely';
import { request } from 'undici';
import type { DatabaseHandle } from '../src/db/connect.ts';
import { systemClock, toRfc3339Cst, unixSeconds } from '../src/lib/clock.ts';
import type { RunningSimulator } from '../src/simulator/index.ts';
import { sealResource } from '../src/wechatpay/aead.ts';
import { signResponse } from '../src/wechatpay/response-signer.ts';
import { pool, progress } from './money-path-shared.ts';

/** Part (b) of the money-path bench (issue 3 §10): notification ingestion beside a bare INSERT ceiling. */
export interface NotificationFigures {
  /** HTTP → verified → durable → 200, per second. */
  notificationsPerSec?: number;
  /** Notifications whose effect was applied (payment succeeded), per second, from the first send to the last effect. */
  appliedPerSec?: number;
  insertsPerSec?: number;
  /** Concurrency the notifications and the bare INSERTs ran at. */
  notifyConcurrency?: number;
  note?: string;
}

const envInt = (name: string): number | undefined => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : undefined;
};

/**
 * (b) Pays the orders at the simulator with its own notifications switched off, then sends each
 * TRANSACTION.SUCCESS as WeChat would (sealed with the APIv3 key, signed with WeChat's key) at bounded
 * concurrency (BENCH_NOTIFY_CONCURRENCY, default the caller's). Headers are signed before the clock
 * starts — signing is the load generator's work (WeChat's), not the gateway's; the timestamps stay
 * well inside the ±300 s window. Figures: ingested/s (every answer a 200), applied/s (until every
 * payment is `succeeded`, measured from the first send), and beside them the ceiling: bare single-row
 * INSERTs of the same raw bodies at the same concurrency on the same database.
 */
export async function notifications(sim: RunningSimulator, database: DatabaseHandle, notifyUrl: string, outTradeNos: string[], concurrency: number): Promise<NotificationFigures> {
  const notifyConcurrency = envInt('BENCH_NOTIFY_CONCURRENCY') ?? concurrency;
  const ctl = (path: string, body?: unknown) =>
    request(`${sim.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  progress(`paying ${outTradeNos.length} orders at the simulator, then sending their notifications (concurrency ${notifyConcurrency})`);
  await (await ctl('/sim/faults', { notifications: { drop_rate: 1 } })).body.dump();
  const bodies: string[] = [];
  await pool(outTradeNos.length, concurrency, async (i) => {
    const res = await ctl(`/sim/transactions/${outTradeNos[i]}/pay`);
    const tx = (await res.body.json()) as Record<string, unknown>;
    const sealed = sealResource(sim.merchant.apiV3Key, JSON.stringify(tx), { associatedData: 'transaction' });
    bodies[i] = JSON.stringify({
      id: randomUUID(),
      create_time: toRfc3339Cst(Date.now()),
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: { original_type: 'transaction', algorithm: sealed.algorithm, ciphertext: sealed.ciphertext, associated_data: 'transaction', nonce: sealed.nonce },
    });
  });
  await (await request(`${sim.baseUrl}/sim/faults`, { method: 'DELETE' })).body.dump();

  // WeChat's side of the work, done before the clock starts.
  const timestamp = unixSeconds(systemClock);
  const headers = bodies.map((body) => ({
    ...signResponse(sim.merchant.wechatpayPrivateKey, { serial: sim.sandbox.wechatpay_public_key_id, body, timestamp }),
    'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    'content-type': 'application/json',
  }));

  const succeeded = async (): Promise<number> => {
    const r = await sql<{ n: number }>`select count(*)::int as n from payments where status = 'succeeded' and out_trade_no = any(${outTradeNos}::text[])`.execute(database.db);
    return Number(r.rows[0]?.n ?? 0);
  };
  const before = await succeeded();

  // The load generator (WeChat's side: HTTP client, sockets) runs in a worker thread, so the gateway has
  // this thread to itself, as it would in production.
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const sent = await sendFromWorker(notifyUrl, headers, bodies, notifyConcurrency);
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const notificationsPerSec = bodies.length / (sent.elapsedMs / 1000);
  if (sent.failures > 0) return { notificationsPerSec: NaN, notifyConcurrency, note: `${sent.failures}/${bodies.length} notifications not acknowledged (first status ${sent.firstBadStatus})` };

  // Applied: every payment succeeded (the effects run after the 200, in the background).
  const deadline = Date.now() + 120_000;
  let applied = await succeeded();
  while (applied - before < bodies.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    applied = await succeeded();
  }
  const appliedMs = performance.now() - t0;
  if (applied - before < bodies.length) {
    return { notificationsPerSec, notifyConcurrency, note: `only ${applied - before}/${bodies.length} notifications applied within 120 s` };
  }
  const appliedPerSec = bodies.length / (appliedMs / 1000);

  await sql`create table bench_bare_insert (id bigserial primary key, received_at timestamptz not null default now(), raw_headers jsonb not null, raw_body text not null)`.execute(database.db);
  const headersJson = JSON.stringify({ 'wechatpay-serial': sim.sandbox.wechatpay_public_key_id });
  const insertsPerSec = await pool(bodies.length, notifyConcurrency, async (i) => {
    await sql`insert into bench_bare_insert (raw_headers, raw_body) values (${headersJson}::jsonb, ${bodies[i]!})`.execute(database.db);
  });
  progress(
    `notifications at concurrency ${notifyConcurrency}: ${Math.round(notificationsPerSec)}/s ingested (HTTP → durable → 200), ` +
      `${Math.round(appliedPerSec)}/s applied (payment succeeded, from the first send), bare INSERT ${Math.round(insertsPerSec)}/s; ` +
      `headers signed before the clock; load generator in a worker thread; process CPU while ingesting ${((cpu.user + cpu.system) / 1000 / bodies.length).toFixed(2)} ms per notification, gateway thread ${Math.round(elu.utilization * 100)} % busy`,
  );
  return { notificationsPerSec, appliedPerSec, insertsPerSec, notifyConcurrency };
}

/**
 * Sends every notification from a worker thread (undici, `concurrency` in flight) and reports the time
 * from the first send to the last answer, measured in the worker. Plain JavaScript, so it needs no
 * TypeScript loader in the worker.
 */
async function sendFromWorker(url: string, headers: Record<string, string>[], bodies: string[], concurrency: number): Promise<{ elapsedMs: number; failures: number; firstBadStatus?: number }> {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(LOADGEN_SOURCE, { eval: true, workerData: { url, headers, bodies, concurrency } });
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
    });
  } finally {
    await worker.terminate();
  }
}

const LOADGEN_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { request } = require(${JSON.stringify(require_undici())});
(async () => {
  const { url, headers, bodies, concurrency } = workerData;
  let next = 0, failures = 0, firstBadStatus;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, async () => {
    while (next < bodies.length) {
      const i = next++;
      const res = await request(url, { method: 'POST', headers: headers[i], body: bodies[i] });
      await res.body.dump();
      if (res.statusCode !== 200) { failures++; firstBadStatus ??= res.statusCode; }
    }
  }));
  parentPort.postMessage({ elapsedMs: performance.now() - t0, failures, firstBadStatus });
})().catch((e) => { throw e; });
`;

function require_undici(): string {
  return createRequire(import.meta.url).resolve('undici');
}
