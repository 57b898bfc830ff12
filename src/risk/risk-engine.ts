import { AppError } from '../lib/errors.ts';
import type { Clock } from '../lib/clock.ts';
import { aggregateFacts, buildFacts, type FetchedAggregates } from './build-facts.ts';
import type { CompiledRuleSet } from './compile.ts';
import { decide, type RiskDecision } from './decide.ts';
import type { SeriesRef } from './fact-usage.ts';
import {
  VELOCITY_DIMENSIONS,
  VELOCITY_WINDOW_MS,
  type RiskFacts,
  type RiskPhase,
  type VelocityDimension,
  type VelocityFamily,
} from './facts.ts';
import { parseIp } from './ip.ts';
import { emptyRiskLists, type CompiledRiskLists } from './lists.ts';
import { paymentRiskInputSchema, type PaymentRiskInput } from './payment-input.ts';
import { FAMILY_EVENT, eventsFor, seriesKey, type PaymentSubject, type VelocityEventKind } from './series.ts';
import type { VelocityStore } from './velocity/store.ts';

/**
 * The risk engine: fetches the velocity aggregates the rule set reads (one store round trip),
 * builds the facts, decides, and records velocity events. Velocity facts describe the events
 * *before* the one being decided: a burst rule `velocity.ip.count_1m >= 5` fires on the sixth
 * attempt. Query-then-record is not atomic across nodes, so two simultaneous attempts can each
 * see the other missing; bursts are still caught one attempt later.
 */
export interface RiskEngineOptions {
  store: VelocityStore;
  clock: Clock;
  lists?: CompiledRiskLists;
}

export interface RiskAssessment {
  decision: RiskDecision;
  facts: RiskFacts;
}

export type PaymentOutcome = 'succeeded' | 'failed';

export function toSubject(raw: unknown): PaymentSubject {
  const parsed = paymentRiskInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('invalid_input', 'risk_input_invalid', `risk input: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim(), {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  const input: PaymentRiskInput = parsed.data;
  // The schema has already proven the IP parses.
  return { input, ip: parseIp(input.payer_client_ip)! };
}

type PlanEntry = readonly [VelocityFamily, VelocityEventKind, SeriesRef, VelocityDimension];
const plans = new WeakMap<ReadonlySet<SeriesRef>, readonly PlanEntry[]>();

/** The series to fetch for a rule set's reads, worked out once per compiled set. */
function fetchPlan(reads: ReadonlySet<SeriesRef>): readonly PlanEntry[] {
  let plan = plans.get(reads);
  if (!plan) {
    const wanted = new Set(reads);
    wanted.add('velocity.device');
    plan = [...wanted].map((ref) => {
      const [family, dim] = ref.split('.') as [VelocityFamily, VelocityDimension];
      return [family, FAMILY_EVENT[family], ref, dim] as const;
    });
    plans.set(reads, plan);
  }
  return plan;
}

export class RiskEngine {
  readonly #store: VelocityStore;
  readonly #clock: Clock;
  #lists: CompiledRiskLists;

  constructor(options: RiskEngineOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#lists = options.lists ?? emptyRiskLists;
  }

  /** Lists change at run time (an operator blocks a device); decisions after this see the new ones. */
  setLists(lists: CompiledRiskLists): void {
    this.#lists = lists;
  }

  /** Facts for a payment, fetching the series in `reads` plus what `is_new_device` needs. */
  async facts(subject: PaymentSubject, phase: RiskPhase, reads: ReadonlySet<SeriesRef>, now = this.#clock.now()): Promise<RiskFacts> {
    const wanted: PlanEntry[] = [];
    const keys: string[] = [];
    for (const entry of fetchPlan(reads)) {
      const key = seriesKey(entry[1], entry[3], subject);
      if (key === null) continue;
      wanted.push(entry);
      keys.push(key);
    }
    const answers = keys.length > 0 ? await this.#store.query(keys, VELOCITY_WINDOW_MS, now) : [];
    const aggregates: FetchedAggregates = {};
    for (let i = 0; i < wanted.length; i++) {
      const [family, , , dim] = wanted[i]!;
      (aggregates[family] ??= {})[dim] = aggregateFacts(answers[i] ?? []);
    }
    return buildFacts(subject, phase, now, aggregates, this.#lists);
  }

  async evaluate(ruleSet: CompiledRuleSet, raw: unknown, phase: RiskPhase): Promise<RiskAssessment> {
    const subject = toSubject(raw);
    const facts = await this.facts(subject, phase, ruleSet.reads);
    return { decision: decide(ruleSet, facts), facts };
  }

  /** Before the WeChat call: decide, then count this attempt (blocked ones too, so a blocked burst stays blocked). */
  async assessPreOrder(ruleSet: CompiledRuleSet, raw: unknown): Promise<RiskAssessment> {
    const subject = toSubject(raw);
    const now = this.#clock.now();
    const facts = await this.facts(subject, 'pre_order', ruleSet.reads, now);
    const decision = decide(ruleSet, facts);
    await this.#store.record(eventsFor('attempt', VELOCITY_DIMENSIONS, subject, now), now);
    return { decision, facts };
  }

  /** On the payment notification: decide with the payer known, then record the success. */
  async assessPostPayment(ruleSet: CompiledRuleSet, raw: unknown): Promise<RiskAssessment> {
    const subject = toSubject(raw);
    const now = this.#clock.now();
    const facts = await this.facts(subject, 'post_payment', ruleSet.reads, now);
    const decision = decide(ruleSet, facts);
    await this.recordOutcome(subject, 'succeeded', now);
    return { decision, facts };
  }

  async recordAttempt(subject: PaymentSubject, now = this.#clock.now()): Promise<void> {
    await this.#store.record(eventsFor('attempt', VELOCITY_DIMENSIONS, subject, now), now);
  }

  /**
   * The payer is first known with the outcome, so the payer's attempt is counted here too (the
   * payment id makes it idempotent with any earlier record).
   */
  async recordOutcome(subject: PaymentSubject, outcome: PaymentOutcome, now = this.#clock.now()): Promise<void> {
    const kind = outcome === 'succeeded' ? 'success' : 'failure';
    await this.#store.record(
      [...eventsFor(kind, VELOCITY_DIMENSIONS, subject, now), ...eventsFor('attempt', ['payer'], subject, now)],
      now,
    );
  }
}
