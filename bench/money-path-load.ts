import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { systemClock, toRfc3339Cst, unixSeconds } from '../src/lib/clock.ts';
import type { SandboxJson } from '../src/simulator/index.ts';
import { merchantClient } from '../src/simulator/testing/signed-client.ts';
import { buildAuthorization } from '../src/wechatpay/signer.ts';
import { pool } from './money-path-shared.ts';

/**
 * The money-path bench's load generator, a child process of its own (bench/money-path.bench.ts forks
 * it), so neither its HTTP client work nor its request signing is counted as the gateway's CPU. The
 * parent sends one phase at a time over IPC and reads the CPU clocks of every process around it.
 *
 *   → { phase: 'warmup' | 'latency' | 'simulator' | 'gateway', … }   ← { phase, result, cpuUs }
 */
export interface LoadSetup {
  gatewayUrl: string;
  token: string;
  sandboxPath: string;
  samples: number;
  orders: number;
  concurrency: number;
}

export type LoadRequest = { phase: 'setup'; setup: LoadSetup } | { phase: 'warmup' } | { phase: 'latency' } | { phase: 'simulator' } | { phase: 'gateway' } | { phase: 'exit' };

export type LoadReply =
  | { phase: 'setup' | 'warmup' | 'exit'; cpuUs: number }
  | { phase: 'latency'; cpuUs: number; sims: number[]; gws: number[] }
  | { phase: 'simulator'; cpuUs: number; perSec: number }
  | { phase: 'gateway'; cpuUs: number; perSec: number; outTradeNos: string[] }
  | { phase: 'error'; message: string };

const PAYER_IP = '14.23.150.211';
let payerSeq = 0;
/** A different public payer address per order (36.112.0.0/12 is public, unicast): one shared IP would (rightly) trip the IP-burst risk rule. */
function payerIp(): string {
  payerSeq++;
  return `36.${112 + ((payerSeq >> 16) & 0x0f)}.${(payerSeq >> 8) & 0xff}.${(payerSeq & 0xff) || 1}`;
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

let setup: LoadSetup;
let sandbox: SandboxJson;
let direct: ReturnType<typeof merchantClient>;

async function viaGateway(): Promise<{ ms: number; status: number; body: string }> {
  const t0 = performance.now();
  const res = await request(`${setup.gatewayUrl}/v1/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${setup.token}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 100, description: 'bench order', payer_client_ip: payerIp(), h5_type: 'Wap' }),
  });
  const body = await res.body.text();
  return { ms: performance.now() - t0, status: res.statusCode, body };
}

/** The simulator's share: the same kind of signed H5 order, signed before the timer starts. */
async function viaSimulator(): Promise<number> {
  const order = {
    appid: sandbox.appid,
    mchid: sandbox.mchid,
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
}

async function created(): Promise<string> {
  const g = await viaGateway();
  if (g.status !== 201) throw new Error(`gateway answered ${g.status}: ${g.body.slice(0, 200)}`);
  return (JSON.parse(g.body) as { out_trade_no: string }).out_trade_no;
}

async function handle(msg: LoadRequest): Promise<LoadReply> {
  const cpu0 = cpuUs();
  switch (msg.phase) {
    case 'setup': {
      setup = msg.setup;
      sandbox = JSON.parse(readFileSync(setup.sandboxPath, 'utf8')) as SandboxJson;
      direct = merchantClient(sandbox);
      await created(); // the probe: fails loudly with the gateway's answer
      return { phase: 'setup', cpuUs: cpuUs() - cpu0 };
    }
    case 'warmup':
      for (let i = 0; i < 50; i++) {
        await created();
        await viaSimulator();
      }
      return { phase: 'warmup', cpuUs: cpuUs() - cpu0 };
    case 'latency': {
      const sims: number[] = [];
      const gws: number[] = [];
      for (let i = 0; i < setup.samples; i++) {
        sims.push(await viaSimulator());
        const g = await viaGateway();
        if (g.status !== 201) throw new Error(`gateway answered ${g.status}: ${g.body.slice(0, 200)}`);
        gws.push(g.ms);
      }
      return { phase: 'latency', cpuUs: cpuUs() - cpu0, sims, gws };
    }
    case 'simulator': {
      const perSec = await pool(setup.orders, setup.concurrency, async () => void (await viaSimulator()));
      return { phase: 'simulator', cpuUs: cpuUs() - cpu0, perSec };
    }
    case 'gateway': {
      const outTradeNos: string[] = [];
      const perSec = await pool(setup.orders, setup.concurrency, async () => void outTradeNos.push(await created()));
      return { phase: 'gateway', cpuUs: cpuUs() - cpu0, perSec, outTradeNos };
    }
    case 'exit':
      return { phase: 'exit', cpuUs: 0 };
  }
}

process.on('message', (msg: LoadRequest) => {
  handle(msg).then(
    (reply) => {
      process.send!(reply);
      if (msg.phase === 'exit') process.disconnect();
    },
    (e: unknown) => process.send!({ phase: 'error', message: (e as Error).message } satisfies LoadReply),
  );
});
