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
import type { VelocityEvent, VelocityStore } from './velocity/store.ts';

/**
 * The risk engine: fetches the velocity aggregates the rule set reads (one store round trip),
 * builds the facts, decides, and records velocity events. Velocity facts describe the events
 * *before* the one being decided: a burst rule `velocity.ip.count_1m >= 5` fires on the sixth
 * attempt. The read and the record of the decision's own event are one atomic store call, so
 * simultaneous attempts on several nodes always count each other.
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
    return this.#gather(subject, phase, reads, now, null);
  }

  /** With `record`, the events are recorded atomically right after the read (one round trip). */
  async #gather(
    subject: PaymentSubject,
    phase: RiskPhase,
    reads: ReadonlySet<SeriesRef>,
    now: number,
    record: readonly VelocityEvent[] | null,
  ): Promise<RiskFacts> {
    const wanted: PlanEntry[] = [];
    const keys: string[] = [];
    for (const entry of fetchPlan(reads)) {
      const key = seriesKey(entry[1], entry[3], subject);
      if (key === null) continue;
      wanted.push(entry);
      keys.push(key);
    }
    const answers = await this.#velocity(() =>
      record
        ? this.#store.queryThenRecord(keys, VELOCITY_WINDOW_MS, record, now)
        : keys.length > 0
          ? this.#store.query(keys, VELOCITY_WINDOW_MS, now)
          : Promise.resolve([]),
    );
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

  /**
   * Before the WeChat call: read the velocity and count this attempt in one atomic step, then
   * decide. Blocked attempts are counted too, so a blocked burst stays blocked.
   */
  async assessPreOrder(ruleSet: CompiledRuleSet, raw: unknown): Promise<RiskAssessment> {
    const subject = toSubject(raw);
    const now = this.#clock.now();
    const facts = await this.#gather(subject, 'pre_order', ruleSet.reads, now, attemptEvents(subject, now));
    return { decision: decide(ruleSet, facts), facts };
  }

  /** On the payment notification: read the velocity and record the success atomically, then decide. */
  async assessPostPayment(ruleSet: CompiledRuleSet, raw: unknown): Promise<RiskAssessment> {
    const subject = toSubject(raw);
    const now = this.#clock.now();
    const facts = await this.#gather(subject, 'post_payment', ruleSet.reads, now, outcomeEvents(subject, 'succeeded', now));
    return { decision: decide(ruleSet, facts), facts };
  }

  async recordAttempt(subject: PaymentSubject, now = this.#clock.now()): Promise<void> {
    await this.#velocity(() => this.#store.record(attemptEvents(subject, now), now));
  }

  async recordOutcome(subject: PaymentSubject, outcome: PaymentOutcome, now = this.#clock.now()): Promise<void> {
    await this.#velocity(() => this.#store.record(outcomeEvents(subject, outcome, now), now));
  }

  /**
   * A store failure (Redis down or slow past its command timeout) becomes one stable error. Whether
   * to fail open or closed is the caller's policy, so the engine does not guess.
   */
  async #velocity<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof AppError || e instanceof RangeError) throw e;
      throw new AppError('unavailable', 'risk_store_unavailable', `velocity store (${this.#store.kind}) unavailable`, {
        reason: e instanceof Error ? e.message.slice(0, 200) : String(e).slice(0, 200),
      });
    }
  }
}

function attemptEvents(subject: PaymentSubject, now: number): VelocityEvent[] {
  return eventsFor('attempt', VELOCITY_DIMENSIONS, subject, now);
}

/**
 * The payer is first known with the outcome, so the payer's attempt is counted here too (the
 * payment id makes it idempotent with any earlier record).
 */
function outcomeEvents(subject: PaymentSubject, outcome: PaymentOutcome, now: number): VelocityEvent[] {
  const kind = outcome === 'succeeded' ? 'success' : 'failure';
  return [...eventsFor(kind, VELOCITY_DIMENSIONS, subject, now), ...eventsFor('attempt', ['payer'], subject, now)];
}
