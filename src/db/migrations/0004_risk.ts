import { sql, type Kysely } from 'kysely';

/**
 * Risk control: versioned rule sets, allow/block lists, stored decisions, the review queue and the
 * per-merchant review SLA; plus the payment columns risk needs (device id and user agent for facts and
 * backtests, and the payment's current risk state for the merchant's view).
 *
 * PostgreSQL 15 compatible. `merchant_id IS NULL` means the gateway-wide default; the unique indexes
 * use coalesce(merchant_id, '') so NULL scopes collide like any other (NULLS NOT DISTINCT would too,
 * but an expression index reads the same on every engine we run).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(RISK_DDL).execute(db);
}

const RISK_DDL = `
CREATE TABLE risk_rule_sets (
  id            text PRIMARY KEY CHECK (id ~ '^rs_[A-Za-z0-9]+$'),
  merchant_id   text REFERENCES merchants(id),
  version       integer NOT NULL CHECK (version >= 1),
  status        text NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
  -- The rules as the operator wrote them (validated and compiled before any write).
  rules         jsonb NOT NULL CHECK (jsonb_typeof(rules) = 'array'),
  note          text CHECK (length(note) <= 500),
  created_by    text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 64),
  created_at    timestamptz NOT NULL,
  published_by  text CHECK (length(published_by) <= 64),
  published_at  timestamptz,
  CHECK ((status = 'draft') = (published_at IS NULL))
);
CREATE UNIQUE INDEX risk_rule_sets_version_uq ON risk_rule_sets ((coalesce(merchant_id, '')), version);
-- Exactly one active set per scope: a second concurrent publish fails here, not in application code.
CREATE UNIQUE INDEX risk_rule_sets_published_uq ON risk_rule_sets ((coalesce(merchant_id, ''))) WHERE status = 'published';

CREATE TABLE risk_list_entries (
  id           text PRIMARY KEY CHECK (id ~ '^rl_[A-Za-z0-9]+$'),
  merchant_id  text REFERENCES merchants(id),
  list         text NOT NULL CHECK (list IN ('ip_block', 'ip_allow', 'device_block', 'device_allow', 'openid_block', 'openid_allow')),
  value        text NOT NULL CHECK (length(value) BETWEEN 1 AND 128),
  note         text CHECK (length(note) <= 200),
  created_by   text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 64),
  created_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX risk_list_entries_uq ON risk_list_entries ((coalesce(merchant_id, '')), list, value);

CREATE TABLE risk_decisions (
  id               text PRIMARY KEY CHECK (id ~ '^rd_[A-Za-z0-9]+$'),
  -- No foreign key: a blocked attempt stores its decision under the id the payment would have had.
  payment_id       text NOT NULL,
  merchant_id      text NOT NULL REFERENCES merchants(id),
  out_trade_no     text NOT NULL,
  phase            text NOT NULL CHECK (phase IN ('pre_order', 'post_payment')),
  action           text NOT NULL CHECK (action IN ('allow', 'review', 'block')),
  score            integer NOT NULL CHECK (score >= 0),
  rule_set_id      text,
  rule_set_version integer NOT NULL,
  fired            jsonb NOT NULL DEFAULT '[]',
  shadow_fired     jsonb NOT NULL DEFAULT '[]',
  errors           jsonb NOT NULL DEFAULT '[]',
  -- Facts with personal data masked or digested (services/risk/facts-snapshot.ts).
  facts            jsonb NOT NULL,
  created_at       timestamptz NOT NULL,
  UNIQUE (payment_id, phase)
);
CREATE INDEX risk_decisions_merchant_created_idx ON risk_decisions (merchant_id, created_at DESC);
CREATE INDEX risk_decisions_action_created_idx ON risk_decisions (action, created_at DESC);

CREATE TABLE risk_reviews (
  id               text PRIMARY KEY CHECK (id ~ '^rv_[A-Za-z0-9]+$'),
  payment_id       text NOT NULL UNIQUE REFERENCES payments(id),
  merchant_id      text NOT NULL REFERENCES merchants(id),
  decision_id      text NOT NULL REFERENCES risk_decisions(id),
  -- The rules that fired: [{rule_id, action, score, reason:{zh-CN,en}}].
  reason           jsonb NOT NULL,
  status           text NOT NULL CHECK (status IN ('open', 'claimed', 'approved', 'rejected')),
  assignee         text CHECK (length(assignee) <= 64),
  due_at           timestamptz NOT NULL,
  sla_breached_at  timestamptz,
  decided_by       text CHECK (length(decided_by) <= 64),
  note             text CHECK (length(note) <= 1000),
  decided_at       timestamptz,
  refund_id        text,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CHECK ((status IN ('approved', 'rejected')) = (decided_at IS NOT NULL)),
  CHECK (status <> 'claimed' OR assignee IS NOT NULL)
);
CREATE INDEX risk_reviews_queue_idx ON risk_reviews (status, due_at) WHERE status IN ('open', 'claimed');
CREATE INDEX risk_reviews_merchant_idx ON risk_reviews (merchant_id, created_at DESC);

CREATE TABLE risk_merchant_settings (
  merchant_id         text PRIMARY KEY REFERENCES merchants(id),
  review_sla_seconds  integer NOT NULL CHECK (review_sla_seconds BETWEEN 60 AND 604800),
  updated_at          timestamptz NOT NULL
);

ALTER TABLE payments ADD COLUMN device_id text CHECK (length(device_id) <= 32);
ALTER TABLE payments ADD COLUMN user_agent text CHECK (length(user_agent) <= 512);
-- The payment's risk state for the merchant's view: NULL = clear;
-- {status: flagged|in_review|approved|rejected, score, rules:[{rule_id, action, reason}]}.
ALTER TABLE payments ADD COLUMN risk jsonb CHECK (risk IS NULL OR risk->>'status' IN ('flagged', 'in_review', 'approved', 'rejected'));
`;
