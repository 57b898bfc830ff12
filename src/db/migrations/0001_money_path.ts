import { sql, type Kysely } from 'kysely';

/**
 * The money path: merchants, their credentials and API keys, payments, refunds, idempotency keys, the
 * WeChat notification inbox, the outbox and its deliveries, and the payment timeline.
 *
 * Written for PostgreSQL 15 (production floor) and PGlite (PG 18): nothing newer than 15. Invariants that
 * protect money are CHECK / UNIQUE constraints, so no code path can skip them. Forward-only: never edit a
 * migration once released; add the next number instead.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(MONEY_PATH_DDL).execute(db);
}

const MONEY_PATH_DDL = `
CREATE TABLE merchants (
  id                     text PRIMARY KEY CHECK (id ~ '^mer_[A-Za-z0-9]+$'),
  name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
  mchid                  text NOT NULL CHECK (mchid ~ '^[0-9]{1,32}$'),
  appid                  text NOT NULL CHECK (length(appid) BETWEEN 1 AND 32),
  mode                   text NOT NULL CHECK (mode IN ('sandbox', 'live')),
  h5_domains             text[] NOT NULL DEFAULT '{}',
  webhook_url            text,
  wechat_api_base_url    text NOT NULL,
  wechat_api_backup_url  text,
  key_mode               text NOT NULL CHECK (key_mode IN ('public_key', 'platform_certificate')),
  merchant_serial        text NOT NULL CHECK (merchant_serial ~ '^[0-9A-Fa-f]{1,64}$'),
  disabled_at            timestamptz,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  -- WeChat identifies a merchant-app binding by the pair; two rows for it would split its orders.
  UNIQUE (mchid, appid)
);

-- One column per secret, so the custody work can move each into the vault by name.
CREATE TABLE merchant_credentials (
  merchant_id                         text PRIMARY KEY REFERENCES merchants(id) ON DELETE CASCADE,
  merchant_private_key_pem            text NOT NULL,
  apiv3_key                           text NOT NULL CHECK (octet_length(apiv3_key) = 32),
  wechatpay_public_key_id             text,
  wechatpay_public_key_pem            text,
  platform_certificates               jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(platform_certificates) = 'array'),
  webhook_secret_current              text NOT NULL,
  -- During a rotation both secrets sign outgoing webhooks until the previous one expires.
  webhook_secret_previous             text,
  webhook_secret_previous_expires_at  timestamptz,
  updated_at                          timestamptz NOT NULL DEFAULT now(),
  CHECK ((wechatpay_public_key_id IS NULL) = (wechatpay_public_key_pem IS NULL)),
  CHECK ((webhook_secret_previous IS NULL) = (webhook_secret_previous_expires_at IS NULL))
);

CREATE TABLE merchant_api_keys (
  id             text PRIMARY KEY CHECK (id ~ '^key_[A-Za-z0-9]+$'),
  merchant_id    text NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
  mode           text NOT NULL CHECK (mode IN ('sandbox', 'live')),
  -- The non-secret part of the token: finds the row without comparing secrets in SQL.
  lookup_id      text NOT NULL UNIQUE,
  secret_sha256  text NOT NULL CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
  last4          text NOT NULL CHECK (length(last4) = 4),
  label          text CHECK (length(label) <= 64),
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz,
  last_used_at   timestamptz
);
CREATE INDEX merchant_api_keys_merchant_idx ON merchant_api_keys (merchant_id, created_at);

CREATE TABLE payments (
  id                  text PRIMARY KEY CHECK (id ~ '^pay_[A-Za-z0-9]+$'),
  merchant_id         text NOT NULL REFERENCES merchants(id),
  -- WeChat: 6–32 characters of [0-9A-Za-z_-|*]; its own idempotency key per mchid.
  out_trade_no        text NOT NULL CHECK (out_trade_no ~ '^[0-9A-Za-z_|*-]{6,32}$'),
  amount              bigint NOT NULL CHECK (amount >= 1),
  currency            text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
  description         text NOT NULL CHECK (length(description) BETWEEN 1 AND 127),
  status              text NOT NULL CHECK (status IN ('created', 'pending', 'succeeded', 'closed', 'failed', 'partially_refunded', 'refunded')),
  -- Reserved by refunds in the same transaction as the refund row: the cumulative rule lives here.
  refunded_amount     bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
  refund_count        integer NOT NULL DEFAULT 0 CHECK (refund_count BETWEEN 0 AND 50),
  payer_client_ip     text NOT NULL,
  h5_type             text CHECK (h5_type IN ('Wap', 'iOS', 'Android')),
  redirect_url        text,
  attach              text CHECK (length(attach) <= 128),
  metadata            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  h5_url              text,
  h5_url_expires_at   timestamptz,
  expires_at          timestamptz NOT NULL,
  transaction_id      text UNIQUE,
  payer_openid        text,
  paid_at             timestamptz,
  wechat_trade_state  text,
  next_query_at       timestamptz,
  query_attempts      integer NOT NULL DEFAULT 0 CHECK (query_attempts >= 0),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (merchant_id, out_trade_no),
  -- A paid order always knows its WeChat transaction; refunds only touch paid orders.
  CHECK (status NOT IN ('succeeded', 'partially_refunded', 'refunded') OR (transaction_id IS NOT NULL AND paid_at IS NOT NULL)),
  CHECK (refunded_amount = 0 OR status IN ('succeeded', 'partially_refunded', 'refunded')),
  CHECK (status <> 'refunded' OR refunded_amount = amount),
  CHECK (status <> 'partially_refunded' OR refunded_amount > 0)
);
CREATE INDEX payments_merchant_created_idx ON payments (merchant_id, created_at DESC, id DESC);
CREATE INDEX payments_query_due_idx ON payments (next_query_at) WHERE status IN ('created', 'pending');

CREATE TABLE refunds (
  id                text PRIMARY KEY CHECK (id ~ '^re_[A-Za-z0-9]+$'),
  payment_id        text NOT NULL REFERENCES payments(id),
  merchant_id       text NOT NULL REFERENCES merchants(id),
  -- Reused on every retry so WeChat deduplicates a refund we are unsure about.
  out_refund_no     text NOT NULL CHECK (out_refund_no ~ '^[0-9A-Za-z_|*@-]{1,64}$'),
  amount            bigint NOT NULL CHECK (amount >= 1),
  currency          text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
  reason            text CHECK (length(reason) <= 80),
  status            text NOT NULL CHECK (status IN ('pending', 'processing', 'succeeded', 'closed', 'abnormal', 'failed')),
  wechat_refund_id  text UNIQUE,
  wechat_status     text,
  error             text,
  succeeded_at      timestamptz,
  next_query_at     timestamptz,
  query_attempts    integer NOT NULL DEFAULT 0 CHECK (query_attempts >= 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (merchant_id, out_refund_no)
);
CREATE INDEX refunds_payment_idx ON refunds (payment_id, created_at);
CREATE INDEX refunds_query_due_idx ON refunds (next_query_at) WHERE status IN ('pending', 'processing');

CREATE TABLE idempotency_keys (
  merchant_id          text NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
  endpoint             text NOT NULL,
  key                  text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_fingerprint  text NOT NULL CHECK (request_fingerprint ~ '^[0-9a-f]{64}$'),
  state                text NOT NULL CHECK (state IN ('in_flight', 'completed')),
  locked_at            timestamptz,
  response_status      integer,
  response_body        jsonb,
  -- The resource the first attempt created (e.g. pay_…), so a retry after a crash resumes it.
  resource_id          text,
  created_at           timestamptz NOT NULL,
  expires_at           timestamptz NOT NULL,
  -- Scoped by merchant: a guessed key can never fetch another merchant's stored response.
  PRIMARY KEY (merchant_id, endpoint, key),
  CHECK ((state = 'completed') = (response_status IS NOT NULL)),
  CHECK ((state = 'in_flight') = (locked_at IS NOT NULL))
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

CREATE TABLE wechat_notifications (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  merchant_id      text NOT NULL REFERENCES merchants(id),
  -- Set once verified; the UNIQUE constraint is the duplicate detector (NULLs never collide).
  notification_id  text UNIQUE,
  event_type       text,
  received_at      timestamptz NOT NULL DEFAULT now(),
  raw_headers      jsonb NOT NULL,
  raw_body         text NOT NULL,
  status           text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'verified', 'rejected', 'applied', 'duplicate')),
  error            text,
  processed_at     timestamptz
);
CREATE INDEX wechat_notifications_pending_idx ON wechat_notifications (received_at) WHERE status IN ('received', 'verified');

CREATE TABLE outbox_events (
  id           text PRIMARY KEY CHECK (id ~ '^evt_[A-Za-z0-9]+$'),
  merchant_id  text NOT NULL REFERENCES merchants(id),
  type         text NOT NULL,
  payload      jsonb NOT NULL,
  -- One event per business fact (e.g. payment.succeeded:<payment id>), however often it is observed.
  dedup_key    text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_events_merchant_idx ON outbox_events (merchant_id, created_at DESC);

CREATE TABLE webhook_deliveries (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id         text NOT NULL REFERENCES outbox_events(id) ON DELETE CASCADE,
  attempt          integer NOT NULL CHECK (attempt >= 1),
  status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'abandoned')),
  next_attempt_at  timestamptz,
  response_status  integer,
  error            text,
  delivered_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, attempt)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE payment_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payment_id  text NOT NULL REFERENCES payments(id),
  kind        text NOT NULL,
  data        jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_events_payment_idx ON payment_events (payment_id, id);
`;
