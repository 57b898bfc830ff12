/**
 * The facts a rule can see, in their JSON form (numbers, not bigints) so a snapshot can be stored
 * beside the decision and shown on the payment. docs/risk.md lists every name with its meaning.
 */
import type { UaFamily } from './user-agent.ts';

export const RISK_PHASES = ['pre_order', 'post_payment'] as const;
export type RiskPhase = (typeof RISK_PHASES)[number];

/** Who a velocity aggregate is keyed by. */
export const VELOCITY_DIMENSIONS = ['ip', 'device', 'payer', 'merchant'] as const;
export type VelocityDimension = (typeof VELOCITY_DIMENSIONS)[number];

/** Which events an aggregate counts: attempts (velocity), failed payments, succeeded payments. */
export const VELOCITY_FAMILIES = ['velocity', 'failures', 'successes'] as const;
export type VelocityFamily = (typeof VELOCITY_FAMILIES)[number];

/** Sliding windows, by the suffix used in fact names (`count_10m`). */
export const VELOCITY_WINDOWS = [
  { suffix: '1m', ms: 60_000 },
  { suffix: '10m', ms: 600_000 },
  { suffix: '1h', ms: 3_600_000 },
  { suffix: '24h', ms: 86_400_000 },
] as const;
export const VELOCITY_WINDOW_MS: readonly number[] = VELOCITY_WINDOWS.map((w) => w.ms);
export const VELOCITY_RETENTION_MS = 86_400_000;

export const AGGREGATE_MEASURES = ['count', 'sum', 'distinct'] as const;

/** Every key of one `family.dimension` map: count_1m, sum_1m, distinct_1m, count_10m, … */
export const AGGREGATE_KEYS: readonly string[] = VELOCITY_WINDOWS.flatMap((w) =>
  AGGREGATE_MEASURES.map((m) => `${m}_${w.suffix}`),
);

/** `{count_1m: 3, sum_1m: 1200, distinct_1m: 1, …}`; sums are fen. */
export type AggregateFacts = Readonly<Record<string, number>>;
export type FamilyFacts = Readonly<Record<VelocityDimension, AggregateFacts>>;

export const LIST_FLAGS = [
  'ip_blocked',
  'ip_allowed',
  'device_blocked',
  'device_allowed',
  'openid_blocked',
  'openid_allowed',
] as const;
export type ListFlag = (typeof LIST_FLAGS)[number];

export interface RiskFacts {
  phase: RiskPhase;
  /** Integer fen. */
  amount: number;
  currency: string;
  merchant_id: string;
  /** Canonical text form; IPv4-mapped IPv6 is reported as IPv4. */
  ip: string;
  /** The payer's network: "203.0.113.0/24", or the /48 for IPv6 ("2001:db8:1::/48"). */
  ip24: string;
  ip_version: number;
  /** Empty string when the merchant sent none. */
  device_id: string;
  h5_type: string;
  ua_family: UaFamily;
  user_agent: string;
  description: string;
  /** Local wall-clock time in Asia/Shanghai: hour 0–23, weekday 0 = Sunday … 6 = Saturday. */
  hour: number;
  weekday: number;
  /** Known after payment only; empty string before. */
  payer_openid: string;
  /** No attempt from this device_id in the last 24 h (false when there is no device_id). */
  is_new_device: boolean;
  velocity: FamilyFacts;
  failures: FamilyFacts;
  successes: FamilyFacts;
  lists: Readonly<Record<ListFlag, boolean>>;
}

const ZERO_AGGREGATE: AggregateFacts = Object.freeze(Object.fromEntries(AGGREGATE_KEYS.map((k) => [k, 0])));

export function zeroAggregate(): AggregateFacts {
  return ZERO_AGGREGATE;
}

export function zeroFamily(): FamilyFacts {
  return { ip: ZERO_AGGREGATE, device: ZERO_AGGREGATE, payer: ZERO_AGGREGATE, merchant: ZERO_AGGREGATE };
}
