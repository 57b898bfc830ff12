import { createHash } from 'node:crypto';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Db } from '../../db/merchants.ts';
import { effectiveEntries } from '../../db/risk-lists.ts';
import { findEffectiveRuleSet, type RuleSetRow } from '../../db/risk-rule-sets.ts';
import type { RiskListName } from '../../db/risk-tables.ts';
import {
  compileRiskLists,
  compileRuleSet,
  DEFAULT_RULE_SET,
  RiskEngine,
  toSubject,
  type CompiledRuleSet,
  type PaymentOutcome,
  type PaymentRiskInputRaw,
  type RiskAssessment,
  type RiskDecision,
  type VelocityStore,
} from '../../risk/index.ts';

/**
 * The risk runtime of one gateway process: the velocity store, and per merchant the rule set in force
 * and the lists, compiled once and cached. The cache is what keeps the pre-order hot path free of
 * extra database reads: a miss costs two small queries, a hit none. Writes on this node invalidate at
 * once; other nodes see a publish or a list change within `cacheTtlMs` (default 5 s).
 */
export interface RiskControlOptions {
  store: VelocityStore;
  clock: Clock;
  logger: Logger;
  cacheTtlMs?: number;
  /** Told of every decision taken (Prometheus `anfu_risk_decisions_total`); seconds absent when not timed. */
  onDecision?: DecisionObserver;
}

export type DecisionObserver = (decision: RiskDecision, durationSeconds?: number) => void;

export interface MerchantRisk {
  ruleSetId: string | null;
  ruleSet: CompiledRuleSet;
  engine: RiskEngine;
}

interface CacheEntry {
  value: MerchantRisk;
  expiresAt: number;
}

/** Compiles stored rules; a stored set that no longer compiles (engine upgrade) is reported, not trusted. */
export function compileStored(row: Pick<RuleSetRow, 'version' | 'rules'>): ReturnType<typeof compileRuleSet> {
  return compileRuleSet({ version: row.version, rules: row.rules });
}

let compiledDefaults: CompiledRuleSet | undefined;
/** The shipped defaults, compiled once per process. */
function defaultRuleSet(): CompiledRuleSet {
  compiledDefaults ??= compileRuleSet(DEFAULT_RULE_SET).ok!;
  return compiledDefaults;
}

export class RiskControl {
  readonly store: VelocityStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #ttl: number;
  readonly #onDecision: DecisionObserver | undefined;
  readonly #cache = new Map<string, CacheEntry>();
  #generation = 0;

  constructor(o: RiskControlOptions) {
    this.store = o.store;
    this.#clock = o.clock;
    this.#logger = o.logger;
    this.#ttl = o.cacheTtlMs ?? 5_000;
    this.#onDecision = o.onDecision;
  }

  /**
   * Reports a decision to the observer (metrics). The assess methods call it themselves; callers
   * report the decisions they take without the engine (velocity store unavailable). An observer
   * failure never fails the decision.
   */
  observe(decision: RiskDecision, durationSeconds?: number): void {
    try {
      this.#onDecision?.(decision, durationSeconds);
    } catch (err) {
      this.#logger.warn({ err }, 'risk decision observer failed');
    }
  }

  async #timed(run: () => Promise<RiskAssessment>): Promise<RiskAssessment> {
    const started = performance.now();
    const a = await run();
    this.observe(a.decision, (performance.now() - started) / 1000);
    return a;
  }

  /** After a publish or a list change: every merchant reloads on its next decision. */
  invalidate(): void {
    this.#generation++;
    this.#cache.clear();
  }

  /** The merchant's rule set and engine; `db` must be the caller's transaction when inside one (PGlite). */
  async forMerchant(db: Db, merchantId: string): Promise<MerchantRisk> {
    const now = this.#clock.now();
    const hit = this.#cache.get(merchantId);
    if (hit && hit.expiresAt > now) return hit.value;
    const generation = this.#generation;
    const value = await this.#load(db, merchantId);
    // A publish that raced this load must not be overwritten by the older answer.
    if (generation === this.#generation) this.#cache.set(merchantId, { value, expiresAt: now + this.#ttl });
    return value;
  }

  /**
   * Compiled sets by content (version and rules): the reload every `cacheTtlMs` compiles nothing
   * unless the stored rules changed. Compiling the CEL rules costs tens of ms, which the request that
   * happened to reload would otherwise pay. Compiled sets are immutable, so sharing them is safe.
   */
  readonly #compiled = new Map<string, ReturnType<typeof compileStored>>();

  #compile(row: Pick<RuleSetRow, 'version' | 'rules'>): ReturnType<typeof compileStored> {
    const key = createHash('sha256').update(`${row.version}\n${JSON.stringify(row.rules)}`).digest('base64');
    let compiled = this.#compiled.get(key);
    if (!compiled) {
      compiled = compileStored(row);
      if (this.#compiled.size >= 256) this.#compiled.clear();
      this.#compiled.set(key, compiled);
    }
    return compiled;
  }

  async #load(db: Db, merchantId: string): Promise<MerchantRisk> {
    const [row, entries] = await Promise.all([findEffectiveRuleSet(db, merchantId), effectiveEntries(db, merchantId)]);
    let ruleSet: CompiledRuleSet | undefined;
    if (row) {
      const compiled = this.#compile(row);
      if (compiled.ok) ruleSet = compiled.ok;
      else this.#logger.error({ ruleSetId: row.id, errors: compiled.errors.length }, 'stored risk rule set no longer compiles; using the built-in defaults');
    }
    // Fail safe rather than open: with no usable stored set, the shipped defaults still apply.
    ruleSet ??= defaultRuleSet();
    const lists: Record<RiskListName, string[]> = { ip_block: [], ip_allow: [], device_block: [], device_allow: [], openid_block: [], openid_allow: [] };
    for (const e of entries) lists[e.list].push(e.value);
    const engine = new RiskEngine({ store: this.store, clock: this.#clock, lists: compileRiskLists(lists) });
    return { ruleSetId: row && ruleSet.version === row.version ? row.id : null, ruleSet, engine };
  }

  async assessPreOrder(m: MerchantRisk, input: PaymentRiskInputRaw): Promise<RiskAssessment> {
    return this.#timed(() => m.engine.assessPreOrder(m.ruleSet, input));
  }

  async assessPostPayment(m: MerchantRisk, input: PaymentRiskInputRaw): Promise<RiskAssessment> {
    return this.#timed(() => m.engine.assessPostPayment(m.ruleSet, input));
  }

  /**
   * Failures feed `failures.*`. Not awaited by callers on purpose: the outcome is already committed,
   * and a slow store must not hold a request or a transaction. Errors are logged.
   */
  recordOutcome(input: PaymentRiskInputRaw, outcome: PaymentOutcome): void {
    let subject;
    try {
      subject = toSubject(input);
    } catch {
      return;
    }
    const engine = new RiskEngine({ store: this.store, clock: this.#clock });
    engine.recordOutcome(subject, outcome).catch((err: unknown) => {
      this.#logger.warn({ code: (err as { code?: string }).code }, 'could not record a payment outcome in the velocity store');
    });
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
