import { sql, type Kysely } from 'kysely';

/**
 * Continuous monitoring and alerting (issue 5 §6): threshold monitors (global defaults, per-merchant
 * overrides), alerts deduplicated on a key while active, their history, and the notification channels.
 *
 * PostgreSQL 15 compatible. Channel secrets (webhook HMAC secret, WeCom robot key, SMTP password) are
 * never columns here: they are sealed in `vault_secrets` under `alert_channel:<id>:secret`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(ALERTS_DDL).execute(db);
  await sql.raw(DEFAULT_MONITORS).execute(db);
}

const ALERTS_DDL = `
CREATE TABLE alert_monitors (
  id              text PRIMARY KEY CHECK (id ~ '^mon_[A-Za-z0-9_]+$'),
  -- NULL: the global monitor of this kind, applied to every merchant without its own.
  merchant_id     text REFERENCES merchants(id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('single_amount', 'amount_sum', 'payment_count_merchant', 'payment_count_ip',
                    'success_rate', 'notification_failures', 'webhook_failures', 'refund_count', 'refund_amount')),
  -- Fen for amounts, a count for counts, basis points (0–10000) of paid/created for success_rate.
  threshold       bigint NOT NULL CHECK (threshold >= 0),
  window_seconds  integer NOT NULL CHECK (window_seconds BETWEEN 60 AND 604800),
  -- success_rate only: fewer created payments than this in the window never fire.
  min_volume      integer NOT NULL DEFAULT 0 CHECK (min_volume >= 0),
  severity        text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  enabled         boolean NOT NULL DEFAULT true,
  auto_resolve    boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'success_rate' OR threshold <= 10000)
);
-- One monitor per kind per scope: a merchant's own monitor replaces the global one for that merchant.
CREATE UNIQUE INDEX alert_monitors_scope_kind ON alert_monitors (coalesce(merchant_id, ''), kind);

CREATE TABLE alerts (
  id                text PRIMARY KEY CHECK (id ~ '^alt_[A-Za-z0-9]+$'),
  key               text NOT NULL CHECK (length(key) BETWEEN 1 AND 300),
  source            text NOT NULL CHECK (length(source) BETWEEN 1 AND 100),
  monitor_id        text REFERENCES alert_monitors(id) ON DELETE SET NULL,
  merchant_id       text,
  severity          text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
  title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  first_seen_at     timestamptz NOT NULL,
  last_seen_at      timestamptz NOT NULL,
  count             integer NOT NULL DEFAULT 1 CHECK (count >= 1),
  escalation_level  integer NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 10),
  last_notified_at  timestamptz,
  acknowledged_by   text,
  acknowledged_at   timestamptz,
  resolved_by       text,
  resolved_at       timestamptz,
  data              jsonb NOT NULL DEFAULT '{}'::jsonb,
  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL)),
  CHECK (status <> 'acknowledged' OR acknowledged_at IS NOT NULL)
);
-- Deduplication: at most one open or acknowledged alert per key; a resolved key may open again.
CREATE UNIQUE INDEX alerts_active_key ON alerts (key) WHERE status <> 'resolved';
CREATE INDEX alerts_status_severity ON alerts (status, severity, last_seen_at DESC);
CREATE INDEX alerts_merchant ON alerts (merchant_id, last_seen_at DESC);

CREATE TABLE alert_events (
  id          bigserial PRIMARY KEY,
  alert_id    text NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('opened', 'repeated', 'notification_queued', 'delivered', 'delivery_failed',
                'escalated', 'acknowledged', 'resolved', 'auto_resolved')),
  actor       text,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, id);

CREATE TABLE alert_channels (
  id            text PRIMARY KEY CHECK (id ~ '^ach_[A-Za-z0-9]+$'),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind          text NOT NULL CHECK (kind IN ('webhook', 'wecom', 'email')),
  -- NULL: alerts of every merchant and global ones; otherwise only that merchant's alerts.
  merchant_id   text REFERENCES merchants(id) ON DELETE CASCADE,
  min_severity  text NOT NULL DEFAULT 'warning' CHECK (min_severity IN ('info', 'warning', 'critical')),
  -- Escalation: a channel joins once an alert reaches this level (0 = from the first notification).
  min_level     integer NOT NULL DEFAULT 0 CHECK (min_level BETWEEN 0 AND 10),
  -- Non-secret settings only (URL, recipients, SMTP host…).
  config        jsonb NOT NULL DEFAULT '{}'::jsonb,
  enabled       boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
`;

/** The documented defaults (docs/monitoring.md): global, enabled, adjustable per merchant. */
const DEFAULT_MONITORS = `
INSERT INTO alert_monitors (id, merchant_id, kind, threshold, window_seconds, min_volume, severity) VALUES
  ('mon_default_single_amount',          NULL, 'single_amount',          500000,  3600, 0,  'warning'),
  ('mon_default_amount_sum',             NULL, 'amount_sum',             5000000, 3600, 0,  'warning'),
  ('mon_default_payment_count_merchant', NULL, 'payment_count_merchant', 300,     300,  0,  'warning'),
  ('mon_default_payment_count_ip',       NULL, 'payment_count_ip',       20,      600,  0,  'warning'),
  ('mon_default_success_rate',           NULL, 'success_rate',           3000,    1800, 20, 'critical'),
  ('mon_default_notification_failures',  NULL, 'notification_failures', 10,      600,  0,  'critical'),
  ('mon_default_webhook_failures',       NULL, 'webhook_failures',       20,      1800, 0,  'warning'),
  ('mon_default_refund_count',           NULL, 'refund_count',           20,      3600, 0,  'warning'),
  ('mon_default_refund_amount',          NULL, 'refund_amount',          1000000, 3600, 0,  'warning');
`;
