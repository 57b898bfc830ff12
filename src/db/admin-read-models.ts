import { sql } from 'kysely';
import type { Db } from './merchants.ts';
import type { PaymentRow } from './payments.ts';
import type { PaymentStatus } from './schema.ts';

/**
 * The console's cross-merchant queries. Every one takes the operator's merchant scope (null = all)
 * and filters by it in SQL, so an out-of-scope row is never read, not merely hidden afterwards.
 */
export type Scope = readonly string[] | null;

export interface ConsolePaymentFilter {
  scope: Scope;
  merchantId?: string | undefined;
  status?: PaymentStatus | undefined;
  /** out_trade_no, payment id or WeChat transaction id: exact match. */
  q?: string | undefined;
  createdGte?: Date | undefined;
  createdLt?: Date | undefined;
  minAmount?: number | undefined;
  maxAmount?: number | undefined;
  after?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

export async function searchPayments(db: Db, f: ConsolePaymentFilter): Promise<PaymentRow[]> {
  let q = db.selectFrom('payments').selectAll();
  if (f.scope !== null) q = q.where('merchant_id', 'in', f.scope.length ? [...f.scope] : ['']);
  if (f.merchantId) q = q.where('merchant_id', '=', f.merchantId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.q) {
    const term = f.q;
    q = q.where((eb) => eb.or([eb('out_trade_no', '=', term), eb('id', '=', term), eb('transaction_id', '=', term)]));
  }
  if (f.createdGte) q = q.where('created_at', '>=', f.createdGte);
  if (f.createdLt) q = q.where('created_at', '<', f.createdLt);
  if (f.minAmount !== undefined) q = q.where('amount', '>=', f.minAmount);
  if (f.maxAmount !== undefined) q = q.where('amount', '<=', f.maxAmount);
  if (f.after) {
    const a = f.after;
    q = q.where((eb) => eb.or([eb('created_at', '<', a.createdAt), eb.and([eb('created_at', '=', a.createdAt), eb('id', '<', a.id)])]));
  }
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

export async function findPaymentInScope(db: Db, scope: Scope, id: string): Promise<PaymentRow | undefined> {
  let q = db.selectFrom('payments').selectAll().where('id', '=', id);
  if (scope !== null) q = q.where('merchant_id', 'in', scope.length ? [...scope] : ['']);
  return q.executeTakeFirst();
}

export interface PaymentAggregates {
  created: number;
  reached_cashier: number;
  paid: number;
  closed: number;
  failed: number;
  paid_amount: number;
  refunded_amount: number;
}

export interface DailyAggregates extends PaymentAggregates {
  day: string;
}

const DAY_MS = 86_400_000;
/** China has no daylight saving: the Shanghai calendar day is a fixed +8 h from UTC. */
const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const shanghaiDayOf = (ms: number) => Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
const shanghaiDayStart = (day: number) => day * DAY_MS - SHANGHAI_OFFSET_MS;
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * How a period [from, to) is read: whole Shanghai days from the roll-up (`days`, inclusive day numbers
 * since 1970-01-01), plus signed ranges of `payments` read directly. A period edge that cuts a day is
 * read directly, or the whole day comes from the roll-up and the part outside the period is read directly
 * and subtracted — whichever reads less time. With `now`, time after it counts as nothing to read
 * (payments are created at "now"), so "the last 7 days up to now" takes today from the roll-up and
 * subtracts the empty rest of the day. Either way at most half a day of past payments is read at each
 * edge, and none when the period starts and ends at Shanghai midnight. Both choices are exact.
 */
export interface PeriodPlan {
  days: { first: number; last: number } | null;
  ranges: Array<{ from: Date; to: Date; sign: 1 | -1 }>;
}

export function planPeriod(from: Date, to: Date, now?: Date): PeriodPlan {
  const a = from.getTime();
  const b = to.getTime();
  const whole: number[] = [];
  const ranges: PeriodPlan['ranges'] = [];
  if (!(a < b)) return { days: null, ranges };
  const horizon = now ? now.getTime() : Infinity;
  /** How much past time [x, y) covers: what reading it directly costs. */
  const cost = (x: number, y: number) => Math.max(0, Math.min(y, horizon) - x);
  const partial = (day: number, x: number, y: number) => {
    if (cost(x, y) <= cost(shanghaiDayStart(day), x) + cost(y, shanghaiDayStart(day + 1))) {
      ranges.push({ from: new Date(x), to: new Date(y), sign: 1 });
      return;
    }
    whole.push(day);
    if (x > shanghaiDayStart(day)) ranges.push({ from: new Date(shanghaiDayStart(day)), to: new Date(x), sign: -1 });
    if (y < shanghaiDayStart(day + 1)) ranges.push({ from: new Date(y), to: new Date(shanghaiDayStart(day + 1)), sign: -1 });
  };
  const dA = shanghaiDayOf(a);
  const dB = shanghaiDayOf(b);
  if (dA === dB) {
    partial(dA, a, b);
  } else {
    let first = dA;
    if (a > shanghaiDayStart(dA)) {
      partial(dA, a, shanghaiDayStart(dA + 1));
      first = dA + 1;
    }
    for (let d = first; d < dB; d++) whole.push(d);
    if (b > shanghaiDayStart(dB)) partial(dB, shanghaiDayStart(dB), b);
  }
  if (whole.length === 0) return { days: null, ranges };
  const firstDay = Math.min(...whole);
  const lastDay = Math.max(...whole);
  // Whole days are always one run (the edge days sit next to the inner ones); say so if that ever breaks.
  if (lastDay - firstDay + 1 !== new Set(whole).size) throw new Error('planPeriod: whole days are not contiguous');
  return { days: { first: firstDay, last: lastDay }, ranges };
}

type FigureRow = Record<'day' | keyof PaymentAggregates, string | number | null>;

function toDaily(rows: FigureRow[]): DailyAggregates[] {
  const n = (v: string | number | null) => Number(v ?? 0);
  return rows.map((x) => ({
    day: isoDay(Number(x.day)),
    created: n(x.created),
    reached_cashier: n(x.reached_cashier),
    paid: n(x.paid),
    closed: n(x.closed),
    failed: n(x.failed),
    paid_amount: n(x.paid_amount),
    refunded_amount: n(x.refunded_amount),
  }));
}

const scopeFilter = (scope: Scope) => (scope === null ? sql`true` : sql`merchant_id = ANY(${sql.val([...scope])}::text[])`);

/** The period's payments in [from, to), grouped by Shanghai day, each figure multiplied by `sign`. */
const directPart = (scope: Scope, from: Date, to: Date, sign: 1 | -1) => sql`
    SELECT anfu_shanghai_day(created_at) - date '1970-01-01' AS day,
           ${sql.lit(sign)} * count(*)                                              AS created,
           ${sql.lit(sign)} * count(*) FILTER (WHERE status <> 'created')           AS reached_cashier,
           ${sql.lit(sign)} * count(*) FILTER (WHERE paid_at IS NOT NULL)           AS paid,
           ${sql.lit(sign)} * count(*) FILTER (WHERE status = 'closed')             AS closed,
           ${sql.lit(sign)} * count(*) FILTER (WHERE status = 'failed')             AS failed,
           ${sql.lit(sign)} * coalesce(sum(amount) FILTER (WHERE paid_at IS NOT NULL), 0) AS paid_amount,
           ${sql.lit(sign)} * coalesce(sum(refunded_amount), 0)                     AS refunded_amount
      FROM payments
     WHERE created_at >= ${from} AND created_at < ${to} AND ${scopeFilter(scope)}
     GROUP BY 1`;

/**
 * The dashboard's per-day figures over [from, to) by Shanghai calendar day (as merchants in China read
 * them): counts for the funnel created → cashier (an H5 URL was handed out: status left `created`) →
 * paid, and amounts in fen. Whole days come from the daily roll-up (compacted totals plus the deltas
 * not yet compacted, migration 0008), so a 90-day period reads about 90 × merchants rows, not every
 * payment; edges that cut a day are read from `payments` (see planPeriod; `now` is only a cost hint).
 * Everything is one statement, so one snapshot: the result equals `dailyAggregatesDirect` exactly
 * (property-tested).
 */
export async function dailyAggregates(db: Db, scope: Scope, from: Date, to: Date, now?: Date): Promise<DailyAggregates[]> {
  const plan = planPeriod(from, to, now);
  const parts = plan.ranges.map((r) => directPart(scope, r.from, r.to, r.sign));
  if (plan.days) {
    const lo = isoDay(plan.days.first);
    const hi = isoDay(plan.days.last);
    parts.push(sql`
    SELECT day - date '1970-01-01' AS day, created, reached_cashier, paid, closed, failed, paid_amount, refunded_amount
      FROM payment_day_rollup
     WHERE day BETWEEN ${lo}::date AND ${hi}::date AND ${scopeFilter(scope)}`);
    // Pending deltas can be tens of thousands of rows: sum them per day first (smallint sums are cheap
    // int8 arithmetic), so the outer sums see a few rows instead.
    parts.push(sql`
    SELECT day - date '1970-01-01' AS day, sum(created), sum(reached_cashier), sum(paid), sum(closed), sum(failed), sum(paid_amount), sum(refunded_amount)
      FROM payment_day_deltas
     WHERE day BETWEEN ${lo}::date AND ${hi}::date AND ${scopeFilter(scope)}
     GROUP BY day`);
  }
  if (parts.length === 0) return [];
  const r = await sql<FigureRow>`
    SELECT day, sum(created) AS created, sum(reached_cashier) AS reached_cashier, sum(paid) AS paid, sum(closed) AS closed,
           sum(failed) AS failed, sum(paid_amount) AS paid_amount, sum(refunded_amount) AS refunded_amount
      FROM (${sql.join(parts, sql` UNION ALL `)}) AS parts
     GROUP BY day
    HAVING sum(created) > 0
     ORDER BY day`.execute(db);
  return toDaily(r.rows);
}

/**
 * The same figures computed from `payments` alone: one pass over the period's payments (index
 * `payments_created_dashboard_idx`). Reads every payment of the period, so it is the reference the
 * roll-up is tested and verified against (`anfu dashboard verify`), and a fallback should the roll-up
 * ever be in doubt — not the dashboard's path.
 */
export async function dailyAggregatesDirect(db: Db, scope: Scope, from: Date, to: Date): Promise<DailyAggregates[]> {
  if (!(from < to)) return [];
  const r = await sql<FigureRow>`SELECT * FROM (${directPart(scope, from, to, 1)}) AS d ORDER BY day`.execute(db);
  return toDaily(r.rows);
}

export function sumAggregates(days: readonly PaymentAggregates[]): PaymentAggregates {
  const total: PaymentAggregates = { created: 0, reached_cashier: 0, paid: 0, closed: 0, failed: 0, paid_amount: 0, refunded_amount: 0 };
  for (const d of days) {
    for (const k of Object.keys(total) as Array<keyof PaymentAggregates>) total[k] += d[k];
  }
  return total;
}

/** Counts rows of a table another capability may not have created yet (reviews, alerts): null if absent. */
export async function countOpenIfTableExists(db: Db, table: string, openSql: string, scope: Scope): Promise<number | null> {
  if (!/^[a-z_]+$/.test(table)) throw new Error('bad table name');
  const exists = await sql<{ ok: boolean }>`SELECT to_regclass(${table}) IS NOT NULL AS ok`.execute(db);
  if (!exists.rows[0]?.ok) return null;
  const scopeSql = scope === null ? sql`true` : sql`merchant_id = ANY(${sql.val([...scope])}::text[])`;
  try {
    const r = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE ${sql.raw(openSql)} AND ${scopeSql}`.execute(db);
    return Number(r.rows[0]?.n ?? 0);
  } catch {
    // A table of that name with another shape (not yet the one we expect): show nothing rather than fail the dashboard.
    return null;
  }
}

export async function updateMerchantH5Domains(db: Db, id: string, domains: string[], now: Date): Promise<boolean> {
  const r = await db.updateTable('merchants').set({ h5_domains: domains, updated_at: now }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The merchant's recent events (delivery log), newest first, with the latest attempt of each. */
export async function listMerchantEvents(db: Db, merchantId: string, limit: number, beforeCreatedAt?: Date) {
  let q = db
    .selectFrom('outbox_events as e')
    .select(['e.id', 'e.type', 'e.created_at'])
    .select((eb) => [
      eb.selectFrom('webhook_deliveries as d').select('d.status').whereRef('d.event_id', '=', 'e.id').orderBy('d.attempt', 'desc').limit(1).as('last_status'),
      eb.selectFrom('webhook_deliveries as d').select((e2) => e2.fn.countAll<string>().as('n')).whereRef('d.event_id', '=', 'e.id').as('attempts'),
    ])
    .where('e.merchant_id', '=', merchantId);
  if (beforeCreatedAt) q = q.where('e.created_at', '<', beforeCreatedAt);
  return q.orderBy('e.created_at', 'desc').limit(limit).execute();
}

/** Outbox events by dedup key (the payment's own and its refunds'), for a payment's timeline. */
export async function eventsByDedupKeys(db: Db, merchantId: string, keys: string[]) {
  if (keys.length === 0) return [];
  return db.selectFrom('outbox_events').selectAll().where('merchant_id', '=', merchantId).where('dedup_key', 'in', keys).orderBy('created_at').execute();
}

export async function deliveriesForEvents(db: Db, eventIds: string[]) {
  if (eventIds.length === 0) return [];
  return db.selectFrom('webhook_deliveries').selectAll().where('event_id', 'in', eventIds).orderBy('created_at').execute();
}

export async function refundsOfPayment(db: Db, paymentId: string) {
  return db.selectFrom('refunds').selectAll().where('payment_id', '=', paymentId).orderBy('created_at').execute();
}
