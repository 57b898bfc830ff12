import { sql, type Kysely } from 'kysely';

/**
 * The dashboard's daily roll-up (issue 6 §4: the 90-day dashboard under 200 ms with 100,000 payments).
 *
 * - `payment_day_rollup`: per Shanghai calendar day and merchant, the funnel counts and amounts the
 *   dashboard shows (compacted totals).
 * - `payment_day_deltas`: append-only changes to those totals, one small row per payment change that
 *   moves a figure. Writers only ever INSERT here, so concurrent payments of one merchant never wait for
 *   each other on a shared counter row. A periodic compaction folds the deltas into the roll-up
 *   (src/db/dashboard-rollup.ts).
 * - Triggers on `payments` write the deltas in the same transaction as the payment change, whatever code
 *   made it (create, notification or query results, close/expiry, refunds, risk holds, bulk seeds). The
 *   UPDATE trigger has a WHEN clause, so updates that move no dashboard figure (query schedule,
 *   updated_at, h5_url…) cost nothing.
 * - Backfill: existing payments are aggregated into the roll-up after the triggers exist. CREATE TRIGGER
 *   locks `payments` against writes until this migration commits, so no change falls between the two.
 *
 * The day is the Asia/Shanghai calendar day (fixed +8 h, no daylight saving) of `created_at`, floored to
 * the whole second first so an instant 0.6 s before midnight stays on its own day. PostgreSQL 15
 * compatible (EXECUTE FUNCTION ≥ 11); PGlite ships plpgsql.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(DDL).execute(db);
}

const COUNTS = `
  created          %T NOT NULL,
  reached_cashier  %T NOT NULL,
  paid             %T NOT NULL,
  closed           %T NOT NULL,
  failed           %T NOT NULL,
  paid_amount      bigint NOT NULL,
  refunded_amount  bigint NOT NULL`;

const DDL = `
CREATE FUNCTION anfu_shanghai_day(ts timestamptz) RETURNS date
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT date '1970-01-01' + floor((floor(extract(epoch FROM ts)) + 28800) / 86400)::int $$;

CREATE TABLE payment_day_rollup (
  day          date NOT NULL,
  merchant_id  text NOT NULL,${COUNTS.replaceAll('%T', 'bigint')},
  PRIMARY KEY (day, merchant_id)
);

-- No key and no index: one heap insert per change, nothing to contend on.
CREATE TABLE payment_day_deltas (
  day          date NOT NULL,
  merchant_id  text NOT NULL,${COUNTS.replaceAll('%T', 'smallint')}
);

CREATE FUNCTION anfu_payment_day_delta() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  o_day date;
  n_day date;
  d_cashier int;
  d_paid int;
  d_closed int;
  d_failed int;
  d_paid_amount bigint;
  d_refunded bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO payment_day_deltas VALUES (
      anfu_shanghai_day(NEW.created_at), NEW.merchant_id, 1,
      (NEW.status <> 'created')::int, (NEW.paid_at IS NOT NULL)::int, (NEW.status = 'closed')::int, (NEW.status = 'failed')::int,
      CASE WHEN NEW.paid_at IS NOT NULL THEN NEW.amount ELSE 0 END, NEW.refunded_amount);
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    INSERT INTO payment_day_deltas VALUES (
      anfu_shanghai_day(OLD.created_at), OLD.merchant_id, -1,
      -(OLD.status <> 'created')::int, -(OLD.paid_at IS NOT NULL)::int, -(OLD.status = 'closed')::int, -(OLD.status = 'failed')::int,
      CASE WHEN OLD.paid_at IS NOT NULL THEN -OLD.amount ELSE 0 END, -OLD.refunded_amount);
    RETURN NULL;
  END IF;
  o_day := anfu_shanghai_day(OLD.created_at);
  n_day := anfu_shanghai_day(NEW.created_at);
  IF o_day = n_day AND OLD.merchant_id = NEW.merchant_id THEN
    d_cashier := (NEW.status <> 'created')::int - (OLD.status <> 'created')::int;
    d_paid := (NEW.paid_at IS NOT NULL)::int - (OLD.paid_at IS NOT NULL)::int;
    d_closed := (NEW.status = 'closed')::int - (OLD.status = 'closed')::int;
    d_failed := (NEW.status = 'failed')::int - (OLD.status = 'failed')::int;
    d_paid_amount := CASE WHEN NEW.paid_at IS NOT NULL THEN NEW.amount ELSE 0 END - CASE WHEN OLD.paid_at IS NOT NULL THEN OLD.amount ELSE 0 END;
    d_refunded := NEW.refunded_amount - OLD.refunded_amount;
    IF d_cashier = 0 AND d_paid = 0 AND d_closed = 0 AND d_failed = 0 AND d_paid_amount = 0 AND d_refunded = 0 THEN
      RETURN NULL;
    END IF;
    INSERT INTO payment_day_deltas VALUES (n_day, NEW.merchant_id, 0, d_cashier, d_paid, d_closed, d_failed, d_paid_amount, d_refunded);
  ELSE
    -- The row moved to another day or merchant (no code path does this today): take it out there, add it here.
    INSERT INTO payment_day_deltas VALUES
      (o_day, OLD.merchant_id, -1,
       -(OLD.status <> 'created')::int, -(OLD.paid_at IS NOT NULL)::int, -(OLD.status = 'closed')::int, -(OLD.status = 'failed')::int,
       CASE WHEN OLD.paid_at IS NOT NULL THEN -OLD.amount ELSE 0 END, -OLD.refunded_amount),
      (n_day, NEW.merchant_id, 1,
       (NEW.status <> 'created')::int, (NEW.paid_at IS NOT NULL)::int, (NEW.status = 'closed')::int, (NEW.status = 'failed')::int,
       CASE WHEN NEW.paid_at IS NOT NULL THEN NEW.amount ELSE 0 END, NEW.refunded_amount);
  END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION anfu_payment_day_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  TRUNCATE payment_day_deltas, payment_day_rollup;
  RETURN NULL;
END
$fn$;

-- AFTER triggers: they see the row as stored, and INSERT … ON CONFLICT DO NOTHING that inserts nothing fires nothing.
CREATE TRIGGER payments_day_delta_insert_delete AFTER INSERT OR DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION anfu_payment_day_delta();
CREATE TRIGGER payments_day_delta_update AFTER UPDATE ON payments
  FOR EACH ROW WHEN (
    OLD.status IS DISTINCT FROM NEW.status
    OR (OLD.paid_at IS NULL) <> (NEW.paid_at IS NULL)
    OR OLD.amount <> NEW.amount
    OR OLD.refunded_amount <> NEW.refunded_amount
    OR OLD.merchant_id <> NEW.merchant_id
    OR OLD.created_at <> NEW.created_at)
  EXECUTE FUNCTION anfu_payment_day_delta();
CREATE TRIGGER payments_day_delta_truncate AFTER TRUNCATE ON payments
  FOR EACH STATEMENT EXECUTE FUNCTION anfu_payment_day_truncate();

INSERT INTO payment_day_rollup (day, merchant_id, created, reached_cashier, paid, closed, failed, paid_amount, refunded_amount)
SELECT anfu_shanghai_day(created_at), merchant_id,
       count(*),
       count(*) FILTER (WHERE status <> 'created'),
       count(*) FILTER (WHERE paid_at IS NOT NULL),
       count(*) FILTER (WHERE status = 'closed'),
       count(*) FILTER (WHERE status = 'failed'),
       coalesce(sum(amount) FILTER (WHERE paid_at IS NOT NULL), 0),
       coalesce(sum(refunded_amount), 0)
  FROM payments
 GROUP BY 1, 2;
`;
