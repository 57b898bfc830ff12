import {
  VELOCITY_DIMENSIONS,
  VELOCITY_FAMILIES,
  zeroAggregate,
  type AggregateFacts,
  type FamilyFacts,
  type RiskFacts,
  type RiskPhase,
  type VelocityDimension,
  type VelocityFamily,
} from './facts.ts';
import type { SeriesRef } from './fact-usage.ts';
import type { CompiledRiskLists } from './lists.ts';
import { shanghaiTime } from './local-time.ts';
import type { PaymentSubject } from './series.ts';
import { uaFamily } from './user-agent.ts';
import type { WindowAggregate } from './velocity/store.ts';

const NONE: WindowAggregate = { count: 0, sum: 0, distinct: 0 };

/**
 * Turns a store answer (one aggregate per window, in VELOCITY_WINDOWS order) into fact keys. Spelt
 * out as a literal because it runs for every series of every decision, and a literal is several
 * times faster than assigning computed keys; build-facts.test.ts holds it to AGGREGATE_KEYS.
 */
export function aggregateFacts(windows: readonly WindowAggregate[]): AggregateFacts {
  const [m1 = NONE, m10 = NONE, h1 = NONE, h24 = NONE] = windows;
  return {
    count_1m: m1.count,
    sum_1m: m1.sum,
    distinct_1m: m1.distinct,
    count_10m: m10.count,
    sum_10m: m10.sum,
    distinct_10m: m10.distinct,
    count_1h: h1.count,
    sum_1h: h1.sum,
    distinct_1h: h1.distinct,
    count_24h: h24.count,
    sum_24h: h24.sum,
    distinct_24h: h24.distinct,
  };
}

/** The aggregates fetched for one decision, by family and dimension; absent means not fetched. */
export type FetchedAggregates = Partial<Record<VelocityFamily, Partial<Record<VelocityDimension, AggregateFacts>>>>;

// Hoisted rather than closures inside buildFacts: this runs on every decision.
function familyFacts(fetched: FetchedAggregates[VelocityFamily]): FamilyFacts {
  const zero = zeroAggregate();
  return {
    ip: fetched?.ip ?? zero,
    device: fetched?.device ?? zero,
    payer: fetched?.payer ?? zero,
    merchant: fetched?.merchant ?? zero,
  };
}

/**
 * Assembles the facts for one payment. Pure: velocity answers, lists and the time come in.
 * Series not fetched (no rule reads them) are zeros; `is_new_device` needs the device's 24 h
 * attempt count, which the engine always fetches when there is a device id.
 */
export function buildFacts(
  subject: PaymentSubject,
  phase: RiskPhase,
  now: number,
  aggregates: FetchedAggregates,
  lists: CompiledRiskLists,
): RiskFacts {
  const { input, ip } = subject;
  const velocity = familyFacts(aggregates.velocity);
  const deviceId = input.device_id ?? '';
  const payerOpenid = input.payer_openid ?? '';
  const { hour, weekday } = shanghaiTime(now);
  return {
    phase,
    amount: input.amount,
    currency: input.currency,
    merchant_id: input.merchant_id,
    ip: ip.ip,
    ip24: ip.network,
    ip_version: ip.version,
    device_id: deviceId,
    h5_type: input.h5_type ?? '',
    ua_family: uaFamily(input.user_agent),
    user_agent: input.user_agent ?? '',
    description: input.description ?? '',
    hour,
    weekday,
    payer_openid: payerOpenid,
    is_new_device: deviceId !== '' && velocity.device['count_24h'] === 0,
    velocity,
    failures: familyFacts(aggregates.failures),
    successes: familyFacts(aggregates.successes),
    lists: lists.flags({ ip: ip.ip, device_id: deviceId, payer_openid: payerOpenid }),
  };
}

/** Every family × dimension pair, for callers that want all aggregates (backtests, debugging). */
export const ALL_SERIES: ReadonlySet<SeriesRef> = new Set(
  VELOCITY_FAMILIES.flatMap((f) => VELOCITY_DIMENSIONS.map((d) => `${f}.${d}` as SeriesRef)),
);
