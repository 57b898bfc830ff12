import { Environment } from '@marcbachmann/cel-js';
import type { SeriesRef } from './fact-usage.ts';
import {
  AGGREGATE_KEYS,
  LIST_FLAGS,
  VELOCITY_DIMENSIONS,
  VELOCITY_FAMILIES,
  zeroAggregate,
  type RiskFacts,
  type VelocityDimension,
  type VelocityFamily,
} from './facts.ts';

/**
 * The CEL environments rules run in. There are two on purpose:
 *  - the checking environment declares every nested fact as a schema, so a typo such as
 *    `velocity.ip.count_2m` is refused at publish time with its position;
 *  - the evaluation environment declares the same names as typed maps, which evaluates about twice
 *    as fast because the library does not wrap each nested object per access (see ADR 0002).
 * Both declare exactly the same names and result types, so anything that checks in the first
 * evaluates in the second.
 */
type ScalarType = 'int' | 'string' | 'bool';

/** Scalar facts and their CEL types; ints are passed to CEL as bigint. */
export const SCALAR_FACTS = {
  phase: 'string',
  amount: 'int',
  currency: 'string',
  merchant_id: 'string',
  ip: 'string',
  ip24: 'string',
  ip_version: 'int',
  device_id: 'string',
  h5_type: 'string',
  ua_family: 'string',
  user_agent: 'string',
  description: 'string',
  hour: 'int',
  weekday: 'int',
  payer_openid: 'string',
  is_new_device: 'bool',
} as const satisfies Record<Exclude<keyof RiskFacts, 'velocity' | 'failures' | 'successes' | 'lists'>, ScalarType>;

const INT_SCALARS = Object.entries(SCALAR_FACTS)
  .filter(([, type]) => type === 'int')
  .map(([name]) => name as keyof typeof SCALAR_FACTS);

const ENV_OPTIONS = { limits: { maxAstNodes: 2_000, maxDepth: 64, maxListElements: 1_000, maxCallArguments: 16 } };

function declareScalars(env: Environment): Environment {
  for (const [name, type] of Object.entries(SCALAR_FACTS)) env.registerVariable(name, type);
  return env;
}

function buildCheckEnvironment(): Environment {
  const env = declareScalars(new Environment(ENV_OPTIONS));
  const aggregate = Object.fromEntries(AGGREGATE_KEYS.map((k) => [k, 'int']));
  const family = Object.fromEntries(VELOCITY_DIMENSIONS.map((d) => [d, aggregate]));
  for (const name of VELOCITY_FAMILIES) env.registerVariable({ name, schema: family });
  env.registerVariable({ name: 'lists', schema: Object.fromEntries(LIST_FLAGS.map((f) => [f, 'bool'])) });
  return env;
}

function buildEvalEnvironment(): Environment {
  const env = declareScalars(new Environment(ENV_OPTIONS));
  for (const name of VELOCITY_FAMILIES) env.registerVariable(name, 'map<string, map<string, int>>');
  env.registerVariable('lists', 'map<string, bool>');
  return env;
}

export const checkEnvironment: Environment = buildCheckEnvironment();
export const evalEnvironment: Environment = buildEvalEnvironment();

type CelAggregate = Record<string, bigint>;
export type CelContext = Record<string, unknown>;

function toCelAggregate(agg: Readonly<Record<string, number>>): CelAggregate {
  const out: CelAggregate = {};
  for (const key in agg) out[key] = BigInt(agg[key]!);
  return out;
}

/** What every unread series becomes: never evaluated, but well typed should a rule reach it. */
const ZERO_CEL: CelAggregate = Object.freeze(toCelAggregate(zeroAggregate())) as CelAggregate;

type KeysRead = readonly string[] | 'all' | null;
type ConversionPlan = Record<VelocityFamily, Record<VelocityDimension, KeysRead>>;

const FULL_PLAN = planFor(undefined);
const plans = new WeakMap<object, ConversionPlan>();

/** Per family and dimension: which keys to convert ('all', a list, or null for an unread series). */
function planFor(readKeys: ReadonlyMap<SeriesRef, ReadonlySet<string> | 'all'> | undefined): ConversionPlan {
  const plan = {} as ConversionPlan;
  for (const family of VELOCITY_FAMILIES) {
    const dims = {} as Record<VelocityDimension, KeysRead>;
    for (const dim of VELOCITY_DIMENSIONS) {
      const keys = readKeys ? readKeys.get(`${family}.${dim}`) : 'all';
      dims[dim] = keys === undefined ? null : keys === 'all' ? 'all' : [...keys];
    }
    plan[family] = dims;
  }
  return plan;
}

function convert(agg: Readonly<Record<string, number>>, keys: KeysRead): CelAggregate {
  if (keys === null) return ZERO_CEL;
  if (keys === 'all') return toCelAggregate(agg);
  return pick(agg, keys);
}

/**
 * CEL ints are 64-bit and the library represents them as bigint; facts keep JSON numbers. Only the
 * aggregate keys some rule reads are converted (`readKeys` from compilation); without it, all are.
 * The conversion plan is worked out once per compiled rule set: this runs on every decision.
 */
export function toCelContext(facts: RiskFacts, readKeys?: ReadonlyMap<SeriesRef, ReadonlySet<string> | 'all'>): CelContext {
  let plan = FULL_PLAN;
  if (readKeys) {
    plan = plans.get(readKeys) ?? planFor(readKeys);
    plans.set(readKeys, plan);
  }
  const ctx: CelContext = { ...facts };
  for (const name of INT_SCALARS) ctx[name] = BigInt(facts[name] as number);
  for (const family of VELOCITY_FAMILIES) {
    const src = facts[family];
    const p = plan[family];
    ctx[family] = {
      ip: convert(src.ip, p.ip),
      device: convert(src.device, p.device),
      payer: convert(src.payer, p.payer),
      merchant: convert(src.merchant, p.merchant),
    };
  }
  return ctx;
}

function pick(agg: Readonly<Record<string, number>>, keys: readonly string[]): CelAggregate {
  const out: CelAggregate = {};
  for (const key of keys) {
    const v = agg[key];
    if (v !== undefined) out[key] = BigInt(v);
  }
  return out;
}
