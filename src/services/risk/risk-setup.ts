import type { Kysely } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Database } from '../../db/schema.ts';
import { seedGlobalRuleSet } from '../../db/risk-rule-sets.ts';
import { DEFAULT_RULE_SET, MemoryVelocityStore, RedisVelocityStore, type VelocityStore } from '../../risk/index.ts';
import { RiskControl, type DecisionObserver } from './risk-control.ts';

/**
 * Builds risk control at start-up: seeds the documented default rule set as the published global
 * version 1 on the very first start (never again: later edits are operators' versions), and picks the
 * velocity store — in memory for one node, Redis when REDIS_URL is set so several nodes share windows.
 */
/** HKDF purpose of the Redis velocity pseudonyms (changing it orphans every window in Redis). */
export const RISK_VELOCITY_PSEUDONYM = 'anfu-risk-velocity-v1';

export interface RiskSetupOptions {
  redisUrl?: string | undefined;
  /** Namespace of the velocity keys (ANFU_REDIS_KEY_PREFIX, default "anfu:risk:"). */
  redisKeyPrefix?: string | undefined;
  clock: Clock;
  logger: Logger;
  /**
   * The keyed pseudonym function for the Redis store (from the blind-index key, so every node sharing
   * the database and KEK derives the same one). Resolved only when Redis is used.
   */
  redisPseudonymiser?: () => Promise<(value: string) => string>;
  /** Tests: a prepared store. */
  store?: VelocityStore;
  cacheTtlMs?: number;
  /** Told of every decision (metrics). */
  onDecision?: DecisionObserver;
}

export async function startRiskControl(db: Kysely<Database>, o: RiskSetupOptions): Promise<RiskControl> {
  const seeded = await seedGlobalRuleSet(db, { id: newId('rs'), rules: [...DEFAULT_RULE_SET.rules], now: new Date(o.clock.now()) });
  if (seeded) o.logger.info({ rules: DEFAULT_RULE_SET.rules.length }, 'seeded the default risk rule set');
  const store =
    o.store ??
    (o.redisUrl
      ? await RedisVelocityStore.connect({
          url: o.redisUrl,
          keyPrefix: o.redisKeyPrefix ?? 'anfu:risk:',
          ...(o.redisPseudonymiser ? { pseudonymise: await o.redisPseudonymiser() } : {}),
        })
      : new MemoryVelocityStore());
  o.logger.info({ store: store.kind }, 'risk velocity store ready');
  return new RiskControl({
    store,
    clock: o.clock,
    logger: o.logger,
    ...(o.cacheTtlMs !== undefined ? { cacheTtlMs: o.cacheTtlMs } : {}),
    ...(o.onDecision ? { onDecision: o.onDecision } : {}),
  });
}
