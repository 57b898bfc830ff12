import type { Clock } from '../lib/clock.ts';
import type { SandboxMerchant } from './sandbox-merchant.ts';
import type { SimState } from './state.ts';
import type { Faults } from './faults.ts';
import type { Notifier } from './notifier.ts';
import type { KeyMode } from './signing-keys.ts';
import type { RateLimiter } from './rate-limit.ts';

/** Everything a route needs, built once per simulator instance. */
export interface SimContext {
  merchant: SandboxMerchant;
  state: SimState;
  clock: Clock;
  faults: Faults;
  /** WeChat's per-merchant request limits (429 FREQUENCY_LIMITED). */
  rateLimiter: RateLimiter;
  notifier: Notifier;
  keyMode: KeyMode;
  /** 1 = real time; 1000 turns WeChat's 15 s retry into 15 ms. */
  timeScale: number;
  allowHttpNotifyUrl: boolean;
  /** Simulated seconds a refund stays PROCESSING before it settles. */
  refundDelaySeconds: number;
  /** Set once the server listens (port 0 picks one). */
  baseUrl: string;
  /** Schedules real-time work that close() must cancel. */
  later(ms: number, fn: () => void): void;
}
