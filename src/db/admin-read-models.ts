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

/**
 * One pass over the period's payments (index `payments_created_dashboard_idx`), grouped by UTC+8
 * calendar day (as merchants in China read them): counts for the funnel created → cashier (an H5 URL
 * was handed out: status left `created`) → paid, and amounts in fen. Period totals are the sum of the
 * days, so the dashboard reads each row once.
 */
export async function dailyAggregates(db: Db, scope: Scope, from: Date, to: Date): Promise<DailyAggregates[]> {
  const scopeSql = scope === null ? sql`true` : sql`merchant_id = ANY(${sql.val([...scope])}::text[])`;
  const r = await sql<Record<keyof DailyAggregates, string | null>>`
    -- China has no daylight saving: a fixed +8 h offset gives the Shanghai calendar day with integer
    -- arithmetic, far cheaper per row than a time-zone conversion (the day is formatted in JS).
    SELECT ((extract(epoch FROM created_at)::bigint + 28800) / 86400) AS day,
           count(*)                                                  AS created,
           count(*) FILTER (WHERE status <> 'created')                AS reached_cashier,
           count(*) FILTER (WHERE paid_at IS NOT NULL)                AS paid,
           count(*) FILTER (WHERE status = 'closed')                  AS closed,
           count(*) FILTER (WHERE status = 'failed')                  AS failed,
           coalesce(sum(amount) FILTER (WHERE paid_at IS NOT NULL), 0) AS paid_amount,
           coalesce(sum(refunded_amount), 0)                          AS refunded_amount
      FROM payments
     WHERE created_at >= ${from} AND created_at < ${to} AND ${scopeSql}
     GROUP BY 1 ORDER BY 1`.execute(db);
  const n = (v: string | null) => Number(v ?? 0);
  return r.rows.map((x) => ({
    day: new Date(Number(x.day) * 86_400_000).toISOString().slice(0, 10),
    created: n(x.created),
    reached_cashier: n(x.reached_cashier),
    paid: n(x.paid),
    closed: n(x.closed),
    failed: n(x.failed),
    paid_amount: n(x.paid_amount),
    refunded_amount: n(x.refunded_amount),
  }));
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
