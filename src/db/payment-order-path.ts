import { CompiledQuery, sql } from 'kysely';
import type { Db } from './merchants.ts';
import type { NewPaymentRow, PaymentRow } from './payments.ts';
import type { NewDecision } from './risk-decisions.ts';
import type { KeyRef } from './idempotency-keys.ts';

/**
 * The two writes of `POST /v1/payments`, each one statement (data-modifying CTEs), so the order path
 * costs two round trips and two commits besides the idempotency claim:
 *
 *  - `reservePaymentRows` (inside the claim transaction): the `created` payment, its timeline, its
 *    pre-order risk decision and the idempotency key's resource — all or nothing, and nothing at all
 *    when (merchant, out_trade_no) exists already;
 *  - `recordWechatAcceptance`: the guarded move to `pending` with the h5_url, its timeline row and the
 *    idempotency key's stored response — the response only when the payment moved.
 *
 * Every sub-statement depends on the payment row the first one returned, so none of them writes when
 * the guard or the conflict stops it. Foreign keys are checked at the end of the statement, when the
 * payment row exists.
 */

export interface ReserveRows {
  payment: NewPaymentRow;
  /** Timeline rows written with the payment, in this order (`created` first). */
  events: Array<{ kind: string; data: Record<string, unknown> }>;
  decision: NewDecision | null;
  /** The idempotency key this request holds: its resource becomes the payment. */
  idempotency: KeyRef | null;
}

/** Inserts the reservation; undefined when (merchant, out_trade_no) exists (nothing is written then). */
export async function reservePaymentRows(db: Db, r: ReserveRows): Promise<PaymentRow | undefined> {
  const p = r.payment;
  const ctes = [
    sql`p as (
      insert into payments (id, merchant_id, out_trade_no, amount, description, payer_client_ip, h5_type, redirect_url, attach, metadata,
                            expires_at, next_query_at, created_at, updated_at, status, device_id, user_agent, risk)
      values (${p.id}, ${p.merchant_id}, ${p.out_trade_no}, ${p.amount}, ${p.description}, ${p.payer_client_ip}, ${p.h5_type}, ${p.redirect_url},
              ${p.attach}, ${JSON.stringify(p.metadata)}::jsonb, ${p.expires_at}, ${p.next_query_at}, ${p.created_at}, ${p.created_at}, 'created',
              ${p.device_id ?? null}, ${p.user_agent ?? null}, ${p.risk ?? null}::jsonb)
      on conflict (merchant_id, out_trade_no) do nothing
      returning *)`,
  ];
  if (r.events.length > 0) {
    const rows = r.events.map((e, i) => sql`(${i}::int, ${e.kind}::text, ${JSON.stringify(e.data)}::jsonb)`);
    ctes.push(sql`ev as (
      insert into payment_events (payment_id, kind, data, created_at)
      select p.id, e.kind, e.data, ${p.created_at}::timestamptz from p cross join (values ${sql.join(rows)}) as e(ord, kind, data)
      order by e.ord)`);
  }
  if (r.decision) {
    const d = r.decision;
    ctes.push(sql`d as (
      insert into risk_decisions (id, payment_id, merchant_id, out_trade_no, phase, action, score, rule_set_id, rule_set_version, fired, shadow_fired, errors, facts, created_at)
      select ${d.id}::text, p.id, p.merchant_id, p.out_trade_no, ${d.phase}::text, ${d.action}::text, ${d.score}::integer, ${d.rule_set_id}::text, ${d.rule_set_version}::integer,
             ${JSON.stringify(d.fired)}::jsonb, ${JSON.stringify(d.shadow_fired)}::jsonb, ${JSON.stringify(d.errors)}::jsonb, ${JSON.stringify(d.facts)}::jsonb, ${d.created_at}::timestamptz
      from p
      on conflict (payment_id, phase) do nothing)`);
  }
  if (r.idempotency) {
    const k = r.idempotency;
    ctes.push(sql`k as (
      update idempotency_keys set resource_id = p.id from p
      where idempotency_keys.merchant_id = ${k.merchantId} and idempotency_keys.endpoint = ${k.endpoint} and idempotency_keys.key = ${k.key}
        and idempotency_keys.state = 'in_flight')`);
  }
  const res = await sql<PaymentRow>`with ${sql.join(ctes)} select * from p`.execute(db);
  return res.rows[0];
}

export interface AcceptanceRecord {
  paymentId: string;
  /** The statuses the payment may be in for the move (a re-entry refreshes a pending one). */
  from: ReadonlyArray<'created' | 'pending'>;
  h5Url: string;
  h5UrlExpiresAt: Date;
  now: Date;
  eventKind: 'wechat_accepted' | 'h5_url_refreshed';
  /** The idempotency key this request holds, and the response to store on it. */
  complete: { ref: KeyRef; status: number; body: string } | null;
}

/**
 * The move to `pending`; undefined when the guard stopped it (a notification or a query settled the
 * payment meanwhile), and then neither the timeline nor the key changed. `completed` says whether the
 * key took the response (false when there is none, or the lock was lost to a takeover).
 */
const RECORD_HEAD = `with u as (
  update payments set status = 'pending', h5_url = $1, h5_url_expires_at = $2, updated_at = $3
  where id = $4 and status = any($5::text[])
  returning *
), ev as (
  insert into payment_events (payment_id, kind, data, created_at)
  select u.id, $6::text, '{}'::jsonb, $3::timestamptz from u
)`;
// Static texts (nothing to build or compile per order): this statement runs once for every order.
const RECORD_ONLY = `${RECORD_HEAD}
select u.*, false as idempotency_completed from u`;
const RECORD_AND_COMPLETE = `${RECORD_HEAD}, k as (
  update idempotency_keys set state = 'completed', locked_at = null, response_status = $7, response_body = $8::jsonb
  where merchant_id = $9 and endpoint = $10 and key = $11 and state = 'in_flight' and exists (select 1 from u)
  returning 1
)
select u.*, exists (select 1 from k) as idempotency_completed from u`;

export async function recordWechatAcceptance(db: Db, a: AcceptanceRecord): Promise<{ payment: PaymentRow; completed: boolean } | undefined> {
  const head = [a.h5Url, a.h5UrlExpiresAt, a.now, a.paymentId, [...a.from], a.eventKind];
  const c = a.complete;
  const query = c
    ? CompiledQuery.raw(RECORD_AND_COMPLETE, [...head, c.status, c.body, c.ref.merchantId, c.ref.endpoint, c.ref.key])
    : CompiledQuery.raw(RECORD_ONLY, head);
  const res = await db.executeQuery<PaymentRow & { idempotency_completed: boolean }>(query);
  const row = res.rows[0];
  if (!row) return undefined;
  const { idempotency_completed, ...payment } = row;
  return { payment, completed: idempotency_completed === true };
}
