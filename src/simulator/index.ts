import type { FastifyBaseLogger } from 'fastify';
import { systemClock, type Clock } from '../lib/clock.ts';
import type { SimContext } from './context.ts';
import { Faults } from './faults.ts';
import { Notifier } from './notifier.ts';
import { scheduleSettlement } from './refunds.ts';
import { loadOrCreateSandboxMerchant, sandboxPathOf, type SandboxJson, type SandboxMerchant } from './sandbox-merchant.ts';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from './rate-limit.ts';
import { buildServer } from './server.ts';
import type { KeyMode } from './signing-keys.ts';
import { SimState } from './state.ts';

export type { SandboxJson } from './sandbox-merchant.ts';
export type { KeyMode } from './signing-keys.ts';
export { CASHIER_MESSAGES } from './cashier.ts';
export { RETRY_SCHEDULE_SECONDS } from './notifier.ts';
export { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limit.ts';

export interface SimulatorOptions {
  stateDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback unless told otherwise: the control API is unauthenticated. */
  host?: string;
  keyMode?: KeyMode;
  /** Divides WeChat's notification retry intervals and the refund delay (1000 → 15 s becomes 15 ms). */
  timeScale?: number;
  /** Accept http:// notify_url (the local sandbox); WeChat itself demands https. */
  allowHttpNotifyUrl?: boolean;
  /** Simulated seconds before a refund leaves PROCESSING (default 60, divided by timeScale). */
  refundDelaySeconds?: number;
  clock?: Clock;
  logger?: FastifyBaseLogger | false;
  /** Extra H5 domains besides 127.0.0.1 and localhost. */
  h5Domains?: string[];
  /** Requests per second per merchant and endpoint family; default WeChat's documented limits, `{}` for none. */
  rateLimits?: RateLimits;
}

export interface RunningSimulator {
  baseUrl: string;
  sandboxPath: string;
  sandbox: SandboxJson;
  merchant: SandboxMerchant;
  keyMode: KeyMode;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const keyMode = opts.keyMode ?? 'public-key';
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0)) throw new RangeError('timeScale must be positive');
  const clock = opts.clock ?? systemClock;
  const h5Domains = opts.h5Domains ?? [];
  // Keys must exist before the server can sign; base_url is rewritten once the port is known.
  let merchant = await loadOrCreateSandboxMerchant({ stateDir: opts.stateDir, baseUrl: '', h5Domains, now: clock.now() });
  const faults = new Faults();
  const state = SimState.open(opts.stateDir);
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const ctx: SimContext = {
    merchant,
    state,
    clock,
    faults,
    rateLimiter: new RateLimiter(opts.rateLimits ?? DEFAULT_RATE_LIMITS),
    notifier: new Notifier({ merchant, keyMode, clock, faults, timeScale, state }),
    keyMode,
    timeScale,
    allowHttpNotifyUrl: opts.allowHttpNotifyUrl ?? false,
    refundDelaySeconds: opts.refundDelaySeconds ?? 60,
    baseUrl: '',
    later(ms, fn) {
      if (closed) return;
      const t = setTimeout(() => {
        timers.delete(t);
        if (!closed) fn();
      }, ms);
      t.unref?.();
      timers.add(t);
    },
  };
  const app = buildServer(ctx, opts.logger ?? false);
  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('simulator did not bind a TCP port');
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  ctx.baseUrl = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${addr.port}`;
  merchant = await loadOrCreateSandboxMerchant({ stateDir: opts.stateDir, baseUrl: ctx.baseUrl, h5Domains });
  ctx.merchant.json.base_url = ctx.baseUrl;
  ctx.merchant.json.h5_domains = merchant.json.h5_domains;
  // Refunds still PROCESSING when the previous run stopped settle as planned; undelivered notifications go on.
  for (const r of ctx.state.refunds()) scheduleSettlement(ctx, r);
  ctx.notifier.resume();

  return {
    baseUrl: ctx.baseUrl,
    sandboxPath: sandboxPathOf(opts.stateDir),
    sandbox: ctx.merchant.json,
    merchant: ctx.merchant,
    keyMode,
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      ctx.notifier.close();
      await app.close();
    },
  };
}
